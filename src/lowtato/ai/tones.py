"""The tones a post can be written in, and the words people use for them."""

from __future__ import annotations

from enum import StrEnum


class Tone(StrEnum):
    professional = "professional"
    casual = "casual"
    friendly = "friendly"
    witty = "witty"
    inspirational = "inspirational"
    educational = "educational"
    bold = "bold"


# Other words for the same tone (requests and brand kits say these too).
ALIASES: dict[str, Tone] = {
    "humorous": Tone.witty,
    "funny": Tone.witty,
    "playful": Tone.witty,
    "motivational": Tone.inspirational,
    "inspiring": Tone.inspirational,
    "informative": Tone.educational,
    "persuasive": Tone.bold,
    "confident": Tone.bold,
    "formal": Tone.professional,
    "conversational": Tone.casual,
    "warm": Tone.friendly,
}

ACCEPTED = tuple(t.value for t in Tone) + tuple(ALIASES)


def parse_tone(value: str) -> Tone | None:
    """The tone ``value`` names (case and spaces ignored), or None."""
    key = value.strip().casefold()
    if key in Tone.__members__:
        return Tone(key)
    return ALIASES.get(key)
