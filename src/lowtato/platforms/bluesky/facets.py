"""Rich-text facets of a Bluesky post: links, @mentions and #hashtags with UTF-8 byte offsets.

Bluesky renders nothing from the text alone: a URL without a link facet is plain text, a
mention needs the account's DID. A facet's ``index`` is a half-open range of **bytes of the
UTF-8 encoding** (docs/reference/platforms.md §8), so every offset here is computed on the encoded
prefix,
never on ``str`` indices (one emoji is 1 code point but 4 bytes).

Detection follows the official client (``@atproto/api`` rich-text detection): a mention or link
starts the text or follows whitespace or ``(``; a hashtag starts the text or follows
whitespace. Bare domains (``example.com/x``) become ``https://`` links using the product's URL
rules (``platforms.text.url_spans``). Everything here is pure; resolving handles to DIDs is the
adapter's job (``Span.value`` of a mention is the handle).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from lowtato.platforms.text import grapheme_length, graphemes, url_spans, utf8_length

Kind = Literal["link", "mention", "tag"]

FACET_TYPE = "app.bsky.richtext.facet"
FEATURE_TYPES: dict[Kind, str] = {
    "link": "app.bsky.richtext.facet#link",
    "mention": "app.bsky.richtext.facet#mention",
    "tag": "app.bsky.richtext.facet#tag",
}
# app.bsky.richtext.facet#tag: maxGraphemes 64, maxLength 640 (bytes).
MAX_TAG_GRAPHEMES = 64
MAX_TAG_BYTES = 640

_MENTION_RE = re.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)")
# A handle label (atproto handle syntax): 1-63 of [a-zA-Z0-9-], no leading/trailing hyphen.
_LABEL_RE = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
# Characters that end a hashtag besides whitespace: soft hyphen and zero-width spaces/joiners.
_TAG_BREAKS = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
# "#" or the full-width number sign U+FF03, not followed by VS16 (that is the keycap emoji #️⃣).
_TAG_RE = re.compile(rf"(?:^|(?<=\s))[#＃](?!\ufe0f)([^\s{_TAG_BREAKS}]+)")


@dataclass(frozen=True, slots=True)
class Span:
    """One detected facet: ``[byte_start, byte_end)`` of the UTF-8 text and its value (the
    link URI, the mention's handle without ``@``, or the tag without ``#``)."""

    kind: Kind
    byte_start: int
    byte_end: int
    value: str


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _is_handle(candidate: str) -> bool:
    labels = candidate.split(".")
    return (
        len(labels) >= 2
        and len(candidate) <= 253
        and all(_LABEL_RE.match(label) for label in labels)
        and labels[-1][0].isalpha()  # a TLD never starts with a digit
    )


def _mentions(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _MENTION_RE.finditer(text):
        # The official client ends a handle at a word boundary: "@bob.example.com." ends
        # before the sentence's full stop, and a trailing hyphen is never part of it.
        handle = match.group(1).rstrip(".-")
        after = match.start(1) + len(handle)
        if after < len(text) and text[after] == "_":
            continue  # "@bob_x" has no word boundary after a handle character: not a mention
        if _is_handle(handle):
            found.append((match.start(), after, handle.lower()))
    return found


def _links(text: str) -> list[tuple[int, int, str]]:
    found = []
    for start, end in url_spans(text):
        if start > 0 and not (text[start - 1].isspace() or text[start - 1] == "("):
            continue  # "x.com/a" inside "word,x.com/a" is not linked by the official client
        shown = text[start:end]
        uri = shown if re.match(r"https?://", shown, re.IGNORECASE) else f"https://{shown}"
        found.append((start, end, uri))
    return found


def _tags(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _TAG_RE.finditer(text):
        tag = match.group(1)
        while tag and _is_punctuation(tag[-1]):
            tag = tag[:-1]
        # At least one character that is not an ASCII digit or punctuation: "#123" and "#!!"
        # are not hashtags.
        if not any(not ("0" <= c <= "9") and not _is_punctuation(c) for c in tag):
            continue
        if grapheme_length(tag) > MAX_TAG_GRAPHEMES or utf8_length(tag) > MAX_TAG_BYTES:
            continue
        found.append((match.start(), match.start(1) + len(tag), tag))
    return found


def _grapheme_starts(text: str) -> set[int]:
    """``str`` indices where a grapheme cluster starts, plus the end of the text."""
    starts = {len(text)}
    position = 0
    for cluster in graphemes(text):
        starts.add(position)
        position += len(cluster)
    return starts


def detect(text: str) -> list[Span]:
    """Find the links, mentions and hashtags of ``text``, ordered by position.

    A span that overlaps an earlier-found one is dropped (links win over mentions over tags),
    as is one whose edges would cut a grapheme cluster in half (a combining mark right after
    a handle, say), since Bluesky refuses facets that split a character.
    """
    boundaries = _grapheme_starts(text)
    taken: list[tuple[int, int]] = []
    spans: list[Span] = []
    candidates: list[tuple[Kind, list[tuple[int, int, str]]]] = [
        ("link", _links(text)),
        ("mention", _mentions(text)),
        ("tag", _tags(text)),
    ]
    for kind, found in candidates:
        for start, end, value in found:
            if start not in boundaries or end not in boundaries:
                continue
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            spans.append(Span(kind, byte_offset(text, start), byte_offset(text, end), value))
    return sorted(spans, key=lambda span: span.byte_start)


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of ``str`` index ``index`` (a lone surrogate counts 3 bytes, as
    it does once a JSON decoder has replaced it)."""
    return utf8_length(text[:index])


def to_facets(spans: list[Span], dids: dict[str, str]) -> list[dict[str, Any]]:
    """The ``facets`` array of the record. Mentions whose handle is not in ``dids`` (it did
    not resolve) are left out: the text stays, it just does not link to anyone."""
    facets: list[dict[str, Any]] = []
    for span in spans:
        feature: dict[str, Any] = {"$type": FEATURE_TYPES[span.kind]}
        if span.kind == "link":
            feature["uri"] = span.value
        elif span.kind == "tag":
            feature["tag"] = span.value
        elif span.value in dids:
            feature["did"] = dids[span.value]
        else:
            continue
        facets.append(
            {
                "$type": FACET_TYPE,
                "index": {"byteStart": span.byte_start, "byteEnd": span.byte_end},
                "features": [feature],
            }
        )
    return facets


def first_link(spans: list[Span]) -> str | None:
    """The URI of the first link in the text (for the link card), if any."""
    return next((span.value for span in spans if span.kind == "link"), None)
