"""What the webhooks domain needs from the running process. The composition
(``lowtato.runtime.Services``) provides it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.config import Settings
from lowtato.kit.crypto import KeyRing


class WebhookServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def keyring(self) -> KeyRing: ...
