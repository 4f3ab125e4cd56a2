"""The HTTP side of Idempotency-Key: the header (declared in the OpenAPI document, read and
checked here) and the response built from a service's ``Outcome``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from lowtato.errors import ValidationFailed
from lowtato.idempotency.service import Key, Outcome
from lowtato.kit.openapi import IDEMPOTENT_ATTR
from lowtato.kit.principal import Principal

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


async def _declare_header(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Makes a retry safe: 1-255 printable characters (a UUID is ideal).",
        ),
    ] = None,
) -> None:
    """States the header in the OpenAPI document (and so the 409 and 422 it can bring, see
    kit/openapi.py); ``key_from`` reads and checks it where the create runs."""


setattr(_declare_header, IDEMPOTENT_ATTR, True)
IDEMPOTENT = Depends(_declare_header)
"""In a create route's ``dependencies``: the route honours ``Idempotency-Key``."""


def key_from(request: Request, principal: Principal) -> Key | None:
    """The request's key in its scope (owner, mode, method, path); None without the header."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 sf-string form
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationFailed.field(HEADER, "must be 1-255 printable characters (a UUID is ideal)")
    return Key.of(principal, request.method, request.url.path, key)


def respond(outcome: Outcome) -> JSONResponse:
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)
