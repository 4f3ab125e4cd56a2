# Lowtato: one image for the API (`lowtato serve`) and the workers (`lowtato worker`).
# Build: docker build -t lowtato .   Run the embedded default: docker run -p 8000:8000 -v lowtato:/var/lib/lowtato lowtato

# Stage 1: build a virtualenv with Lowtato and its dependencies (compilers stay here).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/lowtato
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/lowtato/bin/pip install .

# Stage 2: the runtime: the virtualenv only, run by an unprivileged user.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/lowtato --create-home lowtato \
 && install -d -o lowtato -g lowtato /run/lowtato-metrics
COPY --from=build /opt/lowtato /opt/lowtato
ENV PATH=/opt/lowtato/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LOWTATO_DATA_DIR=/var/lib/lowtato \
    LOWTATO_LOG_FORMAT=json
USER lowtato
WORKDIR /var/lib/lowtato
VOLUME /var/lib/lowtato
EXPOSE 8000
# Both `serve` and `worker` stop gracefully on SIGTERM (requests finish; running jobs get
# their grace, then go back to the queue); give them that long before SIGKILL.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health?live', timeout=4)"]
CMD ["lowtato", "serve", "--host", "0.0.0.0", "--port", "8000"]
