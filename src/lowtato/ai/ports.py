"""What the AI domain needs from the running process (``runtime.Services`` provides it)."""

from __future__ import annotations

from typing import Protocol

from lowtato.kit.db import Database
from lowtato.llm.client import OpenAICompatible


class AiServices(Protocol):
    @property
    def db(self) -> Database: ...
    @property
    def llm(self) -> OpenAICompatible | None:
        """The operator's AI endpoint; None → the built-in generator."""
        ...
