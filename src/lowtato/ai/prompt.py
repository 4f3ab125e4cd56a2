"""The system prompt for an OpenAI-compatible provider: brand, tone, platform rules, language,
the user's instructions and the source material. The user message is the topic."""

from __future__ import annotations

from lowtato.ai.conventions import CONVENTIONS, caps
from lowtato.ai.request import GenerationRequest
from lowtato.kit.languages import language_name
from lowtato.platforms.text import TextCounting

MAX_SOURCE_CHARS = 8000  # enough for the gist of an article; keeps the prompt affordable
UNITS = {
    TextCounting.TWITTER_WEIGHTED: "weighted characters (most Latin letters 1, CJK and emoji 2, "
    "every link 23)",
    TextCounting.GRAPHEMES: "characters as a reader sees them",
    TextCounting.CHARACTERS: "characters",
    TextCounting.CHARACTERS_EMOJI_BYTES: "characters (each emoji counts as its UTF-8 bytes)",
    TextCounting.UTF8_BYTES: "bytes of UTF-8",
}


def system_prompt(request: GenerationRequest) -> str:
    platform = caps(request.platform)
    convention = CONVENTIONS[request.platform]
    brand = request.brand
    lines = [f"You write one social media post for {platform.display_name}."]
    about = [
        ("Brand", brand.brand_name),
        ("What the brand does", brand.what_do_you_do),
        ("Who the brand helps", brand.who_do_you_help),
        ("Brand topics", ", ".join(brand.topics) if brand.topics else None),
        ("Website", brand.website),
    ]
    lines += [f"{label}: {value}" for label, value in about if value]
    tone = f"Tone: {request.tone.value}."
    if brand.tone and brand.tone.casefold() != request.tone.value:
        tone += f" The brand describes its voice as: {brand.tone}."
    lines.append(tone)
    lines.append(f"Write in {language_name(request.language)}.")
    lines.append(
        f"Length: {platform.display_name} allows at most {platform.text_limit} "
        f"{UNITS[platform.text_counting]}; aim for about {convention.target_chars} and never "
        "go over the limit."
    )
    lines.append(f"Format: {convention.advice}")
    if request.include_hashtags:
        lines.append(
            f"Hashtags: put {convention.hashtags_min} to {convention.hashtags_max} relevant "
            "CamelCase hashtags at the very end."
            if convention.hashtags_max
            else "Hashtags: none."
        )
    else:
        lines.append("Hashtags: do not use any.")
    if request.source is not None:
        content = request.source.content[:MAX_SOURCE_CHARS]
        lines.append(
            "Write from this source material; use its facts and invent none.\n"
            f"Source title: {request.source.title}\nSource text:\n{content}"
        )
    if request.custom_instructions:
        lines.append(f"Further instructions from the user: {request.custom_instructions}")
    lines.append(
        "Answer with the post text only: no preamble, no surrounding quotes, no explanation."
    )
    return "\n".join(lines)


def max_tokens(request: GenerationRequest) -> int:
    """Room for the longest post worth asking for: about two characters a token for the
    target length's double (CJK uses more tokens a character), never past the limit."""
    platform = caps(request.platform)
    target = min(platform.text_limit, 2 * CONVENTIONS[request.platform].target_chars)
    return min(4000, target // 2 + 64)
