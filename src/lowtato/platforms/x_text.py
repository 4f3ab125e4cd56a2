"""X's own text rules: weighted length, validity, and the links, mentions and hashtags it sees.

A port of twitter-text 3.x, the library X publishes so that clients count a post exactly as its
servers do (Apache-2.0; the JavaScript sources were the reference). The regular expressions keep
twitter-text's structure and names so a maintainer can compare them side by side; what differs
is only that Python strings are code points where JavaScript's are UTF-16 units, and that
letters and emoji come from the `regex` module's current Unicode tables instead of
twitter-text's generated ones. tests/platforms/test_x_text_conformance.py runs every case of
twitter-text's conformance suite against this module; docs/text-counting.md sums up the rules.
"""

import functools
import unicodedata
from dataclasses import dataclass, replace

import regex

from lowtato.platforms.x_tlds import COUNTRY_TLDS, GENERIC_TLDS


@dataclass(frozen=True, slots=True)
class XTextConfig:
    """One twitter-text configuration (config/v1.json, v2.json, v3.json)."""

    version: int
    max_weighted_length: int
    scale: int
    default_weight: int
    ranges: tuple[tuple[int, int, int], ...]
    """`(first, last, weight)` code point ranges that do not take `default_weight`."""
    transformed_url_length: int
    emoji_parsing: bool
    """Count a whole emoji sequence as one `default_weight` instead of code point by code point."""


X_TEXT_V1 = XTextConfig(1, 140, 1, 1, (), 23, emoji_parsing=False)
"""The 140-character era: every code point 1, every link 23."""
X_TEXT_V2 = XTextConfig(
    2,
    280,
    100,
    200,
    ((0x0000, 0x10FF, 100), (0x2000, 0x200D, 100), (0x2010, 0x201F, 100), (0x2032, 0x2037, 100)),
    23,
    emoji_parsing=False,
)
"""280 weighted: Latin, Greek, Cyrillic, Hebrew, Arabic ... and some punctuation weigh half."""
X_TEXT_V3 = replace(X_TEXT_V2, version=3, emoji_parsing=True)
"""What X uses today: v2, and an emoji sequence (family, flag, skin tone) weighs 2 in all."""

X_INVALID_CHARACTERS = "\ufffe\ufeff\uffff"
"""Code points that make X refuse a post wherever they are (twitter-text's invalidChars)."""


@dataclass(frozen=True, slots=True)
class XTextMeasure:
    """What twitter-text's parseTweet says about a text."""

    weighted_length: int
    valid: bool
    """Not empty, within `max_weighted_length`, and free of `X_INVALID_CHARACTERS`."""


# --- character groups (twitter-text src/regexp/*.js), as regular-expression class bodies ------
_INVALID_CHARS = r"\uFFFE\uFEFF\uFFFF"
_DIRECTIONAL_MARKERS = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268"
    r"\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_CYRILLIC = r"\u0400-\u04FF"


def _alternatives(words: frozenset[str]) -> str:
    # Longest first, so "com" is tried before "co" and "xn--..." style prefixes never cut short.
    return "|".join(regex.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))


