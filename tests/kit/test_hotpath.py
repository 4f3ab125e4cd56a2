"""The hot path (``kit/hotpath.py``) answers exactly what FastAPI would: same status, body and
headers for every outcome, the same log line, and never a path another route owns."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from tests.api import connect, create_post, later
from tests.conftest import OwnerFactory, client_for

from lowtato.kit.hotpath import HotPathMiddleware, HotRoute, hot_routes

# Headers whose values differ between any two requests.
_VARYING = {"x-request-id", "ratelimit", "x-ratelimit-remaining", "x-ratelimit-reset", "date"}


def _fastapi_only(app: FastAPI) -> None:
    """Any dependency override sends every request through FastAPI's own routing."""
    app.dependency_overrides[_fastapi_only] = _fastapi_only


def _answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in _VARYING)
    return response.status_code, response.content, headers


async def _both(app: FastAPI, path: str, headers: dict[str, str]) -> list[Any]:
    async with client_for(app) as client:
        hot = await client.get(path, headers=headers)
        _fastapi_only(app)
        try:
            plain = await client.get(path, headers=headers)
        finally:
            app.dependency_overrides.clear()
    return [_answer(hot), _answer(plain)]


async def test_the_polled_gets_are_served_by_the_hot_path(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory, monkeypatch: Any
) -> None:
    owner = await make_owner()
    taken: list[str] = []
    respond = HotRoute.respond

    async def spy(self: HotRoute, request: Any, params: dict[str, str]) -> Any:
        taken.append(self.route.path)
        return await respond(self, request, params)

    monkeypatch.setattr(HotRoute, "respond", spy)
    assert (await client.get("/api/v1/posts/post_x", headers=owner.headers)).status_code == 404
    assert (await client.get("/api/v1/posts", headers=owner.headers)).status_code == 200
    assert taken == ["/api/v1/posts/{post_id}"]
    served = {hot.route.path for hot in hot_routes(app)}
    assert {"/api/v1/posts/{post_id}", "/api/v1/schedules/{schedule_id}", "/api/v1/accounts"} <= (
        served
    )
    # Routes with query parameters or a session stay with FastAPI.
    assert not served & {"/api/v1/posts", "/api/v1/schedules", "/api/v1/profile"}


@pytest.mark.parametrize("prefix", ["/api/v1/posts", "/api/v1/schedules"])
async def test_every_outcome_matches_fastapis(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory, prefix: str
) -> None:
    owner = await make_owner()
    other = await make_owner()
    live = await make_owner(livemode=True)
    no_scope = await make_owner(scopes=["accounts:read"])
    free = await make_owner(plan="free")
    account = await connect(client, owner, "bluesky", "did:plc:hot")
    made = await create_post(client, owner, account, "polled", scheduledTime=later())
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    cases = [
        (f"{prefix}/{post_id}", owner.headers, 200),
        (f"{prefix}/{post_id}", other.headers, 404),  # another owner's post
        (f"{prefix}/{post_id}", live.headers, 404),  # live keys never see test posts
        (f"{prefix}/post_missing", owner.headers, 404),
        (f"{prefix}/{post_id}", {}, 401),
        (f"{prefix}/{post_id}", {"x-api-key": "lt_test_wrong"}, 401),
        (f"{prefix}/{post_id}", no_scope.headers, 403),
        (f"{prefix}/{post_id}", free.headers, 402),
        (f"{prefix}/{post_id}/", owner.headers, None),  # not this route's path
    ]
    for path, headers, status in cases:
        hot, plain = await _both(app, path, headers)
        assert hot == plain, path
        assert status is None or hot[0] == status, (path, hot)


async def test_the_account_list_matches_fastapis(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    await connect(client, owner, "bluesky", "did:plc:one")
    hot, plain = await _both(app, "/api/v1/accounts", owner.headers)
    assert hot == plain and hot[0] == 200 and b"did:plc:one" in hot[1]


async def test_rate_limited_answers_match(app_factory: Any, make_owner: OwnerFactory) -> None:
    app = await app_factory(rate_limit_read=2)
    await app.state.limiter.reset()
    owner = await make_owner()
    async with client_for(app) as client:
        statuses = [(await client.get("/api/v1/accounts", headers=owner.headers)) for _ in range(3)]
        _fastapi_only(app)
        plain = await client.get("/api/v1/accounts", headers=owner.headers)
        app.dependency_overrides.clear()
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert _answer(statuses[2]) == _answer(plain)
    assert (
        statuses[2].headers["x-ratelimit-remaining"]
        == plain.headers["x-ratelimit-remaining"]
        == "0"
    )


async def test_the_log_line_names_the_route(
    client: httpx.AsyncClient, make_owner: OwnerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await make_owner()
    with caplog.at_level(logging.INFO, logger="lowtato.request"):
        response = await client.get("/api/v1/posts/post_nope", headers=owner.headers)
    assert response.status_code == 404
    line = caplog.records[-1]
    assert (line.route, line.status, line.owner_id) == (  # type: ignore[attr-defined]
        "/api/v1/posts/{post_id}",
        404,
        owner.user_id,
    )
    assert line.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]


def _toy_app(static_dir: str) -> FastAPI:
    """A fixed path, a mount and a parameter route that all could answer ``/things/...``."""
    app = FastAPI()
    router = APIRouter(prefix="/things")

    @router.get("/special")  # a query parameter: not a hot route
    async def special(q: str = "") -> dict[str, str]:
        return {"from": "special"}

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"from": "thing", "id": thing_id}

    app.include_router(router)
    app.routes.insert(0, Mount("/things/static", StaticFiles(directory=static_dir)))
    app.add_middleware(HotPathMiddleware)
    return app


async def test_a_path_an_earlier_route_owns_is_left_to_it(tmp_path: Any) -> None:
    (tmp_path / "a.txt").write_text("static")
    app = _toy_app(str(tmp_path))
    assert [hot.route.path for hot in hot_routes(app)] == ["/things/{thing_id}"]
    async with client_for(app) as client:
        assert (await client.get("/things/special")).json() == {"from": "special"}
        assert (await client.get("/things/42")).json() == {"from": "thing", "id": "42"}
        assert (await client.get("/things/static/a.txt")).text == "static"
