"""The rules a publish request must pass before anything is sent, shared by the live adapters
(the registry puts them in front of each) and the sandbox network, so test mode refuses exactly
what live publishing refuses, with the same error codes.

The rules themselves are data in ``capabilities`` (post types Lowtato does not publish, a
required subaccount, media limits, options); ``validation`` turns them into problems. Order
matters only for the code a request gets when several rules fail: an unpublished post type
(``unsupported``) first, then a missing subaccount (``subaccount_required``), then everything
else the content validation finds (``invalid_content``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lowtato.platforms.base import Credentials, Media, PublishRequest
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import Rejected
from lowtato.platforms.names import Platform
from lowtato.platforms.validation import MediaKind, MediaRef, Problem, validate_content

# ``ALLOWED_OPTIONS`` as stored: {option: [the values this account may use]}.
Allowed = Mapping[str, Sequence[str]]


def _ref(media: Media) -> MediaRef:
    kind: MediaKind | None = (
        "image" if media.kind == "image" else "video" if media.kind == "video" else None
    )
    return MediaRef(media.url, kind, media.mime_type, media.size)


def check_publish(platform: Platform, creds: Credentials, req: PublishRequest) -> None:
    """Raise ``Rejected`` when ``req`` must not be sent to ``platform`` for ``creds``."""
    caps = CAPABILITIES[platform]
    options: dict[str, Any] = dict(req.options)
    requested = options.get("post_type")
    post_type = caps.post_type(requested) if isinstance(requested, str) else None
    if post_type is not None and post_type.refused:
        raise Rejected(post_type.refused, code="unsupported")
    if caps.target_required and not creds.target_id:
        raise Rejected(caps.target_required, code="subaccount_required")
    result = validate_content(platform.value, req.text, [_ref(m) for m in req.media], options)
    if result.problems:
        reason = "; ".join(f"{p.field}: {p.message}" for p in result.problems)
        raise Rejected(reason, code="invalid_content")


def option_problems(
    platform: Platform, allowed: Allowed, options: Mapping[str, Any], *, since: str = ""
) -> list[Problem]:
    """One problem per option whose value (or absence) is not among the values the platform
    allows this account (``base.ALLOWED_OPTIONS``); ``since`` says when the platform said so,
    when that was not just now."""
    name = CAPABILITIES[platform].display_name
    problems = []
    for option, values in allowed.items():
        value = options.get(option)
        if isinstance(value, str) and value in values:
            continue
        said = f" (as {name} said on {since})" if since else ""
        message = (
            f"this {name} account cannot post with {option} {value or '(none)'}{said}; set "
            f"options.{option} to one of: {', '.join(values) or '(none offered)'}"
        )
        if since:
            message += " (if the account's settings changed since, reconnect it to update them)"
        problems.append(Problem(f"options.{option}", message))
    return problems


def check_allowed(platform: Platform, allowed: Allowed, options: Mapping[str, Any]) -> None:
    """Raise ``Rejected`` (``invalid_content``, as the platform's own refusal would be sorted)
    when an option's value is not one the platform just said this account may use."""
    problems = option_problems(platform, allowed, options)
    if problems:
        raise Rejected("; ".join(p.message for p in problems), code="invalid_content")
