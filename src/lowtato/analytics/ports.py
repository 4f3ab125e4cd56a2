"""What the analytics domain needs from the running process: the settings (sync interval),
the database, the key ring (to decrypt account tokens) and the platform adapters. The
composition (``lowtato.runtime.Services``) provides it; this package never imports it."""

from __future__ import annotations

from typing import Protocol

from lowtato.config import Settings
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.platforms.registry import AdapterRegistry


class AnalyticsServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def keyring(self) -> KeyRing: ...
    @property
    def adapters(self) -> AdapterRegistry: ...
