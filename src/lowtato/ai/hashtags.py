"""Hashtags: derived from the topic and the brand's topics (CamelCase, no punctuation, one
per word set), and split off the end of a provider's answer."""

from __future__ import annotations

import re
from itertools import zip_longest

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_TAG = re.compile(r"[#＃][^\W_][\w]*")
MAX_TAG = 40  # longer tags read as noise; platforms cap a whole post, not one tag
_STOP = (
    "a an the and or but of to in on at by for with from about into over under as is are was "
    "were be been being it its this that these those our your my his her their we you they i "
    "me us them how why what when where who which new more most very just so than then not "
    "no all any can will do does did get got make let let's lets here there up out off vs via "
    "one two some every each also too own"
)
STOPWORDS = frozenset(_STOP.split(" "))


def words(text: str) -> list[str]:
    """Significant words: three letters or more, not a stop word, not only digits."""
    found = [w.replace("'", "").replace("’", "").replace("-", "") for w in _WORD.findall(text)]
    return [w for w in found if len(w) >= 3 and w.casefold() not in STOPWORDS and not w.isdigit()]


def camel(parts: list[str]) -> str:
    tag = "".join(p[:1].upper() + p[1:] for p in parts)
    return "#" + tag[:MAX_TAG] if tag else ""


def derive(topic: str, brand_topics: list[str], brand_name: str | None) -> list[str]:
    """Candidate hashtags, best first: the topic's key phrase, then the brand's topics and the
    topic's words in turn, then the brand's name. Deduplicated ignoring case."""
    topic_words = words(topic)
    candidates: list[str] = []
    if len(topic_words) == 2:  # a two-word topic reads well as one tag: #RyeLoaf
        candidates.append(camel(topic_words))
    brand = [camel(words(t) or [t]) for t in brand_topics]
    singles = [camel([w]) for w in topic_words]
    for pair in zip_longest(brand, singles):
        candidates.extend(t for t in pair if t)
    if brand_name and (name := _WORD.findall(brand_name)):
        candidates.append(camel([w.replace("'", "").replace("’", "") for w in name]))
    seen: dict[str, str] = {}
    for tag in candidates:
        if len(tag) > 1 and any(c.isalpha() for c in tag):
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


def split_trailing(text: str) -> tuple[str, list[str]]:
    """``text`` without the hashtags at its end (whole lines of them, then any on the last
    line), and those hashtags in order."""
    lines = text.rstrip().splitlines()
    tags: list[str] = []
    while lines:
        tokens = lines[-1].split()
        trailing: list[str] = []
        while tokens and _TAG.fullmatch(tokens[-1]):
            trailing.insert(0, tokens.pop())
        tags[:0] = trailing
        if tokens:
            lines[-1] = " ".join(tokens) if trailing else lines[-1]
            break
        lines.pop()
    return "\n".join(lines).rstrip(), tags
