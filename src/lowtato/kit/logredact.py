"""Secrets out of log lines: API keys and credentials that a client put in a URL.

Keys are read only from headers, but a client may still send one in the query string
(``?api_key=lt_live_…``), and the access log writes request lines as they came. This filter,
on every handler ``lowtato serve`` sets up (uvicorn's access and error logs and the root
handler our own loggers reach), rewrites each record's message and arguments before they are
formatted: any ``lt_live_…``/``lt_test_…`` value anywhere, and the value of any query
parameter named like a credential (``api_key``, ``token``, OAuth's ``code``, …), become
``[redacted]``. The request itself is still logged.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

REDACTED = "[redacted]"
# An API key in any spelling a URL may carry it (underscores percent-encoded included).
_KEY = re.compile(r"lt(?:_|%5[Ff])(?:live|test)(?:_|%5[Ff])[0-9A-Za-z_%]*")
_NAMES = (
    "api[-_]?key|x[-_]api[-_]key|apikey|key|token|access[-_]token|refresh[-_]token|"
    "id[-_]token|code|password|app[-_]password|secret|client[-_]secret|authorization|"
    "bearer|signature|sig"
)
_PARAM = re.compile(rf"([?&;](?:{_NAMES})=)[^&;#\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    return _PARAM.sub(lambda m: m.group(1) + REDACTED, _KEY.sub(REDACTED, text))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the filter on both of its handlers."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config


def install_on_root() -> None:
    """The filter on the root logger's handlers (where ``lowtato.*`` records end up)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
