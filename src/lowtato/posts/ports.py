"""What the posts domain (the publish engine above all) needs from the running process. The
composition (``lowtato.runtime.Services``) provides it; this package never imports the
composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.accounts.ports import AccountServices
from lowtato.media.ports import MediaServices
from lowtato.media.turns import DownloadTurns


class PostServices(AccountServices, MediaServices, Protocol):
    @property
    def downloads(self) -> DownloadTurns:
        """Per-owner turns for publish-time media downloads (``media.turns``)."""
        ...
