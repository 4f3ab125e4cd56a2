"""What each ``error_code`` of a post tells an agent to do next (one table; the OpenAPI
description of ``error_code`` and the README's table are written from it).

Three answers, and only three:

- ``retry``: nothing reached the platform; publishing the post again is safe as it is
  (possibly after waiting, or after reconnecting the account when the message says so);
- ``fix``: the platform (or Lowtato's check of its rules) refused the post; nothing was
  published — change the content, media, options or account first;
- ``look``: the post may exist on the platform; look at the account before publishing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["retry", "fix", "look"]


@dataclass(frozen=True)
class Outcome:
    action: Action
    meaning: str


OUTCOMES: dict[str, Outcome] = {
    # Settled by reconciliation (the platform's answer to a create was lost).
    "not_published": Outcome(
        "retry", "the platform was asked after its settle time and the post is verifiably absent"
    ),
    "unconfirmed": Outcome(
        "look", "the request may have reached the platform and Lowtato could not check"
    ),
    "recovery_exhausted": Outcome(
        "retry",
        "Lowtato's own attempts kept stopping before the platform received the post (verified "
        "absent each time) up to the recovery bound",
    ),
    # Nothing was sent.
    "too_late": Outcome("retry", "more than the post's options.max_delay late; not sent"),
    "publish_failed": Outcome("retry", "Lowtato could not start publishing (internal); not sent"),
    "internal_error": Outcome("retry", "an internal error before sending, on every attempt"),
    "credentials_unreadable": Outcome(
        "retry", "the stored token cannot be decrypted (LOWTATO_ENCRYPTION_KEYS); not sent"
    ),
    "account_disconnected": Outcome("retry", "the account is disconnected; reconnect it first"),
    "token_expired": Outcome("retry", "the platform refused the token; reconnect the account"),
    "token_refresh_failed": Outcome(
        "retry", "the platform refused to refresh the token (not a revocation); nothing was sent"
    ),
    "rate_limited": Outcome("retry", "the platform kept rate-limiting; try after its reset"),
    "platform_temporary_error": Outcome(
        "retry", "the platform kept failing (5xx, timeouts before sending); try again later"
    ),
    "platform_unavailable": Outcome(
        "fix", "no live adapter for this platform in this build (use a test key)"
    ),
    "media_unavailable": Outcome(
        "fix", "a media URL could not be fetched (slow or failing hosts are retried first)"
    ),
    # Refused by the platform or by its rules (nothing published).
    "rejected": Outcome("fix", "the platform refused the content"),
    "invalid_content": Outcome("fix", "the content breaks the platform's rules"),
    "content_rejected": Outcome("fix", "the platform refused the content"),
    "policy": Outcome("fix", "the platform's policy refused the post"),
    "duplicate": Outcome("fix", "the platform refused it as a duplicate of an earlier post"),
    "invalid_media": Outcome("fix", "a media file breaks the platform's rules"),
    "media_unsupported": Outcome("fix", "the platform does not take this media type"),
    "media_not_public": Outcome(
        "fix",
        "the platform downloads media itself and cannot reach a private media URL "
        "(set LOWTATO_PUBLIC_URL to a public address)",
    ),
    "media_too_large": Outcome("fix", "a media file is larger than the platform takes"),
    "media_rejected": Outcome("fix", "the platform refused a media file"),
    "processing_failed": Outcome("fix", "the platform could not process a media file"),
    "invalid_link": Outcome("fix", "the platform refused a link"),
    "invalid_request": Outcome("fix", "the platform refused the request as malformed"),
    "invalid_account": Outcome("fix", "the account cannot post this (e.g. wrong account type)"),
    "permission_missing": Outcome("fix", "the token lacks a permission; reconnect with it"),
    "subaccount_required": Outcome("fix", "the platform needs a page / board / organization"),
    "unsupported": Outcome("fix", "the platform does not support this kind of post"),
    "api_version": Outcome("fix", "the platform refused the API version (operator: upgrade)"),
    "not_found": Outcome("fix", "the platform does not know a referenced object"),
    "no_channel": Outcome("fix", "the account has no channel to post to (create one first)"),
    "invalid_response": Outcome(
        "look", "the platform answered in a shape it does not document; it may exist"
    ),
    "service_url_refused": Outcome(
        "fix", "the account's own server (Bluesky PDS) resolves to a refused address"
    ),
    "platform_error": Outcome("fix", "the platform answered an error it did not classify"),
}


def describe() -> str:
    """The table as text for the OpenAPI description of ``error_code``."""
    lines = [f"- `{code}` ({o.action}): {o.meaning}" for code, o in OUTCOMES.items()]
    return (
        "Why a post failed (or, while `retrying`, why the last attempt did not go through). "
        "Each code says what to do: retry = nothing reached the platform, publishing again is "
        "safe; fix = refused, change something first; look = it may exist on the platform, "
        "look before publishing again.\n" + "\n".join(lines)
    )
