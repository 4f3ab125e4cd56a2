"""Publishing a post: never twice (docs/design.md "Publishing guarantees").

Each attempt is three steps, and only the middle one talks to the platform:

1. (fenced transaction) check the post still wants publishing and mark it
   ``publishing / sending``. If an earlier attempt already reached that mark and never came
   back (its worker died, or its bookkeeping failed), the request may have gone out: the post
   becomes ``unconfirmed`` and a reconcile job asks the platform instead of sending again.
2. call the adapter, outside any transaction.
3. (fenced transaction) record the outcome — published, retry later (known not sent),
   failed (refused / token expired), or unconfirmed (sent, answer lost) — with its events.

The fence (job lease token) means a worker whose lease expired cannot record over a newer
attempt; the ``sending`` mark means a newer attempt never re-sends what an older one may have.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import tokens
from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.accounts.service import (
    account_by_id,
    load_accounts,
    remember,
    subaccount_by_id,
    subaccount_token_aad,
    token_aad,
)
from lowtato.events.service import EventType, emit
from lowtato.jobs import queue
from lowtato.jobs.leases import JobContext, LeaseFence, LeaseLost
from lowtato.jobs.registry import RetryLater
from lowtato.kit import clock, logs
from lowtato.kit.crypto import DecryptionError
from lowtato.kit.sendwindow import SendWindowClosed, send_window
from lowtato.media import service as media_service
from lowtato.media.fetch import discard_downloads, prefetch
from lowtato.media.turns import WAIT_SECONDS, Turn
from lowtato.platforms.base import (
    Adapter,
    AdapterContext,
    Credentials,
    Published,
    PublishRequest,
)
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, Retryable, UnknownOutcome
from lowtato.platforms.registry import AdapterUnavailable
from lowtato.posts import observe, repository
from lowtato.posts.models import Post, PostStatus, PublishState
from lowtato.posts.ports import PostServices
from lowtato.posts.publish_job import schedule_publish
from lowtato.posts.service import post_out

log = logging.getLogger(__name__)

RECONCILE_KIND = "posts.reconcile"
RECONCILE_DELAYS = (5.0, 15.0, 30.0, 60.0, 120.0)  # seconds; bounded: ~4 min then settle
REFRESH_MARGIN = tokens.PUBLISH_REFRESH_MARGIN
DEFAULT_SETTLE_SECONDS = 120.0
# The send window closes this fraction of the lease before the lease itself would expire.
SEND_WINDOW_MARGIN = 0.2
# Verified-absent posts are published again at most this many times.
MAX_RECOVERIES = 3
MAYBE_SENT = (PublishState.sending, PublishState.unconfirmed)
UNREADABLE_MESSAGE = (
    "Lowtato cannot decrypt this account's stored token with its encryption keys (hosts with "
    "different LOWTATO_ENCRYPTION_KEYS, or a damaged row). Nothing was sent. Fix the setting "
    "or reconnect the account, then publish again."
)


@dataclass
class Target:
    post: Post
    account: SocialAccount
    creds: Credentials
    request: PublishRequest


def _credentials(
    services: PostServices, account: SocialAccount, sub: SubAccount | None
) -> Credentials:
    ring = services.keyring

    def dec(value: str | None, aad: str) -> str | None:
        return ring.decrypt(value, aad=aad) if value else None

    return Credentials(
        platform_user_id=account.platform_user_id,
        username=account.username,
        access_token=dec(account.access_token_enc, token_aad(account.id, "access_token")),
        refresh_token=dec(account.refresh_token_enc, token_aad(account.id, "refresh_token")),
        expires_at=account.token_expires_at,
        meta=dict(account.meta or {}),
        target_id=sub.external_id if sub else None,
        target_token=dec(sub.access_token_enc, subaccount_token_aad(sub.id)) if sub else None,
    )


async def _load(
    session: AsyncSession, services: PostServices, post: Post, attempt: int
) -> Target | None:
    account = await account_by_id(session, post.account_id)
    if account is None or account.owner_id != post.owner_id:
        return None
    sub = await subaccount_by_id(session, post.subaccount_id) if post.subaccount_id else None
    request = PublishRequest(
        post_id=post.id,
        text=post.content_text,
        media=await media_service.for_publish(
            session, post.owner_id, post.livemode, list(post.media_urls or [])
        ),
        options=dict(post.options or {}),
        attempt=attempt,
    )
    return Target(post, account, _credentials(services, account, sub), request)


async def _emit_post(session: AsyncSession, post: Post, type: EventType) -> None:
    await emit(session, owner_id=post.owner_id, livemode=post.livemode, type=type,
               data=post_out(post).model_dump())  # fmt: skip


async def fail(session: AsyncSession, post: Post, code: str, message: str) -> None:
    post.status = PostStatus.failed
    post.publish_state = None
    post.error_code, post.error_message = code, message
    post.updated_at = clock.now()
    await _emit_post(session, post, EventType.post_failed)


async def mark_published(session: AsyncSession, post: Post, result: Published) -> None:
    now = clock.now()
    post.status = PostStatus.published
    post.publish_state = None
    post.public_url, post.platform_post_id = result.public_url, result.platform_post_id
    post.published_at = result.created_at or now
    post.error_code = post.error_message = None
    post.result = {**(post.result or {}), **result.extra}
    post.updated_at = now
    await _emit_post(session, post, EventType.post_published)
    if post.slot_id:
        await _emit_post(session, post, EventType.schedule_published)


async def mark_unconfirmed(session: AsyncSession, post: Post, reason: str) -> None:
    post.publish_state = PublishState.unconfirmed
    post.error_message = (
        f"{reason}; checking with the platform whether it was created (it will not be sent twice)"
    )
    post.updated_at = clock.now()
    await queue.enqueue(
        session, kind=RECONCILE_KIND, key=f"reconcile:{post.id}", payload={"post_id": post.id},
        run_at=clock.now() + timedelta(seconds=RECONCILE_DELAYS[0]),
        max_attempts=len(RECONCILE_DELAYS) + 1,
    )  # fmt: skip
    await _emit_post(session, post, EventType.post_unconfirmed)


async def disconnect_account(
    session: AsyncSession,
    account: SocialAccount,
    reason: str,
    *,
    kind: tokens.DisconnectKind = "revoked",
    services: PostServices | None = None,
) -> None:
    """Once per disconnection (an inactive account is left alone): see accounts.tokens."""
    await tokens.disconnect(session, services, account, reason, kind=kind)


async def _refresh_if_needed(
    ctx: JobContext, services: PostServices, adapter: Adapter, actx: AdapterContext, target: Target
) -> Credentials:
    """Fresh credentials for the send: refreshed first when the token expires within
    PUBLISH_REFRESH_MARGIN (stored at once, in its own transaction, not inside the job's
    fence: a platform that rotates refresh tokens has just killed the old one, so losing the
    lease now must not lose the new one). A transient refusal raises Retryable (the post
    retries, the account stays active); a dead grant raises AuthExpired after disconnecting
    the account once (accounts.tokens)."""
    creds = target.creds
    if creds.expires_at is None or creds.expires_at > clock.now() + REFRESH_MARGIN:
        return creds
    fresh = await tokens.refresh(
        services, target.account.id, adapter, actx, creds, margin=REFRESH_MARGIN
    )
    return replace(
        creds,
        access_token=fresh.access_token,
        refresh_token=fresh.refresh_token,
        expires_at=fresh.expires_at,
    )


async def publish(ctx: JobContext, services: PostServices) -> None:
    # The attempt's turn for downloading media URLs (lowtato.media.turns), given back at the
    # latest when the attempt ends.
    with services.downloads.turn() as turn:
        await _publish(ctx, services, turn)


@dataclass
class _Ready:
    """Step 1's answer when the post is marked ``sending``: what the send needs."""

    target: Target
    adapter: Adapter
    actx: AdapterContext


