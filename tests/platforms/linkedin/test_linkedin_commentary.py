"""The little-text escaping of LinkedIn commentary: what the user wrote is what readers see."""

from __future__ import annotations

import random

import pytest
from tests.fakes.linkedin_store import render

from lowtato.platforms.linkedin.commentary import RESERVED, escape, unescape


@pytest.mark.parametrize(
    ("text", "little"),
    [
        ("plain text, nothing special.", "plain text, nothing special."),
        ("a (b) [c] {d} <e> *f* _g_ ~h~ | i", r"a \(b\) \[c\] \{d\} \<e\> \*f\* \_g\_ \~h\~ \| i"),
        ("mail me@example.com", r"mail me\@example.com"),
        ("back\\slash", r"back\\slash"),
        ("We're #1 in C# and F#", r"We're \#1 in C\# and F\#"),
        ("#AI and #Python3 rock", "#AI and #Python3 rock"),
        ("café #naïve", "café #naïve"),
        ("#my_tag", r"#my\_tag"),
        (
            "hi @[Acme Corp](urn:li:organization:2414183)!",
            "hi @[Acme Corp](urn:li:organization:2414183)!",
        ),
        (
            "@[A_B](urn:li:person:x1) @[no urn](https://x)",
            r"@[A\_B](urn:li:person:x1) \@\[no urn\]\(https://x\)",
        ),
        ("https://ex.com/a_b(c)", r"https://ex.com/a\_b\(c\)"),
    ],
)
def test_escape(text: str, little: str) -> None:
    assert escape(text) == little
    assert unescape(little) == text


def test_every_reserved_character_is_escaped() -> None:
    text = "".join(sorted(RESERVED))
    assert escape(text) == "".join(f"\\{c}" for c in sorted(RESERVED))
    assert set("\\|{}@[]()<>#*_~") == RESERVED


def test_unescape_reads_linkedins_hashtag_templates() -> None:
    assert unescape(r"Hello {hashtag|\#|AI} and {hashtag|#|ML}!") == "Hello #AI and #ML!"
    assert unescape("{hashtag|\uff03|Tag}") == "\uff03Tag"


def test_fuzzed_texts_round_trip_and_render_verbatim_on_the_fake() -> None:
    """Random texts full of reserved characters: escaping loses nothing, and the fake's own
    little-text parser (written separately) shows exactly the original text, uncut."""
    rng = random.Random(20261129)
    alphabet = list(RESERVED) + list("ab #@[]() xyz_19é\n") + ["#tag", "@[N](urn:li:person:1)"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        little = escape(text)
        assert unescape(little) == text
        stored, shown = render(little)
        assert shown.replace("@[N](urn:li:person:1)", "N") == text.replace(
            "@[N](urn:li:person:1)", "N"
        )
        assert unescape(stored) == text


def test_unescaped_reserved_character_truncates_on_the_fake() -> None:
    # Why escaping matters: LinkedIn cuts the post at the first unescaped reserved character.
    assert render("Launch (beta) today")[1] == "Launch "
    assert render(escape("Launch (beta) today"))[1] == "Launch (beta) today"
