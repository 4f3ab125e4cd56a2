"""Files only this server's user may read: the data directory and what lives in it.

Modes are passed to ``mkdir``/``open`` instead of trusting the process umask (a umask only
clears bits, so 0700/0600 stay 0700/0600 even under umask 000), and a directory or file this
process creates is ``chmod``-ed once more in case the filesystem applied something else.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) if absent; the directories created are 0700.

    An existing directory is left as it is: the operator chose its mode.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            directory.mkdir(mode=DIR_MODE)
            os.chmod(directory, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist (its directory 0700)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return path


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite…:///path`` URL; None for in-memory or other databases."""
    if not url.startswith("sqlite"):
        return None
    _, sep, rest = url.partition(":///")
    path = rest.split("?", 1)[0]
    if not sep or not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    return Path(path)
