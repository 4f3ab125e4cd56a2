"""Text measurement the way each platform measures it.

Platforms disagree on what "one character" is: X weighs code points and counts every URL as 23
(twitter-text v3), Bluesky counts extended grapheme clusters and caps UTF-8 bytes, Threads counts
emoji by their UTF-8 byte length, YouTube caps the description in bytes, and the rest count code
points. Every function here is pure and total: any `str` (including lone surrogates that JSON can
smuggle in) gives a length, never an exception.

Grapheme clusters come from the `grapheme` package (UAX #29). The standard library has no emoji
properties, so emoji clusters are recognised structurally (see `is_emoji_cluster`); that keeps the
dependency list short and only differs from Unicode's tables on rare text-style symbols.
"""

import re
import unicodedata
from collections.abc import Iterator
from enum import StrEnum
from typing import cast

import grapheme  # type: ignore[import-untyped]  # no py.typed marker; wrapped below with types


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


# twitter-text config/v3.json: scale 100, default weight 200, these ranges weigh 100.
_TWITTER_SCALE = 100
_TWITTER_DEFAULT_WEIGHT = 200
_TWITTER_LIGHT_WEIGHT = 100
_TWITTER_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_TWITTER_URL_LENGTH = 23

# gTLDs always make a bare domain a link; ccTLDs only with a subdomain or a path, as twitter-text
# does, so "file.py" or "config.sh" in prose is not taken for a URL.
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

# Code points that turn a cluster into an emoji sequence: VS16 (emoji presentation), ZWJ, the
# combining keycap; skin-tone modifiers and tag characters (subdivision flags) are ranges below.
_EMOJI_JOINERS = frozenset("\ufe0f\u200d\u20e3")
_SKIN_TONES = (0x1F3FB, 0x1F3FF)
_TAG_CHARACTERS = (0xE0020, 0xE007F)
_REGIONAL_INDICATORS = (0x1F1E6, 0x1F1FF)
# The pictographic blocks of the SMP (emoticons, symbols and pictographs, transport, ...).
_SMP_PICTOGRAPHS = (0x1F000, 0x1FAFF)
# BMP code points with Emoji_Presentation=Yes (Unicode emoji-data.txt): shown as emoji even
# without VS16, so they count as emoji on their own.
_BMP_EMOJI_PRESENTATION = frozenset(
    (
        *(0x231A, 0x231B, 0x23E9, 0x23EA, 0x23EB, 0x23EC, 0x23F0, 0x23F3, 0x25FD, 0x25FE),
        *(0x2614, 0x2615, *range(0x2648, 0x2654), 0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB),
        *(0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2, 0x26F3, 0x26F5),
        *(0x26FA, 0x26FD, 0x2705, 0x270A, 0x270B, 0x2728, 0x274C, 0x274E, 0x2753, 0x2754),
        *(0x2755, 0x2757, 0x2795, 0x2796, 0x2797, 0x27B0, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50),
        0x2B55,
    )
)
# Symbols outside the SMP blocks that start emoji sequences (with VS16, ZWJ or a modifier).
_BMP_EMOJI_BASES = ((0x2000, 0x2BFF), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299))
_KEYCAP_BASES = frozenset("#*0123456789")


def _in(code_point: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= code_point <= bounds[1]


def graphemes(text: str) -> Iterator[str]:
    """Yield the extended grapheme clusters of `text` in order."""
    return cast(Iterator[str], grapheme.graphemes(text))


def is_emoji_cluster(cluster: str) -> bool:
    """Tell whether one grapheme cluster is an emoji (or an emoji sequence).

    Sequences (skin tones, ZWJ families, flags, keycaps, VS16 forms) are recognised by their
    joiners; lone code points by the SMP pictograph blocks and the BMP Emoji_Presentation set.
    Text-style symbols without VS16 (for example a bare U+00A9) are not emoji.
    """
    if not cluster:
        return False
    first = ord(cluster[0])
    if _in(first, _REGIONAL_INDICATORS) or _in(first, _SMP_PICTOGRAPHS):
        return True
    if len(cluster) == 1:
        return first in _BMP_EMOJI_PRESENTATION
    if cluster[0] in _KEYCAP_BASES:
        return "\u20e3" in cluster
    if first in _BMP_EMOJI_PRESENTATION:
        return True
    is_base = first in (0xA9, 0xAE) or any(_in(first, bounds) for bounds in _BMP_EMOJI_BASES)
    return is_base and any(
        char in _EMOJI_JOINERS or _in(ord(char), _SKIN_TONES) or _in(ord(char), _TAG_CHARACTERS)
        for char in cluster[1:]
    )


def url_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` indices of the URLs twitter-text would link in `text`.

    Matches http(s) URLs and bare domains (`example.com/path`, `www.example.io`); a bare domain
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


def _twitter_code_point_weight(char: str) -> int:
    code_point = ord(char)
    if any(_in(code_point, bounds) for bounds in _TWITTER_LIGHT_RANGES):
        return _TWITTER_LIGHT_WEIGHT
    return _TWITTER_DEFAULT_WEIGHT


def _twitter_plain_weight(segment: str) -> int:
    weight = 0
    for cluster in graphemes(segment):
        if is_emoji_cluster(cluster):
            weight += _TWITTER_DEFAULT_WEIGHT
        else:
            weight += sum(_twitter_code_point_weight(char) for char in cluster)
    return weight


def twitter_weighted_length(text: str) -> int:
    """Return the X (twitter-text v3) weighted length of `text`; X allows 280.

    The text is NFC-normalised first. Every URL counts 23 whatever its length; an emoji sequence
    (one grapheme cluster) counts 2; other code points count 1 in U+0000-U+10FF, U+2000-U+200D,
    U+2010-U+201F and U+2032-U+2037, and 2 everywhere else (CJK, most symbols).
    """
    normalized = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for start, end in url_spans(normalized):
        weight += _twitter_plain_weight(normalized[position:start])
        weight += _TWITTER_URL_LENGTH * _TWITTER_SCALE
        position = end
    weight += _twitter_plain_weight(normalized[position:])
    return weight // _TWITTER_SCALE


def grapheme_length(text: str) -> int:
    """Return the number of extended grapheme clusters (Bluesky's unit: a family emoji is 1)."""
    return cast(int, grapheme.length(text))


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
