"""Text measurement the way each platform measures it.

Platforms disagree on what "one character" is: X weighs code points and counts every link as 23
(twitter-text v3, see `x_text`), Bluesky counts extended grapheme clusters and caps UTF-8 bytes,
Threads counts emoji by their UTF-8 byte length, YouTube caps the description in bytes, and the
rest count code points. Every function here is pure and total: any `str` (including lone
surrogates that JSON can smuggle in) gives a length, never an exception.

Grapheme clusters and emoji come from the `regex` module, which follows the current Unicode
version (UAX #29 with the Indic conjunct rule of Unicode 15.1, and the emoji properties of
UTS #51), so new emoji and scripts count the way the platforms' own apps count them.
"""

import re
from collections.abc import Iterator
from enum import StrEnum

import regex

from lowtato.platforms.x_text import is_emoji_sequence, parse_x_text

_GRAPHEME = regex.compile(r"\X")


class TextCounting(StrEnum):
    """How a platform counts the length of a text."""

    TWITTER_WEIGHTED = "twitter_weighted"
    """twitter-text v3 weighted length: most Latin text 1, CJK and emoji 2, every URL 23."""
    GRAPHEMES = "graphemes"
    """Extended grapheme clusters (what a reader sees as one character)."""
    CHARACTERS = "characters"
    """Unicode code points."""
    CHARACTERS_EMOJI_BYTES = "characters_emoji_bytes"
    """Code points, except that each emoji counts as its UTF-8 byte length (Threads)."""
    UTF8_BYTES = "utf8_bytes"
    """Bytes of the UTF-8 encoding."""


# Link detection for Bluesky's link facets (X's rules are in `x_text`): gTLDs always make a bare
# domain a link; ccTLDs only with a subdomain or a path, so "file.py" in prose stays text.
_GENERIC_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|app|dev|xyz|online|site|shop|store|blog|news|tech|"
    "cloud|link|live|media|social|page|art|design|top|club|space|website|email|one|pro|name|"
    "mobi|asia|aero|jobs|travel|museum|coop|tel|tv|co"
)
_COUNTRY_TLDS = (
    "ac|ad|ae|ag|ai|am|ar|at|au|be|bg|br|by|ca|cc|ch|cl|cn|cz|de|dk|ee|es|eu|fi|fm|fr|gg|gl|gr|"
    "hk|hr|hu|id|ie|il|im|in|io|ir|is|it|je|jp|kr|kz|la|li|lt|lu|ly|lv|ma|me|mx|my|ng|nl|no|nu|"
    "nz|ph|pk|pl|pt|ro|rs|ru|sa|se|sg|sh|si|sk|so|su|th|tk|to|tr|tw|ua|uk|us|uz|vc|vn|ws|za"
)
_URL_RE = re.compile(
    r"(?<![\w@.$#/-])(?:"
    r"https?://[^\s<>\"]+"
    r"|(?P<labels>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)"
    rf"(?:(?P<gtld>{_GENERIC_TLDS})|(?P<cctld>{_COUNTRY_TLDS}))(?![a-z0-9-])"
    r"(?::[0-9]{1,5})?(?P<path>/[^\s<>\"]*)?"
    r")",
    re.IGNORECASE,
)
# Punctuation that ends a sentence rather than a URL ("see https://a.example/x." -> no dot).
_URL_TRAILING_PUNCTUATION = ".,:;!?'\")]}"

_HASHTAG_RE = re.compile(r"(?<![\w&])[#＃]\w*[^\W\d_]\w*")
_MENTION_RE = re.compile(r"(?<![\w.@])@\w[\w.]*")
_CASHTAG_RE = re.compile(r"(?<!\S)\$[A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?(?![\w$])")


def graphemes(text: str) -> Iterator[str]:
    """Yield the extended grapheme clusters of `text` in order."""
    for match in _GRAPHEME.finditer(text):
        yield match.group()


def is_emoji_cluster(cluster: str) -> bool:
    """Tell whether one grapheme cluster is an emoji (or an emoji sequence).

    Flags, keycaps, skin tones, ZWJ sequences, VS16 forms and pictographs with emoji
    presentation are; text-style symbols without VS16 (a bare U+00A9) are not.
    """
    return is_emoji_sequence(cluster)


def url_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` indices of the links in `text` (Bluesky's link facets).

    X's own link rules are `x_text.x_url_spans`. Matches http(s) URLs and bare domains
    (`example.com/path`, `www.example.io`); a bare domain
    with a country TLD needs a subdomain or a path. Trailing sentence punctuation is not part of
    the URL, but a closing parenthesis that balances one inside it is.
    """
    spans: list[tuple[int, int]] = []
    for match in _URL_RE.finditer(text):
        if (
            match.group("cctld")
            and not match.group("path")
            and match.group("labels").count(".") < 2
        ):
            continue
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING_PUNCTUATION:
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        spans.append((start, end))
    return spans


def twitter_weighted_length(text: str) -> int:
    """Return the X (twitter-text v3) weighted length of `text`; X allows 280.

    The text is NFC-normalised first. Every link X would make counts 23 whatever its length; an
    emoji sequence counts 2; other code points count 1 in U+0000-U+10FF, U+2000-U+200D,
    U+2010-U+201F and U+2032-U+2037, and 2 everywhere else (CJK, most symbols).
    """
    return parse_x_text(text).weighted_length


def grapheme_length(text: str) -> int:
    """Return the number of extended grapheme clusters (Bluesky's unit: a family emoji is 1)."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def utf8_length(text: str) -> int:
    """Return the number of bytes of `text` encoded as UTF-8 (a lone surrogate counts 3)."""
    return len(text.encode("utf-8", errors="surrogatepass"))


def codepoint_length(text: str) -> int:
    """Return the number of Unicode code points (Python's `len`)."""
    return len(text)


def emoji_bytes_length(text: str) -> int:
    """Return the Threads length: code points, but each emoji cluster counts its UTF-8 bytes.

    The Threads docs say emoji count by their UTF-8 byte length, so "😀" counts 4 and a
    family emoji counts all 25 bytes of its sequence.
    """
    length = 0
    for cluster in graphemes(text):
        length += utf8_length(cluster) if is_emoji_cluster(cluster) else len(cluster)
    return length


def text_length(text: str, counting: TextCounting) -> int:
    """Measure `text` with the given counting method."""
    match counting:
        case TextCounting.TWITTER_WEIGHTED:
            return twitter_weighted_length(text)
        case TextCounting.GRAPHEMES:
            return grapheme_length(text)
        case TextCounting.CHARACTERS:
            return codepoint_length(text)
        case TextCounting.CHARACTERS_EMOJI_BYTES:
            return emoji_bytes_length(text)
        case TextCounting.UTF8_BYTES:
            return utf8_length(text)


def count_hashtags(text: str) -> int:
    """Count hashtags: `#word` (or with the full-width U+FF03 sign); `#123` is not one."""
    return len(_HASHTAG_RE.findall(text))


def count_mentions(text: str) -> int:
    """Count @mentions, ignoring e-mail addresses such as `a@b.com`."""
    return len(_MENTION_RE.findall(text))


def count_cashtags(text: str) -> int:
    """Count cashtags such as `$AAPL` or `$BRK.A` (X allows one per post)."""
    return len(_CASHTAG_RE.findall(text))
