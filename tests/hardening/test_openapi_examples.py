"""Every /api/v1 operation's JSON answers carry an example a client can trust: each 2xx
example validates against its schema, and each error example is the envelope with a code
that status carries."""

from __future__ import annotations

from typing import Any

import httpx
from openapi_schema_validator import OAS31Validator
from tests.hardening.test_openapi_truth import openapi, operations


def _check(doc: dict[str, Any], schema: dict[str, Any], example: Any) -> None:
    # The components ride along so the schema's $refs resolve inside the document.
    validator = OAS31Validator(
        {**schema, "components": doc["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )
    validator.validate(example)


async def test_every_success_has_an_example_that_fits_its_schema(
    client: httpx.AsyncClient,
) -> None:
    doc = await openapi(client)
    checked = 0
    for path, method, op in operations(doc):
        if not path.startswith("/api/v1/"):
            continue
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json")
            if not status.startswith("2") or media is None:
                continue
            assert "example" in media, (method, path, status)
            assert media["example"] not in ({}, [], None), (method, path, status)
            _check(doc, media["schema"], media["example"])
            checked += 1
    assert checked >= 50


async def test_every_error_has_an_example_with_one_of_its_codes(
    client: httpx.AsyncClient,
) -> None:
    doc = await openapi(client)
    for path, method, op in operations(doc):
        if not path.startswith("/api/v1/"):
            continue
        for status, response in op["responses"].items():
            if "x-error-codes" not in response or not response["x-error-codes"]:
                continue
            example = response["content"]["application/json"]["example"]
            assert example["error"]["code"] in response["x-error-codes"], (method, path, status)
            assert example["error"]["message"], (method, path, status)
            _check(doc, {"$ref": "#/components/schemas/Error"}, example)
    conflict = doc["paths"]["/api/v1/posts"]["post"]["responses"]["409"]
    named = conflict["content"]["application/json"]["example"]["error"]["code"]
    assert named == "conflict"  # the first code its description names
