"""The file name an upload is shown with, made safe to display and to save.

Clients send whatever their file picker or code produced: full paths (``../../etc/x.png``,
``C:\\Users\\…``), control characters that rewrite a terminal line, and invisible format
characters such as U+202E RIGHT-TO-LEFT OVERRIDE, which makes ``invoice\u202egnp.exe``
display as ``invoiceexe.png``. The name is only a label (files are stored under a random
key), so it is cleaned rather than refused.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_CHARS: Final = 255  # the column's width, and most file systems' limit
_MAX_EXTENSION: Final = 16
# Cc control, Cf format (bidi overrides and isolates, zero-width, BOM), Cs surrogates,
# Co private use, Cn unassigned, Zl/Zp line and paragraph separators.
_DROPPED: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SEPARATORS = re.compile(r"[/\\]")


def clean_filename(raw: str | None) -> str | None:
    """The last path part of ``raw`` without invisible characters, trimmed of surrounding
    spaces and dots, at most 255 characters (the extension kept); None when nothing is left."""
    if not raw:
        return None
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED)
    text = _SEPARATORS.split(text)[-1].strip(" .")
    if not text:
        return None
    if len(text) > MAX_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION:
            text = f"{stem[: MAX_CHARS - len(extension) - 1]}.{extension}"
        else:
            text = text[:MAX_CHARS]
    return text
