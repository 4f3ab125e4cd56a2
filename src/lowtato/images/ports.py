"""What the images domain needs from the running process (``lowtato.runtime.Services``)."""

from __future__ import annotations

from typing import Protocol

from lowtato.llm.client import OpenAICompatible
from lowtato.media.ports import MediaServices


class ImageServices(MediaServices, Protocol):
    """Media storage (the image is stored as a media item) and the AI provider, if any."""

    @property
    def llm(self) -> OpenAICompatible | None: ...
