"""Connection health against the contract fakes, for each live adapter: a reconnect that
brings no refresh token keeps the stored one, a platform hiccup never disconnects, a dead grant
disconnects once with one ``account.disconnected`` event (kind, reconnect link), and the
periodic refresh job refreshes tokens before they expire, once, however many workers run."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.conftest import Owner, OwnerFactory, client_for
from tests.fakes import bluesky as bsky
from tests.fakes import facebook_graph as fb
from tests.fakes import linkedin_store as li
from tests.fakes import x as xfake
from tests.fakes.fixtures import Fakes

from lowtato.accounts import tokens
from lowtato.events.models import Event
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.kit.db import _open_writes
from lowtato.runtime import build_registry

PLATFORMS = ["twitter", "bluesky", "linkedin", "facebook"]
EXPIRING = ["twitter", "linkedin", "facebook"]  # Bluesky app passwords do not expire


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    with use_clock(clock):
        yield clock


@dataclass
class Grant:
    """What the platform handed out: the tokens an agent passes to /accounts/connect."""

    access_token: str
    refresh_token: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Kit:
    """One platform's fake, seen the way these tests need it."""

    platform: str
    fakes: Fakes
    grant: Callable[[], Grant]  # a new grant for the seeded user
    revoke: Callable[[], None]  # the user revokes the app's access
    refresh_calls: Callable[[], int]  # token endpoint calls that refresh
    refresh_endpoint: tuple[str, str]  # (fake platform, endpoint) for injected failures
    has_refresh_token: bool = True
    due: Callable[[], None] = lambda: None  # make the session/token due for a refresh


def _x(fakes: Fakes) -> Kit:
    first = xfake.seed_account(fakes.state, "1001", "lowtato_fan")
    issued = iter([first])

    def grant() -> Grant:
        access, refresh = next(issued, None) or _x_issue(fakes)
        return Grant(access, refresh, {"platform_user_id": "1001"})

    def revoke() -> None:
        for token in xfake.store(fakes.state).refresh_tokens.values():
            token["spent"] = True

    def calls() -> int:
        return sum(
            c["body"].get("grant_type") == "refresh_token"
            for c in fakes.state.calls_to("x", "POST", "/2/oauth2/token")
        )

    return Kit("twitter", fakes, grant, revoke, calls, ("x", "token"))


def _x_issue(fakes: Fakes) -> tuple[str, str]:
    # A second consent: X, like Google, may answer without a refresh token.
    issued = xfake.store(fakes.state).issue("1001", "tweet.read tweet.write users.read")
    return str(issued["access_token"]), ""


def _linkedin(fakes: Fakes) -> Kit:
    member = li.seed_account(fakes.state)

    def grant() -> Grant:
        # A second consent without a refresh token (as Google's, for one, always is).
        access, _refresh = li.issue(li.data(fakes.state), member.sub)
        return Grant(access, None, {"platform_user_id": member.sub})

    def revoke() -> None:
        for token in li.data(fakes.state).refresh_tokens.values():
            token.revoked = True

    def calls() -> int:
        return sum(
            (c["body"] or {}).get("grant_type") == "refresh_token"
            for c in fakes.state.calls_to("linkedin", "POST", "/oauth/v2/accessToken")
        )

    first = Grant(member.token, member.refresh_token, {"platform_user_id": member.sub})
    grants = iter([first])
    return Kit("linkedin", fakes, lambda: next(grants, None) or grant(), revoke, calls,
               ("linkedin", "token"))  # fmt: skip


def _facebook(fakes: Fakes) -> Kit:
    seeded = fb.seed_account(fakes.state)

    def grant() -> Grant:
        return Grant(seeded.user_token, None, {"platform_user_id": seeded.user_id})

    def revoke() -> None:
        for token in fb.data(fakes.state).tokens.values():
            token.revoked = True

    def calls() -> int:
        return sum(
            len(fakes.state.calls_to("facebook", method, "/oauth/access_token"))
            for method in ("GET", "POST")
        )

    return Kit("facebook", fakes, grant, revoke, calls, ("facebook", "oauth"),
               has_refresh_token=False)  # fmt: skip


def _bluesky(fakes: Fakes) -> Kit:
    account = bsky.seed_account(fakes.state, "alice.test")

    def grant() -> Grant:
        return Grant(account.password, None, {"platform_username": "alice.test"})

    return Kit("bluesky", fakes, grant, lambda: bsky.revoke_app_password(fakes.state, account.did),
               lambda: 0, ("bluesky", "refreshSession"), has_refresh_token=False,
               due=lambda: bsky.expire_sessions(fakes.state, account.did))  # fmt: skip


