"""What the sources domain needs from the running process. The composition
(``lowtato.runtime.Services``) provides it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.config import Settings
from lowtato.llm.client import OpenAICompatible


class SourceServices(Protocol):
    @property
    def settings(self) -> Settings: ...
    # The operator's chat/transcription provider (LOWTATO_AI_*); None when not configured.
    @property
    def llm(self) -> OpenAICompatible | None: ...
    # A search-capable endpoint for perplexity-query (LOWTATO_AI_SEARCH_*); None when not set.
    @property
    def search_llm(self) -> OpenAICompatible | None: ...
