"""The redaction's quick check (``kit/logredact.py``) never lets through text that its
rewrites would have changed."""

from __future__ import annotations

import random

import pytest

from lowtato.kit.logredact import _rewrite, redact, redact_field, redact_fields

# Pieces of what log text carries: credential names and values in every spelling the
# patterns know, in any case, with the separators around them, and plain words and ids.
_PIECES = [
    "lt_live_", "LT_TEST_", "lt%5Flive%5F", "Lt%5ftest%5f", "whsec_", "WHSEC_", "Bearer ",
    "bearer\t", "token", "Access_Token", "secret", "CLIENT_SECRET", "passwd", "PassWord",
    "api_key", "x-api-key", "apiKey", "code", "STATE", "sig", "signature", "auth",
    "Authorization", "credential", "=", ": ", "?", "&", ";", "\"", "'", " ", ",", "{", "}",
    "abc123", "Zx9", "req_01m96evs6h", "/api/v1/posts/{post_id}", "GET", "200", "usr_01m9",
    "https://graph.example.com/oauth", "l", "t", "_", "%5", "F", "k", "e", "y",
]  # fmt: skip


def _texts(count: int) -> list[str]:
    rng = random.Random(20261206)
    return ["".join(rng.choices(_PIECES, k=rng.randint(1, 12))) for _ in range(count)]


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/posts/{post_id} 200",
        "https://x.example/cb?CODE=abc",
        "https://x.example/cb?x=1&State=xyz",
        "header dump: AUTHORIZATION: bearer abc.def",
        "key=lt%5FLIVE%5Fabc",
        '{"Access_Token": "ya29.A0"}',
        "WHSEC_c2VjcmV0",
        "PASSWD=hunter2",
        "https://cdn.example/v.mp4?Sig=abc&se=2026",
    ],
)
def test_known_spellings_are_rewritten_alike(text: str) -> None:
    assert redact(text) == _rewrite(text)


def test_the_quick_check_skips_only_what_the_rewrites_leave_alone() -> None:
    texts = _texts(20_000)
    assert sum(_rewrite(t) != t for t in texts) > 5_000  # the corpus does carry secrets
    assert [t for t in texts if redact(t) != _rewrite(t)] == []


_FIELD_NAMES = ["request_id", "route", "status", "owner_id", "api_key", "token", "url", "n"]


def _field_sets(count: int) -> list[dict[str, object]]:
    """Log fields as code passes them: texts from the corpus, numbers, None, an object whose
    text is a secret (an ``httpx.URL`` is formatted with ``str``)."""

    class Url:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    rng = random.Random(7)
    texts = _texts(count * 3)
    values: list[object] = [*texts, 200, 1.5, None, True]
    sets = []
    for _ in range(count):
        names = rng.sample(_FIELD_NAMES, rng.randint(1, 4))
        picked = [rng.choice(values) for _ in names]
        sets.append({n: Url(v) if isinstance(v, str) and rng.random() < 0.2 else v
                     for n, v in zip(names, picked, strict=True)})  # fmt: skip
    return sets


def test_fields_are_cleaned_as_one_by_one_with_one_check() -> None:
    sets = _field_sets(5_000)
    one_by_one = [{k: redact_field(k, v) for k, v in fields.items()} for fields in sets]
    assert sum(o != f for o, f in zip(one_by_one, sets, strict=True)) > 1_000  # secrets there
    assert [redact_fields(f) for f in sets] == one_by_one