async def _lock_for_start(session: AsyncSession, post_ids: list[str]) -> None:
    """A group of step 1s: their posts locked, and their accounts read, in two statements."""
    await repository.lock_posts(session, post_ids)
    posts = [await repository.locked_post(session, post_id) for post_id in post_ids]
    await load_accounts(session, [post.account_id for post in posts if post is not None])


async def _publish(ctx: JobContext, services: PostServices, turn: Turn) -> None:
    post_id = str(ctx.payload["post_id"])
    logs.bind(post_id=post_id)

    async def start(session: AsyncSession) -> _Ready | RetryLater | None:
        """Step 1. Returns (never raises) a RetryLater: an expected answer must not send a
        whole group of step 1s back one by one (jobs.group)."""
        post = await repository.locked_post(session, post_id)
        if post is None or post.status not in (PostStatus.scheduled, PostStatus.publishing):
            return None  # deleted, turned back into a draft, or already settled: nothing to do
        if post.status == PostStatus.publishing and post.publish_state in MAYBE_SENT:
            await mark_unconfirmed(
                session, post, "an earlier publish attempt stopped after sending"
            )
            return None
        if post.scheduled_time and post.scheduled_time > clock.now() + timedelta(seconds=1):
            # The job ran early (e.g. woken by a reschedule race): waiting is not an attempt.
            return RetryLater(post.scheduled_time, "not due yet", counts=False)
        return await _mark_sending(session, services, post, turn)

    ready = await ctx.settle(start, done=False, key=post_id, prepare=_lock_for_start)
    if isinstance(ready, RetryLater):
        raise ready
    if ready is not None:
        # Bound here, in the job's own task: ``start`` may run in a group's task (jobs.group).
        logs.bind(platform=ready.target.post.platform)
        await _send(ctx, services, ready.adapter, ready.actx, ready.target, turn=turn)


