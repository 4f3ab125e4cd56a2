"""Text counting: X weighted length, graphemes, bytes and the Threads emoji rule."""

import pytest

from lowtato.platforms.text import (
    TextCounting,
    codepoint_length,
    count_cashtags,
    count_hashtags,
    count_mentions,
    emoji_bytes_length,
    grapheme_length,
    graphemes,
    is_emoji_cluster,
    text_length,
    twitter_weighted_length,
    url_spans,
    utf8_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦, 25 bytes
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
FLAG_JP = "\U0001f1ef\U0001f1f5"  # 🇯🇵
KEYCAP_ONE = "1\ufe0f\u20e3"  # 1️⃣
RED_HEART = "\u2764\ufe0f"  # ❤️
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


class TestTwitterWeightedLength:
    def test_ascii_counts_one_per_character(self) -> None:
        assert twitter_weighted_length("a" * 280) == 280
        assert twitter_weighted_length("a" * 281) == 281

    def test_cjk_weighs_two(self) -> None:
        assert twitter_weighted_length("你好") == 4
        assert twitter_weighted_length("こんにちは") == 10
        assert twitter_weighted_length("한국어") == 6

    def test_140_cjk_characters_fill_a_post(self) -> None:
        assert twitter_weighted_length("字" * 140) == 280
        assert twitter_weighted_length("字" * 141) == 282

    @pytest.mark.parametrize(
        "emoji",
        [FAMILY, THUMBS_UP_MEDIUM, FLAG_JP, KEYCAP_ONE, RED_HEART, SCOTLAND, "\U0001f600"],
        ids=["zwj-family", "skin-tone", "flag", "keycap", "vs16-heart", "tag-flag", "grinning"],
    )
    def test_an_emoji_sequence_weighs_two(self, emoji: str) -> None:
        assert twitter_weighted_length(emoji) == 2
        assert twitter_weighted_length(f"hi {emoji}") == 5

    def test_light_punctuation_ranges_weigh_one(self) -> None:
        # U+2018/U+201C quotes and U+2013 dash sit in U+2010-U+201F, U+2032 prime in U+2032-2037.
        text = "\u201cok\u201d \u2013 \u2018x\u2019 \u2032"
        assert len(text) == 12
        assert twitter_weighted_length(text) == 12

    def test_symbols_outside_the_light_ranges_weigh_two(self) -> None:
        assert twitter_weighted_length("\u2192") == 2  # → arrow
        assert twitter_weighted_length("\u20ac") == 2  # € sign

    def test_text_is_nfc_normalised_first(self) -> None:
        decomposed = "e\u0301"  # e + combining acute -> é
        assert twitter_weighted_length(decomposed) == 1

    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com/" + "a" * 80,
            "http://a.co",
            "example.com",
            "www.lowtato.io",
            "lowtato.io/docs/getting-started",
            "HTTPS://EXAMPLE.ORG/PATH?query=1&x=y#frag",
        ],
    )
    def test_every_url_counts_23(self, url: str) -> None:
        assert twitter_weighted_length(url) == 23
        assert twitter_weighted_length(f"read {url} now") == 5 + 23 + 4

    def test_trailing_sentence_punctuation_is_not_part_of_the_url(self) -> None:
        assert twitter_weighted_length("See https://a.com.") == 4 + 23 + 1
        assert twitter_weighted_length("(https://en.wikipedia.org/wiki/Foo_(bar))") == 1 + 23 + 1

    def test_bare_domains_with_a_known_tld_are_links(self) -> None:
        # X links any word that ends in a TLD it knows, country codes included ("py" is
        # Paraguay), so a file name in prose costs 23 like any link.
        assert twitter_weighted_length("file.py") == 23
        assert twitter_weighted_length("lowtato.io") == 23
        assert twitter_weighted_length("example.community") == 23

    def test_text_that_only_looks_like_a_domain_is_counted_as_text(self) -> None:
        assert twitter_weighted_length("a@example.com") == 13
        assert twitter_weighted_length("notes.txt") == 9
        assert twitter_weighted_length("v1.2.3") == 6

    def test_two_urls_count_23_each(self) -> None:
        text = "https://a.example.com/x https://b.example.com/y"
        assert url_spans(text) == [(0, 23), (24, 47)]
        assert twitter_weighted_length(text) == 23 + 1 + 23

    def test_280_with_a_url_and_emoji_is_exact(self) -> None:
        text = "https://example.com/very/long/path " + "a" * 254 + "\U0001f600"
        assert twitter_weighted_length(text) == 23 + 1 + 254 + 2 == 280


