"""What the media domain needs from the running process. The composition
(``lowtato.runtime.Services``) provides it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Exists
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.config import Settings
from lowtato.kit.db import Database
from lowtato.media.decoder import Decoder
from lowtato.media.models import MediaFile
from lowtato.media.storage import Storage


class MediaReferences(Protocol):
    """Who refers to an uploaded file. Posts name files in their media lists; media sits below
    posts and cannot read them, so the posts domain answers (``posts.repository.MEDIA_USE``)
    and the composition hands that answer over."""

    async def unpublished_users(self, session: AsyncSession, media: MediaFile) -> list[str]:
        """Ids of the owner's draft, scheduled or publishing posts that name the file."""
        ...

    def used(self) -> Exists:
        """A clause correlated with ``MediaFile``: some post of the file's owner and mode names
        it (whatever its status)."""
        ...


class MediaServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def storage(self) -> Storage: ...
    @property
    def decoder(self) -> Decoder: ...
    @property
    def media_references(self) -> MediaReferences: ...
