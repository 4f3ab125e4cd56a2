"""Structured logs: one JSON object per line (or readable text on a terminal).

``configure`` installs one stderr handler on the root logger, for ``lowtato serve``,
``lowtato worker`` and the admin commands alike. Every line carries the fields bound to the
current context (``bound``/``bind``): the job worker binds the job id and kind, the publish
flow the post id and platform, so a line logged deep inside an adapter says which post it is
about. The request line is written by the request-context middleware (``request_line``).

Secrets never reach the output: the message, the exception text and every extra field pass
through ``logredact`` (the filter on the handler, and the formatters again for extras).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Final, Literal, TextIO

from lowtato.kit import logredact

LogFormat = Literal["auto", "json", "text"]

_context: ContextVar[dict[str, object]] = ContextVar("lowtato_log_context", default={})  # noqa: B039 - never mutated, only replaced
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


def bind(**fields: object) -> None:
    """Add fields to every line logged from here on in this context (an asyncio task has its
    own copy, so a job's fields stay on that job's lines)."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """``bind`` for the duration of a block."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    extra = {name: value for name, value in record.__dict__.items() if name not in _STANDARD}
    bound = _context.get()
    return logredact.redact_fields({**bound, **extra} if bound else extra)


# One encoder for every line (``json.dumps`` with options builds a new one per call).
_to_json: Final = json.JSONEncoder(default=str, ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[int, str] = (-1, "")  # one tuple: a reader never sees half

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": logredact.redact(record.getMessage()),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exc"] = logredact.redact(self.formatException(record.exc_info))
        return _to_json(line)

    def _timestamp(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond; the date and time of day are formatted once
        a second (lines come many to the second)."""
        second = int(created)
        cached, text = self._second
        if second != cached:
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{int((created - second) * 1000):03d}+00:00"


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = logredact.redact(super().format(record))
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return f"{text}  {extra}" if extra else text


def handler(stream: TextIO, fmt: LogFormat = "auto") -> logging.Handler:
    """A handler writing to ``stream``: JSON, text, or (auto) text only on a terminal."""
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    out = logging.StreamHandler(stream)
    out.setFormatter(JsonFormatter() if use_json else TextFormatter())
    out.addFilter(logredact.RedactSecrets())
    return out


def configure(level: str = "info", fmt: LogFormat = "auto") -> None:
    """One handler on the root logger (replacing any), writing to stderr."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(sys.stderr, fmt))
    root.setLevel(level.upper())
    # No line we write shows the caller, thread or process: logging need not look them up
    # for each record (the "Optimization" knobs of the logging HOWTO). This is per process,
    # and every Lowtato command configures its logs here.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logredact.install_on_libraries()


request_log: Final = logging.getLogger("lowtato.request")


def request_line(
    *,
    request_id: str,
    method: str,
    route: str,
    status: int,
    duration_ms: float,
    owner_id: str | None,
) -> None:
    """The one line per request (uvicorn's access log is off under ``lowtato serve``)."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    request_log.info(
        "%s %s %d",
        method,
        route,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration_ms, 2),
            "owner_id": owner_id,
        },
    )
