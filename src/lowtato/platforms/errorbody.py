"""A platform's error answer, made fit to quote in a post's ``error_message``.

Platforms (and the gateways in front of them) answer errors with anything: a JSON object whose
message quotes the access token or the request it refuses, a 200 KB HTML page, plain text. What
a user reads must be short, plain and free of secrets, so adapters never quote a response body
directly: they read the platform's own error fields from ``error_json(response)``, in which

- a body that is not a JSON object (HTML, text, nothing) is ``{}``: the adapter then falls back
  to the status code, never to the raw text;
- every string is ``scrub``-bed: HTML tags and entities removed, whitespace collapsed, the
  request's secrets and data (the ``Authorization`` credential, query values, the values of a
  JSON or form body) and anything shaped like a token replaced by ``[redacted]``, and the
  result cut at ``MAX_CHARS``.

Only error answers go through here: successful bodies carry ids and tokens the adapter needs.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Final
from urllib.parse import parse_qsl

import httpx

MAX_CHARS: Final = 200
REDACTED: Final = "[redacted]"
# Request values shorter than this are ordinary words ("true", "en", a one-word post) that a
# platform's own message may contain by chance; tokens and echoed texts are longer.
_MIN_ECHO: Final = 12
_MAX_REQUEST_BODY: Final = 64 * 1024  # bigger bodies are uploads, never echoed whole
_TAG = re.compile(r"<[^<>]{0,2000}>")
# Long runs of token alphabet (JWTs, OAuth tokens, hex or base64 secrets): no word is that long.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-.~+]{32,}={0,2}")


def error_json(response: httpx.Response) -> dict[str, Any]:
    """The error answer's JSON object with every string scrubbed; ``{}`` when not JSON."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        return {}
    secrets = request_secrets(response)
    scrubbed = _scrub_values(body, secrets)
    return scrubbed if isinstance(scrubbed, dict) else {}


def scrub(text: object, secrets: list[str] | None = None, *, limit: int = MAX_CHARS) -> str:
    """``text`` as one short plain line: no HTML, no secrets, at most ``limit`` characters."""
    plain = html.unescape(str(text))
    plain = _TAG.sub(" ", plain).replace("<", " ").replace(">", " ")
    for secret in sorted(secrets or [], key=len, reverse=True):
        plain = plain.replace(secret, REDACTED)
    plain = _TOKEN_LIKE.sub(REDACTED, plain)
    plain = " ".join(plain.split())
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


def request_secrets(response: httpx.Response) -> list[str]:
    """What the request that got ``response`` carried and a reply must not echo."""
    try:
        request = response.request
    except RuntimeError:  # a response built without a request (tests)
        return []
    authorization = request.headers.get("authorization", "")
    found = [value for _, value in request.url.params.multi_items()] + _body_values(request)
    unique = {value.strip() for value in found if len(value.strip()) >= _MIN_ECHO}
    unique |= {v.strip() for v in (authorization, authorization.partition(" ")[2]) if v.strip()}
    return sorted(unique, key=len, reverse=True)


def _body_values(request: httpx.Request) -> list[str]:
    try:
        content = request.content
    except httpx.RequestNotRead:  # streamed (an upload): it cannot be quoted back whole
        return []
    if not content or len(content) > _MAX_REQUEST_BODY:
        return []
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return []
    values = [text]
    try:
        values += _strings(json.loads(text))
    except ValueError:
        values += [value for _, value in parse_qsl(text)]
    return values


def _strings(value: object) -> list[str]:
    """Every string in a decoded JSON value, also as it is spelled inside JSON text."""
    if isinstance(value, str):
        return [value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _scrub_values(value: object, secrets: list[str]) -> object:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {str(k): _scrub_values(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item, secrets) for item in value[:20]]
    return value
