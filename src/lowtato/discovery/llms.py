"""``/llms.txt``: the API for a language model to read, generated from the OpenAPI document
and the pricing table — so it lists exactly the routes the server has, with the bodies and
answers they really take (https://llmstxt.org layout: title, summary, sections of links)."""

from __future__ import annotations

from typing import Any

from lowtato.discovery.pricing import pricing_document

_METHODS = ("get", "post", "put", "patch", "delete")
_DEPTH = 2  # how deep a body or answer schema is spelled out


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return _resolve(doc, doc["components"]["schemas"].get(ref.rsplit("/", 1)[1], {}))
    for union in ("anyOf", "oneOf"):
        options = [o for o in schema.get(union, []) if o.get("type") != "null"]
        if len(options) == 1:
            return _resolve(doc, options[0])
    return schema


def shape(doc: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> str:
    """A compact rendering of a schema: ``{ a, b?, c: { d } }``, ``[ {...} ]``, or a type."""
    schema = _resolve(doc, schema)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            parts = [shape(doc, o, depth) for o in schema[union] if o.get("type") != "null"]
            return " | ".join(dict.fromkeys(parts))
    if schema.get("type") == "array":
        return f"[{shape(doc, schema.get('items', {}), depth)}]"
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        if "enum" in schema:
            return "|".join(f'"{v}"' for v in schema["enum"])
        return str(schema.get("type", "any"))
    if depth >= _DEPTH:
        return "{…}"
    required = set(schema.get("required", []))
    fields = []
    for name, sub in properties.items():
        inner = _resolve(doc, sub)
        nested = inner.get("type") in {"object", "array"} or "properties" in inner
        mark = "" if name in required else "?"
        fields.append(f"{name}{mark}: {shape(doc, sub, depth + 1)}" if nested else name + mark)
    return "{ " + ", ".join(fields) + " }"


def _operation_line(doc: dict[str, Any], method: str, path: str, op: dict[str, Any]) -> str:
    parts = [f"- {method.upper()} {path} — {op.get('summary', '').rstrip('.')}."]
    scope = op.get("x-required-scope")
    parts.append(f"Scope: {scope}." if scope else "No auth.")
    query = [p for p in op.get("parameters", []) if p.get("in") == "query"]
    if query:
        names = (p["name"] + ("" if p.get("required") else "?") for p in query)
        parts.append(f"Query: {', '.join(names)}.")
    headers = [p["name"] for p in op.get("parameters", []) if p.get("in") == "header"]
    if "Idempotency-Key" in headers:
        parts.append("Accepts Idempotency-Key.")
    body = op.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        parts.append(f"Body: {shape(doc, body['application/json'].get('schema', {}))}.")
    elif "multipart/form-data" in body:
        parts.append("Body: multipart/form-data.")
    successes = sorted((s, r) for s, r in op.get("responses", {}).items() if s[0] == "2")
    # The first success with a body (a create's 201 over its idempotent-replay 200).
    answers = [(s, (r.get("content", {}).get("application/json") or {}).get("schema"))
               for s, r in successes]  # fmt: skip
    status, schema = next(((s, x) for s, x in answers if x), answers[0] if answers else ("", None))
    if status:
        parts.append(f"Returns {status}: {shape(doc, schema) if schema else 'no body'}.")
    errors = sorted(s for s in op.get("responses", {}) if s[0] in "45")
    if errors:
        parts.append(f"Errors: {', '.join(errors)}.")
    return " ".join(parts)


QUICK_STARTS = """\
## Quick Start (New Account)

1. POST /api/v1/onboarding -> brand, platforms and posting schedule in one call
2. GET /api/v1/accounts -> your account ids (connect one with POST /api/v1/accounts/connect)
3. POST /api/v1/ai/generate -> a post written for the platform
4. POST /api/v1/posts -> create it (scheduledTime, or useNextFreeSlot: true)
5. GET /api/v1/posts/{post_id} -> poll until status is "published" or "failed"

## Quick Start (Existing Account)

1. GET /api/v1/accounts
2. POST /api/v1/posts (send an Idempotency-Key header so a retry never posts twice)
3. GET /api/v1/posts/{post_id} until "published" (public_url) or "failed" (error_message)
"""


def llms_txt(doc: dict[str, Any], base_url: str) -> str:
    base = base_url.rstrip("/")
    pricing = pricing_document()
    lines = [
        f"# {doc['info']['title']}",
        "",
        f"> {doc['info'].get('summary', '')} Schedule, publish and analyse posts on X/Twitter, "
        "Instagram, LinkedIn, TikTok, Facebook, Threads, Bluesky, YouTube and Pinterest with "
        "one API key.",
        "",
        f"Base URL: {base}",
        "Auth: header `x-api-key: lt_live_…` or `Authorization: Bearer lt_live_…`. Test keys "
        "(`lt_test_…`) post to a sandbox network that applies each platform's rules; nothing "
        "reaches a real platform. Keys may carry scopes; a key with none has full access "
        "(missing scope → 403 missing_scope). A Free-plan key gets 402 api_access_not_in_plan.",
        'Errors: always `{"error": {"code", "message", "details"?}}`; the message says what to '
        "do next. 429 carries Retry-After and X-RateLimit-Limit/Remaining/Reset (successful "
        "responses carry the X-RateLimit-* headers too).",
        "Idempotency: send `Idempotency-Key` on creates; a repeat within 24 h returns the "
        "original answer (HTTP 200) instead of creating a duplicate.",
        f"Docs: [OpenAPI]({base}/openapi.json), [pricing]({base}/pricing.json), "
        f"[agent card]({base}/.well-known/agents.json), [interactive docs]({base}/docs), "
        f"[ReDoc]({base}/redoc)",
        "",
        QUICK_STARTS,
    ]
    sections: dict[str, list[str]] = {}
    for path, item in doc["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is not None:
                tag = (op.get("tags") or ["Other"])[0]
                sections.setdefault(tag, []).append(_operation_line(doc, method, path, op))
    for tag, entries in sections.items():
        lines += [f"## {tag}", "", *entries, ""]
    lines += [
        "## MCP server",
        "",
        f"Streamable HTTP at {base}/mcp (send your key as `x-api-key` or `Authorization: "
        "Bearer`; same scopes and rate limits as the REST API), or stdio with "
        '`{"mcpServers": {"lowtato": {"command": "lowtato", "args": ["mcp"], "env": '
        f'{{"LOWTATO_API_KEY": "lt_live_…", "LOWTATO_BASE_URL": "{base}"}}}}}}}}`. '
        "One tool per API operation above (list_accounts, create_post, publish_post, "
        "get_post, browse_marketplace, purchase_account, generate_post, ...).",
        "",
        "## Pricing",
        "",
    ]
    for plan in pricing["plans"]:
        accounts = plan["max_accounts"] if plan["max_accounts"] is not None else "unlimited"
        lines.append(
            f"- {plan['name']}: ${plan['price_usd_month']}/month, {accounts} accounts, "
            f"{plan['monthly_credits']} credits/month, API access: "
            f"{'yes' if plan['api_access'] else 'no'}"
        )
    costs = ", ".join(f"{name} {credits}" for name, credits in pricing["credit_costs"].items())
    lines += ["", f"Credit costs: {costs}", ""]
    return "\n".join(lines)