async def _mark_sending(
    session: AsyncSession, services: PostServices, post: Post, turn: Turn
) -> _Ready | RetryLater | None:
    """Step 1 for a due post: mark it ``sending`` and return what the send needs, or fail it
    (nothing sent) when it cannot be sent."""
    try:
        target = await _load(session, services, post, post.publish_attempts + 1)
    except DecryptionError:
        # Retrying cannot help: this process's key ring cannot read the stored token.
        await fail(session, post, "credentials_unreadable", UNREADABLE_MESSAGE)
        return None
    if target is None or not target.account.is_active:
        reason = target.account.disconnected_reason if target else "the account no longer exists"
        message = f"The account is disconnected ({reason}); reconnect it and publish again."
        await fail(session, post, "account_disconnected", message)
        return None
    late = _too_late(post)
    if late is not None:
        await fail(session, post, "too_late", late)
        return None
    if not turn.take(post.owner_id, target.request.media):
        # Before the `sending` mark: this run did nothing, and frees its worker for others.
        return RetryLater(WAIT_SECONDS, "owner's media downloads are all busy", counts=False)
    post.status = PostStatus.publishing
    post.publish_state = PublishState.sending
    post.publish_attempts += 1
    post.send_started_at = post.updated_at = clock.now()
    try:
        adapter, actx = services.adapters.get(post.platform, sandbox=target.account.sandbox)
    except AdapterUnavailable as exc:
        await fail(session, post, "platform_unavailable", str(exc))
        return None
    return _Ready(target, adapter, actx)


# Backoff between publish attempts when nothing says when to try again (the publish job's
# RetryPolicy in posts/tasks.py is built from the same numbers).
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 900.0


def retry_delay(attempt: int) -> float:
    """Seconds before the attempt after ``attempt``: 30, 60, 120 … at most 900."""
    return min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2.0 ** (attempt - 1))


