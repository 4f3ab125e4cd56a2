"""Examples for the OpenAPI document's responses, built from the schemas themselves.

A response's example is its schema's own example when the model has one
(``json_schema_extra={"examples": [...]}``), else one composed from its properties' examples:
a ``$ref`` uses the referenced model's example, a list one item, a union its first non-null
branch, an enum its first value, a field its ``examples`` or ``default``. Hand-written
examples therefore live on the models where a reader meets them, and a container (a page of
posts) repeats its items' example instead of a copy. ``tests/hardening`` validates every
example against its schema.

An error response's example is the envelope with the first code its description names (or
the first the status can carry) and that error's default message.
"""

from __future__ import annotations

import re
from typing import Any

# Fallbacks for a scalar with no example, default or enum. A model whose answer would show
# one of these deserves an example of its own (the tests list which do).
AT = "2026-06-01T12:00:00Z"
_BY_FORMAT = {
    "date-time": AT,
    "date": "2026-06-01",
    "uri": "https://lowtato.example/",
    "email": "owner@example.com",
}
_BY_TYPE: dict[str, Any] = {"string": "string", "integer": 0, "number": 0.0, "boolean": False}
_CODE = re.compile(r"`([a-z_]+)`")
_MAX_DEPTH = 8
_MISSING = object()


class Examples:
    """Builds examples for the schemas of one document (``components`` resolves the refs)."""

    def __init__(self, components: dict[str, Any]) -> None:
        self._schemas: dict[str, Any] = components.get("schemas", {})
        self._made: dict[str, Any] = {}

    def of(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """An example value of ``schema``."""
        given = _given(schema)
        if given is not _MISSING:
            return self._with_nulls(given, schema)
        if "$ref" in schema:
            return self._ref(schema["$ref"], depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
                return self.of(branches[0], depth)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.of(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        return self._typed(schema, depth)

    def _typed(self, schema: dict[str, Any], depth: int) -> Any:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            props: dict[str, Any] = schema.get("properties", {}) if depth < _MAX_DEPTH else {}
            return {name: self.of(sub, depth + 1) for name, sub in props.items()}
        if kind == "array":
            items = schema.get("items")
            return [self.of(items, depth + 1)] if items and depth < _MAX_DEPTH else []
        if kind == "string" and schema.get("format") in _BY_FORMAT:
            return _BY_FORMAT[schema["format"]]
        if kind == "null":
            return None
        return _BY_TYPE.get(str(kind), {})

    def _with_nulls(self, value: Any, schema: dict[str, Any]) -> Any:
        """A model's example completed: a nullable property it leaves out is null (FastAPI's
        encoder drops every None in the document, so the nulls are put back as the server
        sends them), any other is its own example — a list of slots repeats SlotOut's."""
        if "$ref" in schema:
            return self._with_nulls(value, self._schemas.get(schema["$ref"].rsplit("/", 1)[1], {}))
        for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
            if branch.get("type") != "null" and value is not None:
                return self._with_nulls(value, branch)
        if isinstance(value, dict) and "properties" in schema:
            props: dict[str, Any] = schema["properties"]
            filled = {k: self._with_nulls(v, props.get(k, {})) for k, v in value.items()}
            missing = {
                k: None if _nullable(sub) else self.of(sub)
                for k, sub in props.items()
                if k not in value
            }
            return {**filled, **missing}
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self._with_nulls(v, schema["items"]) for v in value]
        return value

    def _ref(self, ref: str, depth: int) -> Any:
        name = ref.rsplit("/", 1)[1]
        if name not in self._made:
            self._made[name] = self.of(self._schemas.get(name, {}), depth)
        return self._made[name]


def _nullable(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or any(b.get("type") == "null" for b in branches)
    )


def _given(schema: dict[str, Any]) -> Any:
    """The value the schema itself offers: its example, const, first enum value, default."""
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("default") is not None:
        return schema["default"]
    return _MISSING


def error_example(
    description: str, codes: list[str], messages: dict[str, str]
) -> dict[str, Any] | None:
    """The error envelope with the first code the response's description names, else the
    status's first code; None when the status carries no code."""
    named = [c for c in _CODE.findall(description) if c in codes]
    code = named[0] if named else (codes[0] if codes else None)
    if code is None:
        return None
    return {"error": {"code": code, "message": messages.get(code, "See the error code.")}}
