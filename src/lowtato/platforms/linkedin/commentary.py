"""LinkedIn's "little" text format for the ``commentary`` of a post.

(Only posts: a comment's ``message.text`` is plain text with attribute annotations, where
backslashes would show.)

In little text the characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are reserved for elements
(mentions ``@[Name](urn:li:organization:1)``, hashtags ``#tag``, templates
``{hashtag|#|tag}``). LinkedIn's documentation says every reserved character meant as plain text
must be escaped with a backslash; in practice an unescaped one makes LinkedIn cut the published
text at that character while still answering 201 (docs/reference/platforms.md §4; the "silent
truncation"
reports of Postiz, linkedctl and crossposter).

``escape`` turns what the user wrote into little text that shows exactly that, keeping the two
things a user writing for LinkedIn means as markup:

- hashtags: ``#`` at the start of a word, followed by letters/digits with at least one letter,
  stays a hashtag element (``#AI`` is clickable, ``#1`` and ``C#`` are plain text);
- explicit mentions in LinkedIn's own syntax ``@[Name](urn:li:person|organization:id)`` stay
  mentions (the name's reserved characters are escaped).

``unescape`` is its inverse, and also reads the form LinkedIn returns when a post is fetched
(hashtags come back as ``{hashtag|\\#|tag}`` templates), so a fetched commentary can be compared
with the text we sent (reconciliation after a lost answer).
"""

from __future__ import annotations

import re

RESERVED = frozenset("\\|{}@[]()<>#*_~")
"""Characters little text reserves (docs/reference/platforms.md §4)."""

_MENTION = re.compile(
    r"@\[(?P<name>[^\[\]\n]+)\]\((?P<urn>urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)"
)
# A hashtag: '#' not glued to a preceding word, then letters/digits containing a letter.
_HASHTAG = re.compile(r"(?<![\w\\])#(?=[^\W_]*[^\W\d_])[^\W_]+")
_MARKUP = re.compile(f"{_MENTION.pattern}|{_HASHTAG.pattern}")

_READ_BACK = re.compile(
    r"\{hashtag\|\\?(?P<sign>[#\uff03])\|(?P<tag>(?:\\.|[^\\}])*)\}|\\(?P<char>.)", re.DOTALL
)


def _escape_plain(text: str) -> str:
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def escape(text: str) -> str:
    """``text`` as little text that renders as ``text``, hashtags and explicit mentions kept."""
    out: list[str] = []
    pos = 0
    for match in _MARKUP.finditer(text):
        out.append(_escape_plain(text[pos : match.start()]))
        if match.group("urn"):
            out.append(f"@[{_escape_plain(match.group('name'))}]({match.group('urn')})")
        else:
            out.append(match.group(0))  # a hashtag: '#' + letters/digits, nothing to escape
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def unescape(commentary: str) -> str:
    """The text a little-text ``commentary`` shows: escapes removed, hashtag templates back to
    ``#tag``, mentions left in their ``@[Name](urn)`` form (as the user wrote them)."""

    def replace(match: re.Match[str]) -> str:
        if match.group("char") is not None:
            return match.group("char")
        tag = re.sub(r"\\(.)", r"\1", match.group("tag"))
        return f"{match.group('sign')}{tag}"

    return _READ_BACK.sub(replace, commentary)