async def publish_crashed(ctx: JobContext, exc: Exception) -> None:
    """An attempt ended in an error of ours (not the platform's answer): keep the post honest.

    Not sent yet → visibly ``retrying`` (``internal_error``), and ``failed`` on the last
    attempt — safe to publish again, since nothing reached the platform. Possibly sent (the
    ``sending`` mark is committed) → ``unconfirmed``: the platform is asked, never re-sent to.
    Raises ``RetryLater`` when the job should run again.
    """
    post_id = str(ctx.payload["post_id"])
    last = ctx.attempt >= ctx.max_attempts
    async with ctx.fenced(done=last) as session:
        post = await repository.locked_post(session, post_id)
        if post is None or post.status not in (PostStatus.scheduled, PostStatus.publishing):
            return
        if post.publish_state in MAYBE_SENT:
            if post.publish_state == PublishState.sending:
                await mark_unconfirmed(session, post, "an attempt stopped after sending")
            return
        what = f"Lowtato hit an internal error before sending ({type(exc).__name__})"
        if last:
            message = (
                f"{what} on each of {ctx.attempt} attempts; the operator's logs have the "
                "details. It was not sent to the platform, so it is safe to publish it again."
            )
            await fail(session, post, "internal_error", message)
            return
        delay = retry_delay(ctx.attempt)
        post.status = PostStatus.publishing
        post.publish_state = PublishState.retrying
        post.error_code = "internal_error"
        post.error_message = (
            f"{what}; it was not sent. Retrying in {int(delay)} s "
            f"(attempt {ctx.attempt} of {ctx.max_attempts})"
        )
        post.updated_at = clock.now()
    raise RetryLater(delay, f"internal error: {type(exc).__name__}")


async def _send(
    ctx: JobContext,
    services: PostServices,
    adapter: Adapter,
    actx: AdapterContext,
    target: Target,
    *,
    turn: Turn,
) -> None:
    post_id = target.post.id
    fenced_at = time.monotonic()  # step 1 just proved the lease
    outcome: Published | PlatformError
    fetch = actx.fetch
    try:
        # Media given by URL are downloaded and checked before anything reaches the platform
        # (a bad file fails the post here, with the URL in the message); adapters that upload
        # bytes get these downloads instead of fetching again.
        media, fetch = await prefetch(actx.fetch, target.request.media)
        turn.release()  # downloads done; the platform upload reads the local copies
        request = replace(target.request, media=media)
        actx = replace(actx, fetch=fetch)
        creds = await _refresh_if_needed(ctx, services, adapter, actx, target)
        # Last fence before the platform: a worker that lost its lease while downloading,
        # refreshing or paused (GC, SIGSTOP) stops here instead of sending what a newer attempt
        # now owns. Right after step 1 the lease is known to hold for at least 2/3 of its
        # length (the worker heartbeats every third), so a quick path skips the round trip.
        if time.monotonic() - fenced_at > ctx.lease_seconds / 4:
            await ctx.heartbeat()
        # Every request to the platform checks, in-process, that the lease still holds (with
        # a margin for clock differences between hosts): a worker paused past its lease wakes
        # up unable to send what another worker may have taken over.
        closes_at = ctx.held_until - ctx.lease_seconds * SEND_WINDOW_MARGIN
        with send_window(closes_at, LeaseFence(ctx.id, ctx.lease_token)):
            outcome = await adapter.publish(actx, creds, request)
    except LeaseLost:
        raise
    except SendWindowClosed as exc:
        # Not sent. The post stays `sending`; whoever holds the job now asks the platform.
        raise LeaseLost(ctx.id, ctx.lease_token) from exc
    except PlatformError as exc:
        outcome = exc
    except Exception as exc:  # an adapter bug or transport error: it may have been sent
        log.exception("publish of %s ended in an unexpected error", post_id)
        outcome = UnknownOutcome(f"unexpected error while publishing: {type(exc).__name__}")
    finally:
        await discard_downloads(fetch)  # the attempt's downloaded media files, whatever happened
    learned = actx.learned

    async def settle(session: AsyncSession) -> float | None:
        post = await repository.locked_post(session, post_id)
        if post is None:
            return None
        # What the platform said about the account on the way (TikTok's allowed privacy
        # levels), whatever the outcome: the next post is checked against it when created.
        await remember(session, target.account.id, learned)
        return await record_publish_outcome(
            session, ctx, post, target.account.id, outcome, services=services
        )

    # A final outcome completes the job in the same transaction (one write instead of two),
    # grouped with the other attempts finishing now (jobs.group).
    final = not isinstance(outcome, Retryable) or ctx.attempt >= ctx.max_attempts
    retry_at = await ctx.settle(settle, done=final, key=post_id, prepare=repository.lock_posts)
    # Counted once it is written (a group's work may run twice; see jobs.group).
    observe.publish_outcome(target.post.platform, outcome)
    if retry_at is not None:
        raise RetryLater(retry_at, "platform asked to retry")


