"""Per-owner turns for publish-time media downloads, so one owner's slow media URLs cannot
occupy every publish worker of a process.

A download holds its worker for as long as the media server takes (up to the total time limit),
and a server that answers slowly on purpose would, with enough due posts, hold every worker and
delay everyone else's posts. So a publish attempt that has URLs to download takes one of its
owner's turns first (``LOWTATO_MEDIA_FETCH_PER_OWNER`` per process), and gives it back as soon
as its downloads are done, before it talks to the platform.

An attempt that finds all of its owner's turns taken does not wait for one in its worker (a
waiting worker is exactly what is to be avoided): it ends at once, before the post is marked as
sending, and the job runs again ``WAIT_SECONDS`` later without counting as an attempt. Other
owners' posts get the freed worker meanwhile. Attempts without URLs to download (text, or files
uploaded to this server) never need a turn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from lowtato.platforms.base import Media

# How long an attempt whose owner has no free turn waits before it runs again (not an attempt).
WAIT_SECONDS = 5.0


def needs_download(media: Sequence[Media]) -> bool:
    """Whether publishing these media downloads anything (what ``prefetch`` fetches: media
    whose type is not known yet, i.e. URLs that are not this server's uploads)."""
    return any(item.kind is None for item in media)


class DownloadTurns:
    """How many publish attempts of each owner are downloading media in this process."""

    def __init__(self, per_owner: int) -> None:
        if per_owner < 1:
            msg = "per_owner must be at least 1"
            raise ValueError(msg)
        self.per_owner = per_owner
        self._busy: Counter[str] = Counter()

    def busy(self, owner_id: str) -> int:
        return self._busy[owner_id]

    def turn(self) -> Turn:
        """An empty claim for one publish attempt; ``take`` fills it, leaving ``with`` or
        ``release`` empties it."""
        return Turn(self)

    def _take(self, owner_id: str) -> bool:
        if self._busy[owner_id] >= self.per_owner:
            return False
        self._busy[owner_id] += 1
        return True

    def _give_back(self, owner_id: str) -> None:
        self._busy[owner_id] -= 1
        if self._busy[owner_id] <= 0:
            del self._busy[owner_id]


class Turn:
    """One publish attempt's hold on a turn of its owner; ``release`` is idempotent."""

    def __init__(self, turns: DownloadTurns) -> None:
        self._turns = turns
        self._owner: str | None = None

    def take(self, owner_id: str, media: Sequence[Media]) -> bool:
        """True when the attempt may go on: it has nothing to download, or it now holds one of
        the owner's turns. False when they are all taken (the attempt should wait)."""
        if self._owner is not None or not needs_download(media):
            return True
        if not self._turns._take(owner_id):
            return False
        self._owner = owner_id
        return True

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            self._turns._give_back(owner)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
