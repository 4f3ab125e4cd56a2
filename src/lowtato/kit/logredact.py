"""Secrets out of log lines: API keys and credentials that a client put in a URL.

Keys are read only from headers, but a client may still send one in the query string
(``?api_key=lt_live_…``), and the access log writes request lines as they came. This filter,
on every handler ``lowtato serve`` sets up (uvicorn's access and error logs and the root
handler our own loggers reach), rewrites each record's message and arguments before they are
formatted: any ``lt_live_…``/``lt_test_…`` value anywhere, and the value of any query
parameter named like a credential (``api_key``, ``token``, OAuth's ``code``, …), become
``[redacted]``. The request itself is still logged. The HTTP libraries' own loggers get the
filter too (``install_on_libraries``), since they log the URLs of the platform calls we make.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Final

from uvicorn.config import LOGGING_CONFIG

REDACTED = "[redacted]"
# An API key in any spelling a URL may carry it (underscores percent-encoded included).
_KEY = re.compile(r"lt(?:_|%5[Ff])(?:live|test)(?:_|%5[Ff])[0-9A-Za-z_%]*")
# Any parameter whose name says it carries a credential: api_key, x-api-key, access_token,
# fb_exchange_token, input_token, client_secret, code, state, password, signature, …
_NAMES = r"[\w.~-]*(?:key|token|secret|passw(?:or)?d|code|state|signature|sig|auth|credential)"
_PARAM = re.compile(rf"([?&;]{_NAMES}[\w.~-]*=)[^&;#\s\"']*", re.IGNORECASE)
_PLAIN = (str, int, float, bool, type(None))


def redact(text: str) -> str:
    return _PARAM.sub(lambda m: m.group(1) + REDACTED, _KEY.sub(REDACTED, text))


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
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the filter on both of its handlers."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config


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


def install_on_root() -> None:
    """The filter on the root logger's handlers (where ``lowtato.*`` records end up)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
