"""``/api/v1/posts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from lowtato.auth.deps import PostsRead, PostsWrite
from lowtato.idempotency import http as idempotency
from lowtato.kit.params import Limit, Offset, UtcDateTime
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Reads, Session
from lowtato.posts import bulk, service
from lowtato.posts.models import PostFilter, PostStatus
from lowtato.posts.schemas import (
    BulkCreate,
    BulkResult,
    PostCreate,
    PostCreated,
    PostList,
    PostOut,
    PublishResult,
    normalize,
)

router = APIRouter(prefix="/api/v1/posts", tags=["Posts"], route_class=JSONRoute)
IDEMPOTENCY_DOC = (
    " Send an `Idempotency-Key` header to make retries safe: a repeat within 24 h returns the "
    "original response with status 200 and `Idempotent-Replayed: true`; the same key with a "
    "different body is 422 `idempotency_key_reused`; while the first is still running, 409 "
    "`idempotency_key_in_use` with `Retry-After` (a request that failed frees its key)."
)


@router.post(
    "",
    summary="Create a post",
    status_code=201,
    response_model=PostCreated,
    responses={200: {"description": "Idempotent replay of an earlier create."}},
    dependencies=[idempotency.IDEMPOTENT],
    description="Create a post for one account, as a draft (no time), scheduled "
    "(`scheduledTime`), or in the next free recurring slot (`useNextFreeSlot: true`). "
    "Accepts the nested camelCase shape and the flat snake_case shape; nested fields win. "
    "Content is checked against the platform's limits (see GET /api/v1/platforms)."
    + IDEMPOTENCY_DOC,
)
async def create_post(body: PostCreate, principal: PostsWrite, request: Request) -> JSONResponse:
    draft = normalize(body)
    key = idempotency.key_from(request, principal)
    state = request.app.state
    outcome = await service.create_post_once(state.db, state.settings, principal, draft, key)
    return idempotency.respond(outcome)


@router.post(
    "/bulk",
    summary="Create up to 50 posts at once",
    response_model=BulkResult,
    status_code=201,
    responses={
        200: {
            "model": BulkResult,
            "description": "Nothing was created (every item failed; see `errors`), or an "
            "idempotent replay of an earlier create.",
        }
    },
    dependencies=[idempotency.IDEMPOTENT],
    description="At most 50 posts per request, counting one per item and platform (an item "
    "names each platform at most once); more is a 400 before anything is created. "
    "Each item is validated on its own; failures are reported by index in "
    "`errors` without stopping the rest. Without `account_id`, each platform maps to your "
    "one connected account on it (ambiguous or missing → an error for that item)."
    + IDEMPOTENCY_DOC,
)
async def create_bulk(body: BulkCreate, principal: PostsWrite, request: Request) -> JSONResponse:
    key = idempotency.key_from(request, principal)
    state = request.app.state
    outcome = await bulk.create_bulk_once(state.db, state.settings, principal, body, key)
    return idempotency.respond(outcome)


_PUBLISH_ANSWER = (
    "The post after the wait — READ THE BODY: a platform's refusal is a 200 too. `status` is "
    "`published` (see `public_url`), `failed` (see `error_code` and `error_message`: the "
    "platform refused, e.g. `duplicate`, `token_expired`, `media_rejected`; all codes under "
    "`error_code`), or "
    "`scheduled`/`publishing` when the platform has not answered yet (poll GET "
    "/api/v1/posts/{post_id})."
)


@router.post(
    "/{post_id}/publish",
    summary="Publish a post now",
    responses={200: {"description": _PUBLISH_ANSWER}},
)
async def publish_now(post_id: str, principal: PostsWrite, request: Request) -> PublishResult:
    """Publish a draft, scheduled or failed post immediately.

    Waits up to `LOWTATO_PUBLISH_WAIT_SECONDS` (default 10) for the platform: then answers
    `{status: "published", public_url}` — or `failed` with `error_code`/`error_message`. If the
    platform is slower, answers with the current status (`scheduled` or `publishing`); keep
    polling GET /api/v1/posts/{id}. A post already publishing or published is not sent again.
    """
    state = request.app.state
    post = await service.publish_and_wait(
        state.db, principal, post_id, state.settings.publish_wait_seconds
    )
    return PublishResult.of(service.post_out(post))


@router.get("", summary="List posts")
async def list_posts(
    *,
    principal: PostsRead,
    reads: Reads,
    status: Annotated[list[PostStatus] | None, Query()] = None,
    account_id: str | None = None,
    scheduled_from: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    scheduled_to: Annotated[UtcDateTime | None, Query(alias="to")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PostList:
    """Newest first. Filter by `status` (repeatable), `account_id`, and a `from`/`to` range
    on `scheduled_time` (ISO 8601)."""
    matching = PostFilter(
        statuses=[s.value for s in status or ()], account_id=account_id,
        time_from=scheduled_from, time_to=scheduled_to,
    )  # fmt: skip
    posts, meta = await service.list_posts(reads, principal, matching, limit=limit, offset=offset)
    return PostList(posts=[service.post_out(p) for p in posts], meta=meta)


@router.get("/{post_id}", summary="Get a post")
async def get_post(post_id: str, principal: PostsRead, reads: Reads) -> PostOut:
    """Poll this until `status` is `published` (see `public_url`) or `failed` (see
    `error_code`, `error_message`)."""
    return service.post_out(await service.read_post(reads, principal, post_id))


@router.delete("/{post_id}", summary="Delete a draft, scheduled or failed post")
async def delete_post(post_id: str, principal: PostsWrite, session: Session) -> Deleted:
    """A post that is publishing or published is a 409 `conflict`."""
    await service.delete_post(session, principal, post_id)
    return Deleted()
