"""What the sync and async clients share: settings, request preparation, the retry policy and
media payloads. Nothing here does I/O except reading a file the caller named."""

from __future__ import annotations

import base64
import mimetypes
import os
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx

from lowtato.client._errors import retry_after_seconds
from lowtato.client._routes import ROUTES

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3
USER_AGENT = "lowtato-python/0.1.0"
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# Methods a server applies at most once however often they arrive.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})

MediaInput = str | os.PathLike[str] | bytes | IO[bytes]


def resolve_api_key(api_key: str | None) -> str | None:
    return api_key if api_key is not None else os.environ.get("LOWTATO_API_KEY") or None


def resolve_base_url(base_url: str | None) -> str:
    url = base_url or os.environ.get("LOWTATO_BASE_URL") or DEFAULT_BASE_URL
    return url.rstrip("/")


def default_headers(api_key: str | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    return headers


@dataclass
class Prepared:
    """One API call, ready to send as many times as the retry policy allows."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None

    @property
    def replayable(self) -> bool:
        """Safe to send again after a 5xx or a lost answer: the method is idempotent, or the
        server dedupes by the Idempotency-Key this request carries (the same key each time)."""
        return self.method in IDEMPOTENT_METHODS or "Idempotency-Key" in self.headers

    def send_kwargs(self) -> dict[str, Any]:
        return {
            "headers": self.headers,
            "params": self.params,
            "json": self.json,
            "files": self.files,
        }


def prepare(
    base_url: str,
    operation: str,
    *,
    path: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    idempotency_key: str | None = None,
) -> Prepared:
    route = ROUTES[operation]
    url_path = route.path
    for name, value in (path or {}).items():
        if not value or "/" in value:
            msg = f"{name} must be a non-empty id without '/', got {value!r}"
            raise ValueError(msg)
        url_path = url_path.replace("{" + name + "}", quote(value, safe=""))
    headers: dict[str, str] = {}
    if route.idempotency_key:
        # Made once here, so every retry of this call carries the same key.
        headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
    query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
    return Prepared(route.method, base_url + url_path, headers, query or None, json, files)


def retry_delay(
    attempt: int,
    max_retries: int,
    request: Prepared,
    response: httpx.Response | None,
) -> float | None:
    """Seconds to wait before sending ``request`` again, or None to stop. ``response`` is
    None when no answer came (a connection error or a timeout)."""
    if attempt >= max_retries:
        return None
    if response is None:
        return backoff(attempt) if request.replayable else None
    status = response.status_code
    retry = (
        # A 429 was refused before it ran, so any request may be sent again.
        status == 429
        or (status in RETRY_STATUSES and request.replayable)
        # idempotency_key_in_use: our earlier try is still running; its answer will replay.
        or (
            status == 409
            and "Idempotency-Key" in request.headers
            and _error_code(response) == "idempotency_key_in_use"
        )
    )
    if not retry:
        return None
    retry_after = retry_after_seconds(response.headers)
    return min(retry_after, RETRY_AFTER_CAP) if retry_after is not None else backoff(attempt)


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s, ... capped at 8 s."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


def media_payload(
    file: MediaInput | None,
    *,
    base64_data: str | None,
    mime_type: str | None,
    filename: str | None,
) -> tuple[dict[str, tuple[str, bytes, str]] | None, dict[str, Any] | None]:
    """(multipart files, JSON body) for ``media.upload``: a file is read once here so that a
    retry sends the same bytes."""
    if (file is None) == (base64_data is None):
        msg = "pass exactly one of file (a path, bytes or a binary file object) or base64_data"
        raise ValueError(msg)
    if base64_data is not None:
        body: dict[str, Any] = {"data": base64_data}
        if mime_type:
            body["mime_type"] = mime_type
        if filename:
            body["filename"] = filename
        return None, body
    if isinstance(file, bytes):
        content, name = file, filename or "upload"
    elif isinstance(file, str | os.PathLike):
        source = Path(file)
        content, name = source.read_bytes(), filename or source.name
    else:
        assert file is not None
        content = file.read()
        name = filename or Path(str(getattr(file, "name", "upload"))).name
    guessed = mimetypes.guess_type(name)[0]
    return {"file": (name, content, mime_type or guessed or "application/octet-stream")}, None


def encode_base64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def iso(value: datetime | str | None) -> str | None:
    """A time for the API: ISO 8601 (give it a timezone; the server refuses naive times)."""
    return value.isoformat() if isinstance(value, datetime) else value


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code")) if isinstance(error, dict) else None


def _query_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