class TestGraphemesAndBytes:
    def test_family_emoji_is_one_grapheme_of_25_bytes(self) -> None:
        assert grapheme_length(FAMILY) == 1
        assert utf8_length(FAMILY) == 25
        assert codepoint_length(FAMILY) == 7

    def test_combining_marks_join_their_base(self) -> None:
        assert grapheme_length("e\u0301") == 1
        assert codepoint_length("e\u0301") == 2

    def test_flags_and_skin_tones_are_one_grapheme(self) -> None:
        assert grapheme_length(FLAG_JP + THUMBS_UP_MEDIUM) == 2

    @pytest.mark.parametrize(
        ("text", "clusters"),
        [
            ("\u0915\u094d\u0937", 1),  # Devanagari ksha: one conjunct since Unicode 15.1
            ("\u0928\u092e\u0938\u094d\u0924\u0947", 3),  # Hindi "namaste": na, ma, ste
            ("\u0995\u09cd\u09b7", 1),  # Bengali khiya conjunct
            ("\u0d15\u0d4d\u0d37", 1),  # Malayalam conjunct
        ],
    )
    def test_indic_conjuncts_follow_current_unicode(self, text: str, clusters: int) -> None:
        assert grapheme_length(text) == clusters
        assert "".join(graphemes(text)) == text

    @pytest.mark.parametrize(
        "emoji",
        [
            "\U0001fae8",  # shaking face (Unicode 15)
            "\U0001f426\u200d\U0001f525",  # phoenix (Emoji 15.1 ZWJ sequence)
            "\U0001f642\u200d\u2194\ufe0f",  # head shaking horizontally (15.1)
            "\U0001f34b\u200d\U0001f7e9",  # lime (15.1)
            "\U0001f9d1\u200d\U0001f9d1\u200d\U0001f9d2",  # family: adult, adult, child (15.1)
            "\U0001faf1\U0001f3fb\u200d\U0001faf2\U0001f3ff",  # handshake with two skin tones
        ],
    )
    def test_recent_emoji_sequences_are_one_grapheme(self, emoji: str) -> None:
        assert grapheme_length(emoji) == 1
        assert grapheme_length(emoji * 300) == 300
        assert twitter_weighted_length(emoji) == 2

    def test_lone_surrogate_is_measured_not_raised(self) -> None:
        assert utf8_length("\ud800") == 3
        assert grapheme_length("a\ud800") == 2
        assert twitter_weighted_length("a\ud800") == 3

    def test_emoji_bytes_length_counts_emoji_by_utf8_size(self) -> None:
        assert emoji_bytes_length("\U0001f600") == 4
        assert emoji_bytes_length(FAMILY) == 25
        assert emoji_bytes_length("héllo 你好") == 8  # non-emoji stay one per code point

    @pytest.mark.parametrize(
        ("counting", "expected"),
        [
            (TextCounting.TWITTER_WEIGHTED, 2 + 1 + 2),
            (TextCounting.GRAPHEMES, 3),
            (TextCounting.CHARACTERS, 9),
            (TextCounting.CHARACTERS_EMOJI_BYTES, 25 + 1 + 1),
            (TextCounting.UTF8_BYTES, 25 + 1 + 3),
        ],
    )
    def test_text_length_dispatches_on_the_counting_method(
        self, counting: TextCounting, expected: int
    ) -> None:
        assert text_length(FAMILY + " 字", counting) == expected


class TestEmojiClusters:
    @pytest.mark.parametrize(
        "cluster", [FAMILY, THUMBS_UP_MEDIUM, FLAG_JP, KEYCAP_ONE, RED_HEART, "\u2615"]
    )
    def test_emoji(self, cluster: str) -> None:
        assert is_emoji_cluster(cluster)

    @pytest.mark.parametrize("cluster", ["a", "1", "\u00a9", "\u2605", "\u0915\u094d\u200d", ""])
    def test_not_emoji(self, cluster: str) -> None:
        # A Devanagari conjunct uses ZWJ too, but is not an emoji.
        assert not is_emoji_cluster(cluster)


class TestEntityCounts:
    def test_hashtags(self) -> None:
        assert count_hashtags("#one #two c#sharp #123 \uff03full") == 3

    def test_mentions_ignore_email_addresses(self) -> None:
        assert count_mentions("@alice and @bob.smith, mail a@b.com") == 2

    def test_cashtags(self) -> None:
        assert count_cashtags("$AAPL up, $BRK.A flat, $5 coffee, x$Y") == 2