async def record_publish_outcome(
    session: AsyncSession,
    ctx: JobContext,
    post: Post,
    account_id: str,
    outcome: Published | PlatformError,
    *,
    services: PostServices | None = None,
) -> float | None:
    """Write one attempt's outcome; returns seconds to wait when it should be retried."""
    if isinstance(outcome, Published):
        await mark_published(session, post, outcome)
    elif isinstance(outcome, UnknownOutcome):
        await mark_unconfirmed(session, post, outcome.reason)
    elif isinstance(outcome, AuthExpired):
        await fail(
            session,
            post,
            outcome.code,
            f"The platform refused the account's token ({outcome.reason}). "
            "Reconnect the account, then publish again.",
        )
        account = await account_by_id(session, account_id)
        if account is not None and account.is_active:
            await disconnect_account(
                session, account, f"token expired or revoked: {outcome.reason}",
                kind=outcome.kind, services=services,
            )  # fmt: skip
    elif isinstance(outcome, Retryable):
        if ctx.attempt >= ctx.max_attempts:
            await fail(
                session,
                post,
                outcome.code,
                f"{outcome.reason} (gave up after {ctx.attempt} attempts)",
            )
            return None
        delay = outcome.after if outcome.after is not None else retry_delay(ctx.attempt)
        post.publish_state = PublishState.retrying
        post.error_code = outcome.code
        post.error_message = (
            f"{outcome.reason}; retrying in {int(delay)} s "
            f"(attempt {ctx.attempt} of {ctx.max_attempts})"
        )
        post.updated_at = clock.now()
        return delay
    else:
        code = outcome.code if isinstance(outcome, Rejected) else "platform_error"
        await fail(session, post, code, outcome.reason)
    return None


COULD_NOT_CHECK = (
    "The platform's answer was lost and Lowtato could not check whether the post was created "
    "({reason}). Look at the account before publishing it again."
)


async def _settle(
    session: AsyncSession,
    ctx: JobContext,
    post: Post,
    account_id: str,
    look: Look,
    *,
    services: PostServices | None = None,
) -> bool:
    """Apply one reconciliation look; False when the post stays unconfirmed (look again).

    Only a look the platform answered, after its settle time, may conclude "not there":
    a refused token, an error or a miss that came too early never does.
    """
    last = ctx.attempt >= ctx.max_attempts
    if look.found is not None:
        await mark_published(session, post, look.found)
    elif isinstance(look.error, AuthExpired):
        reason = f"the platform refused the account's token: {look.error.reason}"
        await fail(session, post, "unconfirmed", COULD_NOT_CHECK.format(reason=reason))
        account = await account_by_id(session, account_id)
        if account is not None and account.is_active:
            await disconnect_account(
                session, account, f"token expired or revoked: {look.error.reason}",
                kind=look.error.kind, services=services,
            )  # fmt: skip
    elif look.error is not None:
        if isinstance(look.error, Retryable) and not last:
            return False
        await fail(session, post, "unconfirmed", COULD_NOT_CHECK.format(reason=look.error.reason))
    elif look.settled:
        await _publish_again(session, post)
    elif last:
        reason = "the platform had not finished indexing new posts when the checks ran out"
        await fail(session, post, "unconfirmed", COULD_NOT_CHECK.format(reason=reason))
    else:
        return False
    return True