KITS = {"twitter": _x, "linkedin": _linkedin, "facebook": _facebook, "bluesky": _bluesky}


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    owner: Owner
    kit: Kit
    worker: Worker
    frozen: FrozenClock
    account_id: str = ""

    async def connect(self, grant: Grant, *, expires_in: int | None) -> str:
        body: dict[str, Any] = {
            "platform": self.kit.platform,
            "access_token": grant.access_token,
            **grant.extra,
        }
        if grant.refresh_token:
            body["refresh_token"] = grant.refresh_token
        if expires_in is not None:
            body["expires_in"] = expires_in
        response = await self.client.post(
            "/api/v1/accounts/connect", headers=self.owner.headers, json=body
        )
        assert response.status_code == 201, response.text
        self.account_id = str(response.json()["id"])
        return self.account_id

    async def account(self) -> dict[str, Any]:
        response = await self.client.get("/api/v1/accounts", headers=self.owner.headers)
        assert response.status_code == 200, response.text
        (found,) = [a for a in response.json()["accounts"] if a["id"] == self.account_id]
        return dict(found)

    async def publish(self, text: str, *, run: bool = True) -> str:
        post: dict[str, Any] = {"accountId": self.account_id, "content": {"text": text}}
        if self.kit.platform == "facebook":
            subs = await self.client.get(
                f"/api/v1/accounts/{self.account_id}/subaccounts", headers=self.owner.headers
            )
            post["subaccountId"] = subs.json()["subaccounts"][0]["id"]
        created = await self.client.post(
            "/api/v1/posts", headers=self.owner.headers, json={"post": post}
        )
        assert created.status_code == 201, created.text
        post_id = str(created.json()["id"])
        done = await self.client.post(
            f"/api/v1/posts/{post_id}/publish", headers=self.owner.headers
        )
        assert done.status_code == 200, done.text
        if run:
            await self.worker.run_once()
        return post_id

    async def post(self, post_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/posts/{post_id}", headers=self.owner.headers)
        return dict(response.json())

    async def disconnections(self) -> list[dict[str, Any]]:
        async with self.app.state.db.transaction() as session:
            rows = await session.scalars(
                select(Event).where(
                    Event.owner_id == self.owner.user_id,
                    Event.type == "account.disconnected",
                )
            )
            return [dict(e.data) for e in rows]


@pytest.fixture(params=PLATFORMS)
async def h(
    request: pytest.FixtureRequest,
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Harness]:
    owner = await make_owner(livemode=True)
    kit = KITS[request.param](fakes)
    async with client_for(live_app) as client:
        yield Harness(live_app, client, owner, kit, live_worker, frozen)


def _only(h: Harness, platforms: list[str]) -> None:
    if h.kit.platform not in platforms:
        pytest.skip(f"{h.kit.platform}: not applicable")


async def test_reconnect_without_refresh_token_keeps_the_stored_one(h: Harness) -> None:
    expiring = h.kit.platform in EXPIRING
    await h.connect(h.kit.grant(), expires_in=7200 if expiring else None)
    again = h.kit.grant()
    assert again.refresh_token in (None, "")  # the second consent brought none
    await h.connect(again, expires_in=7200 if expiring else None)
    # The access token runs out; publishing refreshes it with the refresh token kept above.
    h.frozen.advance(timedelta(seconds=7200 + 60))
    post_id = await h.publish("after the access token expired")
    await _run_due(h, seconds=60)  # it may have met the periodic refresh at work: a retry
    post = await h.post(post_id)
    assert post["status"] == "published", (post["error_code"], post["error_message"])
    account = await h.account()
    assert account["is_active"] is True and account["disconnected_reason"] is None
    if expiring:
        assert account["token_expires_at"] is not None
        assert datetime.fromisoformat(account["token_expires_at"]) > h.frozen.now()
        assert h.kit.refresh_calls() == 1
    else:
        assert "token_expires_at" in account
    assert await h.disconnections() == []


async def test_transient_refresh_failure_keeps_the_account_and_retries_the_post(
    h: Harness,
) -> None:
    # Due for a refresh at publish time (Bluesky: its login is the "refresh").
    await h.connect(h.kit.grant(), expires_in=60 if h.kit.platform in EXPIRING else None)
    # Twice: the periodic refresh and the publish may each try first; both must keep going.
    count = 1 if h.kit.platform == "bluesky" else 2
    h.kit.due()
    h.kit.fakes.state.inject(*h.kit.refresh_endpoint, "server_error", count=count)
    post_id = await h.publish("the platform hiccups")
    post = await h.post(post_id)
    assert post["status"] == "publishing" and post["publish_state"] == "retrying", post
    account = await h.account()
    assert account["is_active"] is True and account["disconnected_reason"] is None
    assert await h.disconnections() == []
    for _ in range(3):  # backoff; the second injected failure may meet the retry
        await _run_due(h, seconds=120)
    assert (await h.post(post_id))["status"] == "published"
    assert (await h.account())["is_active"] is True


async def test_dead_grant_disconnects_once_with_one_event(h: Harness) -> None:
    # X and LinkedIn learn it when refreshing; Facebook and Bluesky when publishing.
    await h.connect(h.kit.grant(), expires_in=60 if h.kit.has_refresh_token else None)
    h.kit.revoke()
    first = await h.publish("refused", run=False)
    second = await h.publish("refused again", run=False)
    for _ in range(3):  # a post that met a refresh in progress tries again shortly
        await _run_due(h, seconds=120)
    codes = {(await h.post(p))["error_code"] for p in (first, second)}
    assert codes <= {"token_expired", "account_disconnected"} and len(codes) >= 1, codes
    for post_id in (first, second):
        assert (await h.post(post_id))["status"] == "failed"
    account = await h.account()
    assert account["is_active"] is False and "token expired" in account["disconnected_reason"]
    (event,) = await h.disconnections()
    assert event["account_id"] == event["id"] == h.account_id
    assert event["platform"] == h.kit.platform and event["is_active"] is False
    assert event["kind"] in ("revoked", "expired")
    assert event["reason"] == account["disconnected_reason"]
    if h.kit.platform == "bluesky":
        assert event["reconnect_url"] is None
        assert "app password" in event["reason"]
    else:
        assert event["reconnect_url"].startswith(h.kit.fakes.url)
        assert "state=" in event["reconnect_url"]
    # The proactive refresh does not try a disconnected account again, nor send another event.
    await _run_due(h, seconds=600)
    assert len(await h.disconnections()) == 1


async def _run_due(h: Harness, *, seconds: float) -> None:
    h.frozen.advance(timedelta(seconds=seconds))
    await h.worker.run_once()


async def test_proactive_refresh_runs_once_with_two_workers(h: Harness) -> None:
    _only(h, EXPIRING)
    await h.connect(h.kit.grant(), expires_in=120)
    before = (await h.account())["token_expires_at"]
    services = h.app.state.services
    one = Worker(h.app.state.db, build_registry(services), concurrency=2)
    two = Worker(h.app.state.db, build_registry(services), concurrency=2)
    for _ in range(2):
        await one.run_once()
        await two.run_once()
    assert h.kit.refresh_calls() == 1
    account = await h.account()
    assert account["is_active"] is True
    assert datetime.fromisoformat(account["token_expires_at"]) > datetime.fromisoformat(before)
    # The rotated tokens were stored: the next refresh (and a post) use them.
    h.frozen.advance(timedelta(seconds=60))
    post = await h.post(await h.publish("with the refreshed token"))
    assert post["status"] == "published", (post["error_code"], post["error_message"])


async def test_a_refresh_finished_between_read_and_claim_is_not_repeated(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker B reads the account (due), worker A refreshes it completely, then B claims: B
    must see the token changed and use A's, not refresh again with the refresh token A spent
    (a rotating platform refuses it). SQLite cannot interleave so: its writers BEGIN
    IMMEDIATE, so B's read and claim hold the write lock together."""
    _only(h, EXPIRING)
    if h.app.state.db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite serialises the read and the claim")
    await h.connect(h.kit.grant(), expires_in=120)
    services = h.app.state.services
    claim = tokens.repository.claim_refresh
    rivals: list[str] = []

    async def claim_after_a_rival(*args: Any, **kwargs: Any) -> bool:
        if not rivals:
            rivals.append("A")
            # A, start to finish, as another worker would: outside B's transaction.
            rival = contextvars.copy_context()
            rival.run(_open_writes.set, 0)
            await asyncio.create_task(tokens.refresh_due_tokens(services), context=rival)
            assert h.kit.refresh_calls() == 1
        return await claim(*args, **kwargs)

    monkeypatch.setattr(tokens.repository, "claim_refresh", claim_after_a_rival)
    await tokens.refresh_due_tokens(services)  # B
    assert rivals == ["A"] and h.kit.refresh_calls() == 1
    account = await h.account()
    assert account["is_active"] is True and await h.disconnections() == []
    h.frozen.advance(timedelta(seconds=60))
    post = await h.post(await h.publish("with the token A stored"))
    assert post["status"] == "published", (post["error_code"], post["error_message"])


async def test_unknown_refusal_is_retried_then_disconnects_saying_so(h: Harness) -> None:
    _only(h, ["twitter"])
    await h.connect(h.kit.grant(), expires_in=120)
    # X's token endpoint answers 403 (no OAuth error code) three times: not known to be dead.
    h.kit.fakes.state.inject("x", "token", "policy", count=3)
    await h.worker.run_once()
    assert (await h.account())["is_active"] is True
    await _run_due(h, seconds=600)
    assert (await h.account())["is_active"] is True
    assert await h.disconnections() == []
    await _run_due(h, seconds=600)
    account = await h.account()
    assert account["is_active"] is False
    assert "3 times" in account["disconnected_reason"]
    (event,) = await h.disconnections()
    assert event["kind"] == "refresh_failed"
    assert event["reconnect_url"].startswith(h.kit.fakes.url)


async def test_a_refresh_that_times_out_keeps_the_account_and_retries(h: Harness) -> None:
    """The token endpoint hangs past the platform timeout (the request never got through): a
    hiccup, not a dead grant — the account stays, the post retries and then publishes."""
    _only(h, ["twitter"])  # the fake whose token endpoint can be held open
    await h.connect(h.kit.grant(), expires_in=60)
    state = h.kit.fakes.state
    gate = state.hold("x", "token")
    post_id = await h.publish("the token endpoint hangs")
    post = await h.post(post_id)
    assert post["status"] == "publishing" and post["publish_state"] == "retrying", post
    account = await h.account()
    assert account["is_active"] is True and account["disconnected_reason"] is None
    assert await h.disconnections() == []
    gate.drop()
    state.gates.pop(("x", "token"))
    for _ in range(3):
        await _run_due(h, seconds=120)
    post = await h.post(post_id)
    assert post["status"] == "published", (post["error_code"], post["error_message"])
    assert (await h.account())["is_active"] is True
    assert await h.disconnections() == []


async def test_a_timed_out_refresh_that_rotated_the_token_disconnects_once(h: Harness) -> None:
    """The other way a refresh can time out: X handled it after all and rotated the refresh
    token, whose new value never reached us. The old one is now spent, so the next refresh is
    refused and the account needs reconnecting: one event saying so, never a loop of them."""
    _only(h, ["twitter"])
    await h.connect(h.kit.grant(), expires_in=60)
    gate = h.kit.fakes.state.hold("x", "token")
    post_id = await h.publish("the answer is lost")
    assert (await h.post(post_id))["publish_state"] == "retrying"
    gate.open()  # X finishes the refresh for a client that has gone
    for _ in range(4):
        await _run_due(h, seconds=120)
    post = await h.post(post_id)
    # Whichever meets the spent token first — the post's own retry or the periodic refresh —
    # disconnects the account; the post then fails saying one or the other, never retries on.
    assert post["status"] == "failed"
    assert post["error_code"] in ("token_expired", "account_disconnected"), post
    (event,) = await h.disconnections()
    assert event["kind"] in ("revoked", "expired") and event["reconnect_url"]


async def test_an_absurd_token_lifetime_from_the_platform_is_capped(h: Harness) -> None:
    """The platform's token answer says the token lives 10^15 s: stored as ten years at most,
    never a crashed refresh job (a date past year 9999)."""
    _only(h, ["twitter"])
    await h.connect(h.kit.grant(), expires_in=120)
    xfake.store(h.kit.fakes.state).token_lifetime = 10**15
    await h.worker.run_once()  # the periodic refresh finds the token about to expire
    assert h.kit.refresh_calls() == 1
    account = await h.account()
    assert account["is_active"] is True
    expires = datetime.fromisoformat(account["token_expires_at"])
    assert h.frozen.now() + timedelta(days=3000) < expires <= h.frozen.now() + timedelta(days=3650)


CREATE_ENDPOINTS = {
    "twitter": ("x", "tweets"),
    "bluesky": ("bluesky", "createRecord"),
    "linkedin": ("linkedin", "posts.create"),
    "facebook": ("facebook", "feed"),
}


async def test_a_platform_hiccup_at_publish_never_disconnects(h: Harness) -> None:
    """A 5xx from the create call itself (it may or may not have made the post): the post is
    checked and published once, and the account stays active with no event."""
    await h.connect(h.kit.grant(), expires_in=None)
    h.kit.fakes.state.inject(*CREATE_ENDPOINTS[h.kit.platform], "server_error")
    post_id = await h.publish("the platform hiccups at create")
    assert (await h.post(post_id))["status"] == "publishing"
    assert (await h.account())["is_active"] is True
    for _ in range(4):
        await _run_due(h, seconds=120)
    post = await h.post(post_id)
    assert post["status"] == "published", (post["error_code"], post["error_message"])
    account = await h.account()
    assert account["is_active"] is True and account["disconnected_reason"] is None
    assert await h.disconnections() == []
