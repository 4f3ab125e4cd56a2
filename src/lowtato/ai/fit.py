"""Making a post fit its platform, measured the way the platform measures it.

Hashtags go first (from the last one), then the text is shortened: at the end of a sentence
when that keeps at least half the room, else at the end of a word with an ellipsis, and only
a single word longer than the whole limit is cut, between two graphemes. Never mid-word
otherwise, never inside a grapheme (an emoji ZWJ sequence, a flag, a letter with its marks).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lowtato.ai.conventions import caps, compose
from lowtato.platforms.names import Platform
from lowtato.platforms.text import (
    count_cashtags,
    count_hashtags,
    count_mentions,
    graphemes,
    text_length,
    utf8_length,
)

ELLIPSIS = "…"
# After a sentence's closing punctuation (and any closing quotes or brackets) and a space, after
# a CJK full stop (no space follows those), or at a line break.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|[。！？][\"'”’)\]」』]*|\n")
_SPACE = re.compile(r"\s+")
# The sign that makes a word a hashtag, a mention, a cashtag (as platforms.text counts them).
_HASH_SIGN = re.compile(r"(?<![\w&])[#＃](?=\w*[^\W\d_])")
_AT_SIGN = re.compile(r"(?<![\w.@])@(?=\w)")
_CASH_SIGN = re.compile(r"(?<!\S)\$(?=[A-Za-z])")


def measure(text: str, platform: Platform) -> int:
    """``text``'s length as ``platform`` counts it."""
    return text_length(text, caps(platform).text_counting)


def fits(text: str, platform: Platform) -> bool:
    rule = caps(platform).text
    if text_length(text, rule.counting) > rule.max_length:
        return False
    return rule.max_bytes is None or utf8_length(text) <= rule.max_bytes


def clean(text: str, platform: Platform) -> str:
    """Without the characters the platform refuses (YouTube's ``<`` and ``>``, X's invalid
    code points), and without trailing spaces on lines."""
    for char in caps(platform).text.forbidden_characters:
        text = text.replace(char, "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def fit(text: str, hashtags: list[str], platform: Platform) -> tuple[str, list[str]]:
    """``(text, hashtags)`` whose ``compose`` fits ``platform``: hashtags dropped from the end
    first, then the text shortened (see the module docstring)."""
    text = within_counts(clean(text, platform), len(hashtags), platform)
    tags = list(hashtags)
    while True:
        if fits(compose(text, tags, platform), platform):
            return text, tags
        if not tags:
            break
        tags.pop()
    return shorten(text, lambda t: fits(t, platform)), []


def within_counts(text: str, block_tags: int, platform: Platform) -> str:
    """``text`` with no more hashtags (besides the ``block_tags`` that will follow it),
    mentions or cashtags than the platform takes (Instagram 30 hashtags and 20 mentions, X one
    cashtag): the sign of the extra ones, from the end, is removed, so they read as words."""
    rule = caps(platform).text
    caps_and_signs = (
        (rule.max_hashtags, block_tags, _HASH_SIGN, count_hashtags),
        (rule.max_mentions, 0, _AT_SIGN, count_mentions),
        (rule.max_cashtags, 0, _CASH_SIGN, count_cashtags),
    )
    for cap, reserved, sign, counter in caps_and_signs:
        if cap is None:
            continue
        signs = list(sign.finditer(text))
        while signs and counter(text) > max(0, cap - reserved):
            last = signs.pop()
            text = text[: last.start()] + text[last.end() :]
    return text


def shorten(text: str, ok: Callable[[str], bool]) -> str:
    """The longest good prefix of ``text`` that ``ok`` accepts (``text`` itself if it does)."""
    if ok(text):
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    sentence = next((text[:e].rstrip() for e in reversed(ends) if ok(text[:e].rstrip())), "")
    words = [m.start() for m in _SPACE.finditer(text)]
    word = _longest(words, lambda i: _cut(text, i), ok)
    if sentence and len(sentence) * 2 >= len(word):
        return sentence
    if word:
        return word
    offsets, at = [], 0
    for cluster in graphemes(text):
        at += len(cluster)
        offsets.append(at)
    return _longest(offsets, lambda i: _cut(text, i), ok)


def _cut(text: str, at: int) -> str:
    head = text[:at].rstrip().rstrip(",;:-–—")
    return head + ELLIPSIS if head else ""


def _longest(cuts: list[int], make: Callable[[int], str], ok: Callable[[str], bool]) -> str:
    """The longest ``make(cut)`` that ``ok`` accepts; lengths grow with the cut, so a binary
    search finds it (the platforms' counts never shrink as text is added)."""
    low, high, best = 0, len(cuts) - 1, ""
    while low <= high:
        mid = (low + high) // 2
        candidate = make(cuts[mid])
        if candidate and ok(candidate):
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best
