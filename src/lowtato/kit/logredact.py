"""Secrets out of log lines: API keys, tokens, signing secrets and passwords.

Keys are read only from headers, but a client may still send one in the query string
(``?api_key=lt_live_…``), a platform's error body may echo a token, an exception may carry a
URL with ``client_secret=…``. This filter, on the handler ``lowtato.kit.logs`` installs,
rewrites each record's message and arguments before they are formatted (and the formatters
clean extra fields and tracebacks the same way): any ``lt_live_…``/``lt_test_…`` value and any
``whsec_…`` secret anywhere, a bearer token, the value of any query parameter named like a
credential (``api_key``, ``token``, OAuth's ``code``, …) and of any ``name: value`` or
``name=value`` pair whose name says token, secret, password or key become ``[redacted]``.
The HTTP libraries' own loggers get the filter too (``install_on_libraries``), since they
log the URLs of the platform calls we make.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Final

REDACTED = "[redacted]"
# An API key in any spelling a URL may carry it (underscores percent-encoded included).
_KEY = re.compile(r"lt(?:_|%5[Ff])(?:live|test)(?:_|%5[Ff])[0-9A-Za-z_%]*")
# Any parameter whose name says it carries a credential: api_key, x-api-key, access_token,
# fb_exchange_token, input_token, client_secret, code, state, password, signature, …
_NAMES = r"[\w.~-]*(?:key|token|secret|passw(?:or)?d|code|state|signature|sig|auth|credential)"
_PARAM = re.compile(rf"([?&;]{_NAMES}[\w.~-]*=)[^&;#\s\"']*", re.IGNORECASE)
_PLAIN = (str, int, float, bool, type(None))
_NUMBERS = frozenset({int, float, bool, type(None)})  # exact types: nothing to clean in them
# Outside URLs: a credential written as ``name: value``/``name=value`` (a JSON error body from
# a platform, a repr, a header dump), a bearer token, a webhook signing secret.
_SECRET_NAME = r"(?:token|secret|passw(?:or)?d|api[_-]?key|authorization|credential)"  # noqa: S105 - a pattern
_PAIR = re.compile(
    rf"""([\w-]*{_SECRET_NAME}[\w-]*["']?\s*[:=]\s*["']?)(?!\[redacted\])"""
    r"""(?:Bearer\s+)?[^"'\s,&;{}]+""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_WHSEC = re.compile(r"whsec_[A-Za-z0-9+/=_-]+")
_SECRET_FIELD = re.compile(rf"{_SECRET_NAME}|^key$", re.IGNORECASE)


# Every pattern above needs one of these words in the text (in any case). Most log text (a
# request line, a route, an id) has none, and one search of the lower-cased text for them
# is far cheaper than the five rewrites, which cost about 80 µs on every request's log line
# (a case-insensitive search alone cost 3 µs a field, this one 0.4 µs).
_ANY_TRIGGER = re.compile(
    r"lt_|lt%5f|whsec_|bearer|token|secret|passw|key|code|state|sig|auth|credential"
)


def redact(text: str) -> str:
    return _rewrite(text) if _ANY_TRIGGER.search(text.lower()) else text


def _rewrite(text: str) -> str:
    text = _PARAM.sub(lambda m: m.group(1) + REDACTED, _KEY.sub(REDACTED, text))
    text = _WHSEC.sub(REDACTED, _BEARER.sub(lambda m: m.group(1) + REDACTED, text))
    return _PAIR.sub(lambda m: m.group(1) + REDACTED, text)


def redact_field(name: str, value: object) -> object:
    """A structured log field: its value hidden when its name says credential, else cleaned
    like any text."""
    if _secret_name(name):
        return REDACTED
    return _redact_arg(value)


@functools.lru_cache(maxsize=1024)
def _secret_name(name: str) -> bool:
    """Field names come from a small set (the code's own): each is checked once."""
    return _SECRET_FIELD.search(name) is not None


def redact_fields(fields: dict[str, object]) -> dict[str, object]:
    """``redact_field`` on every field, answered with one search when none needs it (a
    request's line: ids, a route, numbers): a trigger word in any one text is also in the
    texts joined, and no trigger spans the line break that joins them."""
    if any(map(_secret_name, fields)):
        return {name: redact_field(name, value) for name, value in fields.items()}
    texts = [v if type(v) is str else str(v) for v in fields.values() if type(v) not in _NUMBERS]
    if _ANY_TRIGGER.search("\n".join(texts).lower()):
        return {name: _redact_arg(value) for name, value in fields.items()}
    return fields


def _redact_arg(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _PLAIN):
        return value
    text = str(value)  # an httpx.URL, for one: formatted with %s anyway
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # The message is formatted first and cleaned as a whole: a secret's name may sit in
        # the template and its value in an argument (``"password=%s", pw``), and cleaning the
        # template alone could eat a placeholder.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging reports the broken call itself; nothing to clean yet
        record.msg, record.args = redact(message), None
        return True


# Libraries that log the URLs we call: Graph API calls carry tokens and the app secret in the
# query string (``/oauth/access_token?client_secret=…&fb_exchange_token=…``).
LIBRARY_LOGGERS: Final = ("httpx", "httpcore", "urllib3")


def install_on_libraries() -> None:
    """The filter on the loggers of the HTTP libraries, so their records are clean before any
    handler — ours, an operator's or a test's — sees them. Idempotent."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
