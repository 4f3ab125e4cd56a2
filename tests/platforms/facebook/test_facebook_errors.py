"""The Graph error table (docs/reference/platforms.md §6 "Errors", §11): each code lands in the right class."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from lowtato.platforms.errors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.facebook.client import graph_error


def _graph(
    code: int, subcode: int | None = None, status: int = 400, **extra: Any
) -> httpx.Response:
    error: dict[str, Any] = {"message": f"error {code}", "type": "OAuthException", "code": code,
                             "fbtrace_id": "Axyz", **extra}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


@pytest.mark.parametrize(
    ("code", "subcode", "expected", "reject_code"),
    [
        (190, 463, AuthExpired, None),
        (190, 460, AuthExpired, None),
        (190, 458, AuthExpired, None),
        (190, None, AuthExpired, None),
        (102, None, AuthExpired, None),
        (4, None, RateLimited, None),
        (17, None, RateLimited, None),
        (32, None, RateLimited, None),
        (613, None, RateLimited, None),
        (80001, None, RateLimited, None),
        (341, None, RateLimited, None),
        (368, 1390008, RateLimited, None),  # "posting too fast"
        (368, None, Rejected, "policy"),
        (506, None, Rejected, "duplicate"),
        (100, 1366051, Rejected, "duplicate"),
        (100, 1366046, Rejected, "invalid_media"),
        (100, 1609005, Rejected, "invalid_link"),
        (100, 33, Rejected, "not_found"),
        (100, None, Rejected, "invalid_request"),
        (10, None, Rejected, "permission_missing"),
        (200, None, Rejected, "permission_missing"),
        (230, None, Rejected, "permission_missing"),
        (200, 1404078, Rejected, "permission_missing"),
        (324, None, Rejected, "invalid_media"),
        (1, None, Retryable, None),
        (2, None, Retryable, None),
    ],
)
def test_graph_codes(
    code: int, subcode: int | None, expected: type[PlatformError], reject_code: str | None
) -> None:
    error = graph_error(_graph(code, subcode), create=False)
    assert type(error) is expected
    assert f"error {code}" in error.reason
    if reject_code:
        assert error.code == reject_code


@pytest.mark.parametrize("code", [1, 2])
def test_transient_codes_on_the_create_call_are_unknown_outcomes(code: int) -> None:
    assert isinstance(graph_error(_graph(code, status=500), create=True), UnknownOutcome)


def test_is_transient_flag_makes_an_unknown_code_retryable() -> None:
    assert type(graph_error(_graph(9999, is_transient=True), create=False)) is Retryable


def test_unknown_code_is_a_plain_rejection() -> None:
    error = graph_error(_graph(9999), create=True)
    assert type(error) is Rejected and error.code == "rejected"


def test_user_message_is_preferred() -> None:
    error = graph_error(_graph(368, error_user_msg="You can't post this right now."), create=False)
    assert "You can't post this right now." in error.reason


@pytest.mark.parametrize(
    ("headers", "after"),
    [
        (
            {
                "x-business-use-case-usage": json.dumps(
                    {
                        "200001": [
                            {
                                "type": "pages",
                                "call_count": 100,
                                "estimated_time_to_regain_access": 7,
                            }
                        ]
                    }
                )
            },
            420.0,
        ),
        ({"x-app-usage": json.dumps({"call_count": 100, "total_time": 20})}, 300.0),
        ({"x-page-usage": json.dumps({"call_count": 45, "total_cputime": 100})}, 300.0),
        ({"x-app-usage": json.dumps({"call_count": 40})}, 60.0),
        ({}, 60.0),
    ],
)
def test_rate_limit_reset_comes_from_usage_headers(headers: dict[str, str], after: float) -> None:
    response = httpx.Response(400, json={"error": {"message": "limit", "code": 4}}, headers=headers)
    error = graph_error(response, create=True)
    assert isinstance(error, RateLimited) and error.after == after


@pytest.mark.parametrize(("create", "expected"), [(False, Retryable), (True, UnknownOutcome)])
def test_gateway_errors_without_a_graph_body(create: bool, expected: type[PlatformError]) -> None:
    error = graph_error(httpx.Response(502, text="<html>Bad Gateway</html>"), create=create)
    assert type(error) is expected


def test_bare_429_and_401() -> None:
    assert isinstance(graph_error(httpx.Response(429), create=True), RateLimited)
    assert isinstance(graph_error(httpx.Response(401), create=True), AuthExpired)
    assert type(graph_error(httpx.Response(404), create=True)) is Rejected


def test_token_endpoint_refusals_are_not_retried() -> None:
    error = graph_error(_graph(1), create=False, oauth=True)  # "Error validating client secret."
    assert type(error) is Rejected and error.code == "oauth_failed"
    assert isinstance(graph_error(_graph(190, 463), create=False, oauth=True), AuthExpired)
    assert type(graph_error(_graph(2, status=500), create=False, oauth=True)) is Retryable
