"""What a provider is asked to write: the caller's request resolved against the brand kit."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.ai.tones import Tone
from lowtato.brand.schemas import BrandKitOut
from lowtato.platforms.names import Platform
from lowtato.sources.service import SourceText

__all__ = ["GenerationRequest", "SourceText"]


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    topic: str
    platform: Platform
    tone: Tone
    include_hashtags: bool
    custom_instructions: str | None
    brand: BrandKitOut
    language: str
    """The language to write in (a normalized tag: "en", "pt-BR")."""
    source: SourceText | None = None
