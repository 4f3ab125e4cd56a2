"""What the media domain needs from the running process. The composition
(``lowtato.runtime.Services``) provides it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.config import Settings
from lowtato.kit.db import Database
from lowtato.media.decoder import Decoder
from lowtato.media.storage import Storage


class MediaServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def storage(self) -> Storage: ...
    @property
    def decoder(self) -> Decoder: ...
