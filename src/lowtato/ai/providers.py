"""Who writes the post: a ``TextProvider``. The operator's OpenAI-compatible endpoint when one
is configured (``LOWTATO_AI_BASE_URL`` + ``LOWTATO_AI_MODEL``), else the built-in offline
generator. Either answers with the post's text; the service makes it fit."""

from __future__ import annotations

from typing import Protocol

from lowtato.ai.builtin import Builtin
from lowtato.ai.prompt import max_tokens, system_prompt
from lowtato.ai.request import GenerationRequest
from lowtato.llm.client import Message, OpenAICompatible


class TextProvider(Protocol):
    @property
    def name(self) -> str:
        """ "builtin", or the model's name."""
        ...

    async def write(self, request: GenerationRequest) -> str:
        """The post's text (hashtags at its end); raises ``llm.client.ProviderError``."""
        ...


class OpenAIProvider:
    def __init__(self, client: OpenAICompatible) -> None:
        self.client = client

    @property
    def name(self) -> str:
        return self.client.name

    async def write(self, request: GenerationRequest) -> str:
        messages = [Message("system", system_prompt(request)), Message("user", request.topic)]
        return await self.client.chat(messages, max_tokens=max_tokens(request), temperature=0.7)


def provider_for(llm: OpenAICompatible | None) -> TextProvider:
    return Builtin() if llm is None else OpenAIProvider(llm)