# --- links (extractUrl.js and the parts it is built from) -------------------------------------
_DOMAIN_CHAR = rf"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL_MARKERS}]"
# twitter-text writes these two as (?:c(?:[_-]|c)*)?c\. ; the forms below match the same labels
# without the ambiguity that makes a backtracking engine slow on long words.
_SUBDOMAIN = rf"(?:{_DOMAIN_CHAR}(?:[_-]*{_DOMAIN_CHAR})*\.)"
_DOMAIN_NAME = rf"(?:{_DOMAIN_CHAR}(?:-*{_DOMAIN_CHAR})*\.)"
_TLD_END = r"(?=[^0-9a-zA-Z@+-]|$)"
_GTLD = rf"(?:(?:{_alternatives(GENERIC_TLDS)}){_TLD_END})"
_CCTLD = rf"(?:(?:{_alternatives(COUNTRY_TLDS)}){_TLD_END})"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_DOMAIN = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"
_URL_PRECEDING = rf"(?:[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL_MARKERS}]|^)"
_PATH_CHAR = rf"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
_BALANCED_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_ENDING = rf"(?:[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|(?:{_BALANCED_PARENS}))"
_PATH = (
    rf"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_ENDING})"
    rf"|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHARS = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_ENDING = r"[a-z0-9\-_&=#/]"


# The two patterns with every top-level domain in them compile to about 6 MiB: compiled at
# the first X text counted, not by every process that imports this (docs/performance.md).
@functools.cache
def _extract_url() -> regex.Pattern[str]:
    return regex.compile(
        rf"(?P<before>{_URL_PRECEDING})"
        # twitter-text drops a bare domain after - _ . or / once found; refusing to start one
        # there finds the same links and keeps a long dotted word from costing quadratic time.
        rf"(?P<url>(?:(?P<protocol>https?://)|(?<![-_./]))(?P<domain>{_DOMAIN})(?::[0-9]+)?"
        rf"(?P<path>/{_PATH}*)?(?:\?{_QUERY_CHARS}*{_QUERY_ENDING})?)",
        regex.IGNORECASE,
    )


@functools.cache
def _ascii_domain() -> regex.Pattern[str]:
    return regex.compile(
        rf"(?:(?:[\-a-z0-9{_LATIN_ACCENTS}]+)\.)+(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})",
        regex.IGNORECASE,
    )


_INVALID_BEFORE_BARE_DOMAIN = regex.compile(r"[-_./]\Z")
_TCO_URL = regex.compile(
    rf"https?://t\.co/([a-z0-9]+)(?:\?{_QUERY_CHARS}*{_QUERY_ENDING})?", regex.IGNORECASE
)
_IDNA_SEPARATORS = regex.compile("[.\u3002\uff0e\uff61]")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LABEL_LENGTH = 63

# --- emoji (twitter-text uses twemoji's list; Unicode's emoji properties say the same) --------
# A sequence starts with a pictograph shown as emoji: one with Emoji_Presentation, or any
# pictograph followed by VS16, a skin tone, a ZWJ or tag characters. A text-style symbol on its
# own (U+00A9 copyright, U+263A smiling face) is not an emoji sequence.
_EMOJI_ELEMENT = r"(?:\p{Emoji_Modifier}|\uFE0F|[\U000E0020-\U000E007E]+\U000E007F)*"
_EMOJI = regex.compile(
    r"\p{Regional_Indicator}{2}"
    r"|[#*0-9]\uFE0F?\u20E3"
    r"|(?:\p{Emoji_Presentation}"
    r"|\p{Extended_Pictographic}(?=\uFE0F|\p{Emoji_Modifier}|\u200D|[\U000E0020-\U000E007F]))"
    rf"{_EMOJI_ELEMENT}(?:\u200D\p{{Extended_Pictographic}}{_EMOJI_ELEMENT})*"
)

# --- mentions, lists and hashtags ---------------------------------------------------------------
_MENTION_OR_LIST = (
    r"(?P<before>(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?))"
    r"(?P<at>[@＠])(?P<name>[a-zA-Z0-9_]{1,20})(?P<list>/[a-zA-Z][a-zA-Z0-9_-]{0,24})?"
)
_MENTIONS = regex.compile(_MENTION_OR_LIST)
_LIST = regex.compile(rf"{_MENTION_OR_LIST}\Z")
_END_MENTION = regex.compile(rf"(?:[@＠]|[{_LATIN_ACCENTS}]|://)")
_HASHTAG_SPECIAL = (
    r"_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c"
    r"\xb7"
)
_HASHTAG_ALPHA = r"[\p{L}\p{M}]"
_HASHTAG_ALPHANUMERIC = rf"[\p{{L}}\p{{M}}\p{{Nd}}{_HASHTAG_SPECIAL}]"
_HASHTAGS = regex.compile(
    rf"(?P<before>(?:^|\uFE0E|\uFE0F|$|(?!{_HASHTAG_ALPHANUMERIC}|&)(?s:.)))"
    rf"[#＃](?!\uFE0F|\u20E3)"
    rf"(?P<tag>{_HASHTAG_ALPHANUMERIC}*{_HASHTAG_ALPHA}{_HASHTAG_ALPHANUMERIC}*)",
    regex.IGNORECASE,
)
_END_HASHTAG = regex.compile(r"(?:[#＃]|://)")

# --- isValidUrl (validateUrl*.js: RFC 3986, checked part by part) -------------------------------
_V_UNRESERVED = rf"[a-z{_CYRILLIC}0-9\-._~]"
_V_PCT_ENCODED = r"(?:%[0-9a-f]{2})"
_V_SUB_DELIMS = r"[!$&'()*+,;=]"
_V_PCHAR = rf"(?:{_V_UNRESERVED}|{_V_PCT_ENCODED}|{_V_SUB_DELIMS}|[:|@])"
_V_USERINFO = rf"(?:{_V_UNRESERVED}|{_V_PCT_ENCODED}|{_V_SUB_DELIMS}|:)*"
_V_DEC_OCTET = r"(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))"
_V_IP = rf"(?:(?:{_V_DEC_OCTET}(?:\.{_V_DEC_OCTET}){{3}})|(?:\[[a-f0-9:.]+\]))"
# twitter-text writes "[a-z0-9] or any non-ASCII character" as an alternation; one class here.
_V_U_ALNUM = r"[a-z0-9\x80-\U0010FFFF]"
_V_UNICODE_SUBDOMAIN = rf"(?:{_V_U_ALNUM}(?:[a-z0-9_\-\x80-\U0010FFFF]*{_V_U_ALNUM})?)"
_V_UNICODE_SEGMENT = rf"(?:{_V_U_ALNUM}(?:[a-z0-9\-\x80-\U0010FFFF]*{_V_U_ALNUM})?)"
_V_UNICODE_TLD = rf"(?:[a-z\x80-\U0010FFFF](?:[a-z0-9\-\x80-\U0010FFFF]*{_V_U_ALNUM})?)"
_V_UNICODE_HOST = (
    rf"(?:{_V_IP}|(?:(?:{_V_UNICODE_SUBDOMAIN}\.)*(?:{_V_UNICODE_SEGMENT}\.){_V_UNICODE_TLD}))"
)
_V_ASCII_HOST = (
    rf"(?:{_V_IP}|(?:(?:[a-z0-9](?:[a-z0-9_\-]*[a-z0-9])?\.)*"
    r"(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)(?:[a-z](?:[a-z0-9\-]*[a-z0-9])?)))"
)
_V_UNENCODED = regex.compile(
    r"(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?", regex.IGNORECASE | regex.DOTALL
)
_V_SCHEME = regex.compile(r"https?", regex.IGNORECASE)
_V_PATH = regex.compile(rf"(?:/{_V_PCHAR}*)*", regex.IGNORECASE)
_V_QUERY_OR_FRAGMENT = regex.compile(rf"(?:{_V_PCHAR}|/|\?)*", regex.IGNORECASE)
_V_UNICODE_AUTHORITY = regex.compile(
    rf"(?:{_V_USERINFO}@)?{_V_UNICODE_HOST}(?::[0-9]{{1,5}})?", regex.IGNORECASE
)
_V_ASCII_AUTHORITY = regex.compile(
    rf"(?:{_V_USERINFO}@)?{_V_ASCII_HOST}(?::[0-9]{{1,5}})?", regex.IGNORECASE
)


def _punycode_label_length(label: str) -> int:
    """Length of `label` in its ASCII (punycode) form, 0 if it cannot be encoded."""
    length = 0
    for part in _IDNA_SEPARATORS.split(label):
        if part.isascii():
            length += len(part)
            continue
        try:
            length += len("xn--") + len(part.encode("punycode"))
        except UnicodeError:  # a lone surrogate has no punycode form
            return 0
    return length + len(_IDNA_SEPARATORS.findall(label))


def _valid_host_and_length(url: str, protocol: str, domain: str) -> bool:
    """twitter-text's last check on an extracted link: host labels 1-63 long, URL ≤ 4096."""
    if domain.startswith("xn--") and not _ascii_domain().search(domain):
        return False
    for label in domain.split("."):
        if not 1 <= _punycode_label_length(label) <= _MAX_DOMAIN_LABEL_LENGTH:
            return False
    return len(protocol) + len(url) <= _MAX_URL_LENGTH


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` of every link X sees in `text` (each counts 23 and is t.co-wrapped).

    http(s) links, and bare domains ending in a known TLD ("example.com", "t.co", "foo.co.jp");
    a link's trailing sentence punctuation is left out, balanced parentheses are kept.
    """
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for match in _extract_url().finditer(text):
        url, protocol, domain = match["url"], match["protocol"], match["domain"]
        start, end = match.span("url")
        if not _valid_host_and_length(url, protocol or "https://", domain):
            continue
        if protocol:
            tco = _TCO_URL.match(url)
            if tco:
                if len(tco[1]) > _MAX_TCO_SLUG_LENGTH:
                    continue
                end = start + len(tco[0])
            spans.append((start, end))
            continue
        if _INVALID_BEFORE_BARE_DOMAIN.search(match["before"]):
            continue
        # A bare domain: only its ASCII (and Latin-accented) runs are links; with a path, the
        # last of them takes the path along.
        bare = [
            (start + found.start(), start + found.end())
            for found in _ascii_domain().finditer(domain)
        ]
        if bare and match["path"]:
            bare[-1] = (bare[-1][0], end)
        spans.extend(bare)
    return spans


def x_emoji_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` of every emoji sequence in `text` (each weighs 2 on X)."""
    return [found.span() for found in _EMOJI.finditer(text)]


def is_emoji_sequence(text: str) -> bool:
    """Tell whether `text` starts with an emoji sequence (a flag, keycap, skin tone, ZWJ ...)."""
    return _EMOJI.match(text) is not None


def _code_point_weight(char: str, config: XTextConfig) -> int:
    code_point = ord(char)
    for first, last, weight in config.ranges:
        if first <= code_point <= last:
            return weight
    return config.default_weight


def parse_x_text(text: str, config: XTextConfig = X_TEXT_V3) -> XTextMeasure:
    """Measure `text` as X does (twitter-text parseTweet) and say whether X accepts it.

    The text is NFC-normalised; every link weighs `transformed_url_length`; with emoji parsing
    an emoji sequence weighs `default_weight`; other code points weigh what their range says.
    """
    normalized = unicodedata.normalize("NFC", text)
    urls = dict(x_url_spans(normalized))
    emoji = dict(x_emoji_spans(normalized)) if config.emoji_parsing else {}
    weight = 0
    index = 0
    while index < len(normalized):
        if index in urls:
            weight += config.transformed_url_length * config.scale
            index = urls[index]
        elif index in emoji:
            weight += config.default_weight
            index = emoji[index]
        else:
            weight += _code_point_weight(normalized[index], config)
            index += 1
    weighted_length = weight // config.scale
    clean = not any(char in X_INVALID_CHARACTERS for char in normalized)
    valid = clean and 0 < weighted_length <= config.max_weighted_length
    return XTextMeasure(weighted_length, valid)


def is_valid_x_url(
    url: str, *, unicode_domains: bool = True, require_protocol: bool = True
) -> bool:
    """Tell whether `url` is one well-formed http(s) URL (twitter-text isValidUrl)."""
    parts = _V_UNENCODED.fullmatch(url) if url else None
    if parts is None:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and not (scheme and _V_SCHEME.fullmatch(scheme)):
        return False
    if not _V_PATH.fullmatch(path):
        return False
    if any(part and not _V_QUERY_OR_FRAGMENT.fullmatch(part) for part in (query, fragment)):
        return False
    authority_re = _V_UNICODE_AUTHORITY if unicode_domains else _V_ASCII_AUTHORITY
    return authority_re.fullmatch(authority) is not None


def x_mentions(text: str) -> list[tuple[str, str]]:
    """Return `(screen_name, list_slug)` for every @mention or @user/list X sees in `text`."""
    found: list[tuple[str, str]] = []
    for match in _MENTIONS.finditer(text):
        if not _END_MENTION.match(text, match.end()):
            found.append((match["name"], (match["list"] or "")[1:]))
    return found


def x_hashtag_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` of every hashtag X sees in `text` (links win over hashtags)."""
    tags: list[tuple[int, int]] = []
    for match in _HASHTAGS.finditer(text):
        if not _END_HASHTAG.match(text, match.end()):
            tags.append((match.end("before"), match.end()))
    urls = x_url_spans(text)
    if not urls:
        return tags
    # removeOverlappingEntities: in text order, an entity that overlaps the one before is dropped.
    kept: list[tuple[int, int, bool]] = []
    for start, end, is_tag in sorted([*((*t, True) for t in tags), *((*u, False) for u in urls)]):
        if kept and kept[-1][1] > start:
            continue
        kept.append((start, end, is_tag))
    return [(start, end) for start, end, is_tag in kept if is_tag]


def is_valid_x_username(text: str) -> bool:
    """Tell whether `text` is exactly one @mention (twitter-text isValidUsername)."""
    mentions = [name for name, slug in x_mentions(text) if not slug]
    return len(mentions) == 1 and mentions[0] == text[1:]


def is_valid_x_list(text: str) -> bool:
    """Tell whether `text` is exactly one @user/list (twitter-text isValidList)."""
    match = _LIST.match(text)
    return match is not None and match["before"] == "" and bool(match["list"])


def is_valid_x_hashtag(text: str) -> bool:
    """Tell whether `text` is exactly one hashtag (twitter-text isValidHashtag)."""
    spans = x_hashtag_spans(text)
    return len(spans) == 1 and spans[0] == (0, len(text))
