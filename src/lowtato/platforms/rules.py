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

from typing import Any

from lowtato.platforms.base import Credentials, Media, PublishRequest
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import Rejected
from lowtato.platforms.names import Platform
from lowtato.platforms.validation import MediaKind, MediaRef, validate_content


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
