"""Every case of twitter-text's conformance suite (validate.yml) against our X text rules.

The YAML is X's own library's test data, copied unchanged (see conformance/README.md), so these
cases say what X itself counts and accepts.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lowtato.platforms.x_text import (
    X_TEXT_V1,
    X_TEXT_V2,
    X_TEXT_V3,
    XTextConfig,
    is_valid_x_hashtag,
    is_valid_x_list,
    is_valid_x_url,
    is_valid_x_username,
    parse_x_text,
)

_SUITE = Path(__file__).parent / "conformance" / "twitter-text-validate.yml"
_CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(_SUITE.read_text(encoding="utf-8"))[
    "tests"
]

_WEIGHTED: dict[str, XTextConfig] = {
    "WeightedTweetsCounterTest": X_TEXT_V2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": X_TEXT_V3,
    "UnicodeDirectionalMarkerCounterTest": X_TEXT_V3,
}
_ENTITIES: dict[str, Callable[[str], bool]] = {
    "tweets": lambda text: parse_x_text(text, X_TEXT_V1).valid,
    "usernames": is_valid_x_username,
    "lists": is_valid_x_list,
    "hashtags": is_valid_x_hashtag,
    "urls": is_valid_x_url,
    "urls_without_protocol": lambda text: is_valid_x_url(text, require_protocol=False),
}


def _params(sections: list[str]) -> list[Any]:
    return [
        pytest.param(section, case, id=f"{section}: {case['description']}")
        for section in sections
        for case in _CASES[section]
    ]


def test_the_suite_has_only_sections_this_file_runs() -> None:
    assert set(_CASES) == set(_WEIGHTED) | set(_ENTITIES)
    assert sum(len(cases) for cases in _CASES.values()) == 97


@pytest.mark.parametrize(("section", "case"), _params(list(_WEIGHTED)))
def test_weighted_length_and_validity(section: str, case: dict[str, Any]) -> None:
    measure = parse_x_text(case["text"], _WEIGHTED[section])
    expected = case["expected"]
    assert (measure.weighted_length, measure.valid) == (
        expected["weightedLength"],
        expected["valid"],
    )


@pytest.mark.parametrize(("section", "case"), _params(list(_ENTITIES)))
def test_validity(section: str, case: dict[str, Any]) -> None:
    assert _ENTITIES[section](case["text"]) is case["expected"]