async def _publish_again(session: AsyncSession, post: Post) -> None:
    """Verified absent: the attempt stopped before the platform received the post (our crash,
    a lost request). Publish it again through the normal path — bounded, so a post whose every
    attempt is cut short still ends."""
    if post.recoveries >= MAX_RECOVERIES:
        await fail(
            session,
            post,
            "not_published",
            f"The post was not found on the platform after {post.recoveries + 1} attempts that "
            "each stopped before the platform confirmed it, so it was not published. It is safe "
            "to publish it again.",
        )
        return
    post.recoveries += 1
    post.publish_state = PublishState.retrying
    post.error_code = None
    post.error_message = (
        "an earlier attempt stopped before the platform received it (checked: the post is not "
        f"there); publishing it again (recovery {post.recoveries} of {MAX_RECOVERIES})"
    )
    post.updated_at = clock.now()
    await schedule_publish(session, post, now=True)


def _too_late(post: Post) -> str | None:
    """The reason not to publish, when the post is later than its ``options.max_delay``."""
    minutes = (post.options or {}).get("max_delay")
    if not minutes or post.scheduled_time is None:
        return None
    late = clock.now() - post.scheduled_time
    if late <= timedelta(minutes=int(minutes)):
        return None
    return (
        f"Not published: it was {int(late.total_seconds() // 60)} minutes late, more than its "
        f"max_delay of {minutes} minutes. Nothing was sent; publish it again if it still fits."
    )


@dataclass(frozen=True)
class Look:
    """One reconciliation look: what the platform said, and whether a miss is conclusive."""

    found: Published | None
    error: PlatformError | None
    settled: bool
    settle_at: datetime


async def _look(adapter: Adapter, actx: AdapterContext, target: Target, since: datetime) -> Look:
    found: Published | None = None
    error: PlatformError | None = None
    try:
        found = await adapter.find_published(actx, target.creds, target.request, since)
    except PlatformError as exc:
        error = exc
    # A miss is conclusive once the platform has had time to index what it accepted
    # (``since`` is a minute before the send).
    settle = float(getattr(adapter, "find_settle_seconds", DEFAULT_SETTLE_SECONDS))
    settle_at = since + timedelta(minutes=1, seconds=settle)
    return Look(found, error, clock.now() >= settle_at, settle_at)


async def reconcile(ctx: JobContext, services: PostServices) -> None:
    """Settle an unconfirmed post by asking the platform whether it exists."""
    post_id = str(ctx.payload["post_id"])
    logs.bind(post_id=post_id)
    async with ctx.fenced() as session:
        post = await repository.locked_post(session, post_id)
        if (
            post is None
            or post.status != PostStatus.publishing
            or post.publish_state != PublishState.unconfirmed
        ):
            return
        try:
            target = await _load(session, services, post, post.publish_attempts)
        except DecryptionError:
            target = None
        # Platform clocks differ a little from ours.
        since = (post.send_started_at or post.updated_at) - timedelta(minutes=1)
        adapter_ctx = None
        if target is not None:
            try:
                adapter_ctx = services.adapters.get(post.platform, sandbox=target.account.sandbox)
            except AdapterUnavailable:
                adapter_ctx = None
        if target is None or adapter_ctx is None:
            await fail(
                session,
                post,
                "unconfirmed",
                "The platform's answer was lost and the account can no longer be checked; "
                "look at the account before publishing again.",
            )
            return
    adapter, actx = adapter_ctx
    look = await _look(adapter, actx, target, since)
    observe.reconcile_outcome(
        target.post.platform,
        found=look.found is not None,
        error=look.error is not None,
        settled=look.settled,
    )
    async with ctx.fenced() as session:
        post = await repository.locked_post(session, post_id)
        if post is None or post.publish_state != PublishState.unconfirmed:
            return
        if await _settle(session, ctx, post, target.account.id, look, services=services):
            return
    wait = clock.now() + timedelta(
        seconds=RECONCILE_DELAYS[min(ctx.attempt, len(RECONCILE_DELAYS) - 1)]
    )
    if look.error is None:  # a miss before the settle time says nothing: look after it
        wait = max(wait, look.settle_at)
    raise RetryLater(wait, look.error.reason if look.error else "not found yet")
