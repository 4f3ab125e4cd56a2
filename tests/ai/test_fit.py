"""``fit``: the one function both providers' text goes through. Shortened at a sentence, else
a word, never inside a grapheme; hashtags go before text; measured as each platform counts."""

from __future__ import annotations

from lowtato.ai.conventions import compose
from lowtato.ai.fit import ELLIPSIS, fit, fits, measure
from lowtato.platforms.names import Platform
from lowtato.platforms.text import count_cashtags, count_hashtags, count_mentions, graphemes

FAMILY = "👨‍👩‍👧"  # one grapheme of five code points (ZWJ sequence)


def test_text_that_fits_is_untouched() -> None:
    text, tags = fit("Fresh rye today.", ["#Rye", "#Bread"], Platform.TWITTER)
    assert (text, tags) == ("Fresh rye today.", ["#Rye", "#Bread"])


def test_shortened_at_a_sentence_boundary() -> None:
    sentences = [f"Sentence number {i} tells you about our bakery's loaves." for i in range(12)]
    original = " ".join(sentences)
    text, tags = fit(original, ["#Rye"], Platform.TWITTER)
    assert tags == [] and fits(text, Platform.TWITTER)
    assert original.startswith(text) and text.endswith("loaves.")
    assert measure(text, Platform.TWITTER) > 280 - len(sentences[0]) - 1  # as much as fits


def test_shortened_at_a_word_boundary_when_no_sentence_fits() -> None:
    original = " ".join(f"word{i}" for i in range(200))  # one long sentence
    text, _ = fit(original, [], Platform.BLUESKY)
    assert text.endswith(ELLIPSIS) and fits(text, Platform.BLUESKY)
    head = text.removesuffix(ELLIPSIS)
    assert original.startswith(head) and original[len(head)] == " "
    assert measure(text, Platform.BLUESKY) > 290


def test_a_zwj_emoji_at_the_boundary_is_never_split() -> None:
    for platform in (Platform.BLUESKY, Platform.TWITTER, Platform.THREADS):
        # words of emoji: cut between words
        text, _ = fit(" ".join([FAMILY * 2] * 300), [], platform)
        assert fits(text, platform)
        assert set(text.removesuffix(ELLIPSIS).split(" ")) == {FAMILY * 2}, platform
        # one endless "word" of emoji: cut between graphemes, never inside one
        text, _ = fit(FAMILY * 400, [], platform)
        assert fits(text, platform)
        clusters = list(graphemes(text.removesuffix(ELLIPSIS)))
        assert len(clusters) > 10 and set(clusters) == {FAMILY}, platform


def test_cjk_for_x_counts_double() -> None:
    original = "新しいライ麦パンの焼き方と保存のコツ。" * 30
    text, _ = fit(original, [], Platform.TWITTER)
    weighted = measure(text, Platform.TWITTER)
    assert weighted <= 280 and len(text) <= 140
    assert text.endswith("。") and original.startswith(text)
    assert weighted > 280 - 2 * 19  # within one sentence of the limit


def test_hashtags_go_before_text() -> None:
    text = "x" * 276
    kept_text, tags = fit(text, ["#One", "#Two", "#Three"], Platform.TWITTER)
    assert kept_text == text and tags == []
    text = "y" * 260
    kept_text, tags = fit(text, ["#Ab", "#Cd", "#Efghijklmnop"], Platform.TWITTER)
    assert kept_text == text and tags == ["#Ab", "#Cd"]
    assert fits(compose(kept_text, tags, Platform.TWITTER), Platform.TWITTER)


def test_forbidden_characters_are_removed_and_bytes_counted() -> None:
    text, _ = fit("Use <b>bold</b> titles", [], Platform.YOUTUBE)
    assert "<" not in text and ">" not in text
    text, _ = fit("é" * 4000, [], Platform.YOUTUBE)  # 2 bytes each: 5,000 bytes is the cap
    assert len(text.encode()) <= 5000 and len(text) >= 2490
    text, _ = fit("😀" * 200, [], Platform.THREADS)  # each emoji counts 4 on Threads
    assert measure(text, Platform.THREADS) <= 500 and len(text) >= 120


def test_inline_hashtags_mentions_and_cashtags_stay_within_the_platform_caps() -> None:
    inline = (
        " ".join(f"#tag{i}word" for i in range(40))
        + " hello @"
        + " @".join("abcdefghijklmnopqrstuvwxy")
    )
    text, tags = fit(inline, ["#Block1", "#Block2"], Platform.INSTAGRAM)
    assert count_hashtags(compose(text, tags, Platform.INSTAGRAM)) == 30
    assert count_mentions(text) == 20 and "tag39word" in text and "#tag27word" in text
    text, _ = fit("Watch $AAPL and $TSLA today", [], Platform.TWITTER)
    assert text == "Watch $AAPL and TSLA today" and count_cashtags(text) == 1
