"""Dashboard security over plain HTTP: CSRF, owners kept apart by URL, cookie flags, sign-in
throttling, session expiry and sign-out."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.dashboard.helpers import (
    PASSWORD,
    csrf_of,
    dashboard_routes,
    give_password,
    sandbox_account,
)

from lowtato.kit import clock


async def _key_names(client: httpx.AsyncClient) -> str:
    return (await client.get("/settings")).text


async def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    signed_in: tuple[httpx.AsyncClient, str],
) -> None:
    client, csrf = signed_in
    for data in ({"name": "sneaky"}, {"name": "sneaky", "csrf": "not-the-token"}):
        answer = await client.post("/settings/keys", data=data)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "forbidden"
    assert "sneaky" not in await _key_names(client)
    made = await client.post("/settings/keys", data={"name": "honest", "csrf": csrf})
    assert made.status_code == 200 and "shown only once" in made.text
    assert "honest" in await _key_names(client)


async def test_the_upload_refuses_a_session_without_the_csrf_header_and_any_api_key(
    signed_in: tuple[httpx.AsyncClient, str], owner: Owner, app: FastAPI
) -> None:
    client, _ = signed_in
    files = {"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}
    assert (await client.post("/api/upload", files=files)).status_code == 403
    async with client_for(app) as agent:
        refused = await agent.post("/api/upload", files=files, headers=owner.headers)
    assert refused.status_code == 401


async def test_another_owners_objects_are_unreachable_by_url(
    app: FastAPI, make_owner: OwnerFactory, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = signed_in
    other = await make_owner()
    api = client_for(app)
    account = await sandbox_account(app, other.user_id, "bluesky")
    later = (clock.now() + timedelta(days=2)).isoformat()
    post = await api.post(
        "/api/v1/posts",
        headers=other.headers,
        json={"content": "theirs", "account_id": account, "scheduled_at": later},
    )
    assert post.status_code == 201, post.text
    hook = await api.post(
        "/api/v1/webhooks",
        headers=other.headers,
        json={"url": "https://hooks.example.com/x", "events": ["post.published"]},
    )
    assert hook.status_code == 201, hook.text
    post_id, hook_id = post.json()["id"], hook.json()["id"]
    attempts = {
        f"/settings/keys/{other.key_id}/revoke": {},
        f"/webhooks/{hook_id}/rotate": {},
        f"/accounts/{account}/disconnect": {},
        f"/posts/{post_id}/cancel": {},
        f"/posts/{post_id}/reschedule": {"scheduled_time": "2030-01-01T10:00"},
    }
    for url, extra in attempts.items():
        answer = await client.post(url, data={"csrf": csrf, **extra})
        assert answer.status_code == 303, url
        assert "error=" in answer.headers["location"], url
        assert "error=No+" in answer.headers["location"], url  # "No post with id …"
    for page in ("/settings", "/accounts", "/posts", "/webhooks"):
        shown = (await client.get(page)).text
        for theirs in (other.key_id, account, post_id, hook_id, "theirs"):
            assert theirs not in shown, (page, theirs)
    # Nothing of theirs changed: the key works, the post is still scheduled when it was.
    still = await api.get(f"/api/v1/posts/{post_id}", headers=other.headers)
    assert still.status_code == 200
    assert still.json()["status"] == "scheduled"
    listed = await api.get("/api/v1/accounts", headers=other.headers)
    assert [a["id"] for a in listed.json()["accounts"]] == [account]
    await api.aclose()


async def test_session_cookie_is_httponly_lax_and_secure_on_https(
    app_factory: AppFactory, owner: Owner, app: FastAPI
) -> None:
    await give_password(app, owner.email)
    for public_url, secure in (("http://testserver", False), ("https://lowtato.example", True)):
        served = await app_factory(public_url=public_url)
        # A browser sends a Secure cookie back only over https.
        transport = httpx.ASGITransport(app=served)
        async with httpx.AsyncClient(transport=transport, base_url=public_url) as client:
            form = await client.get("/signin")
            answer = await client.post(
                "/signin",
                data={"email": owner.email, "password": PASSWORD, "csrf": csrf_of(form.text)},
            )
        cookie = next(
            v for v in answer.headers.get_list("set-cookie") if v.startswith("lowtato_session=")
        ).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("; secure" in cookie) is secure


async def test_sign_in_is_throttled_per_email_and_a_wrong_password_says_nothing_more(
    app_factory: AppFactory, owner: Owner, app: FastAPI
) -> None:
    await give_password(app, owner.email)
    served = await app_factory(dashboard_signin_limit=3)
    await served.state.limiter.reset()
    async with client_for(served) as client:
        statuses = []
        for _ in range(4):
            form = await client.get("/signin")
            answer = await client.post(
                "/signin",
                data={
                    "email": owner.email,
                    "password": "wrong password",
                    "csrf": csrf_of(form.text),
                },
            )
            statuses.append(answer.status_code)
        assert statuses == [401, 401, 401, 429]
        assert "Wrong email or password." not in answer.text and "Retry after" in answer.text
        # Even the right password waits for the window now.
        form = await client.get("/signin")
        blocked = await client.post(
            "/signin", data={"email": owner.email, "password": PASSWORD, "csrf": csrf_of(form.text)}
        )
        assert blocked.status_code == 429
        assert "lowtato_session" not in blocked.headers.get("set-cookie", "")


async def test_sign_in_without_the_forms_token_is_refused(app: FastAPI, owner: Owner) -> None:
    await give_password(app, owner.email)
    async with client_for(app) as client:
        answer = await client.post("/signin", data={"email": owner.email, "password": PASSWORD})
    assert answer.status_code == 403
    assert "lowtato_session" not in answer.headers.get("set-cookie", "")


async def test_sign_out_ends_the_session_on_the_server(
    signed_in: tuple[httpx.AsyncClient, str],
) -> None:
    client, csrf = signed_in
    stolen = client.cookies["lowtato_session"]
    answer = await client.post("/signout", data={"csrf": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    client.cookies.set("lowtato_session", stolen)  # a copy of the cookie made before
    page = await client.get("/settings")
    assert page.status_code == 303 and page.headers["location"] == "/signin"


async def test_a_session_expires(signed_in: tuple[httpx.AsyncClient, str]) -> None:
    client, _ = signed_in
    assert (await client.get("/settings")).status_code == 200
    with clock.use_clock(clock.FrozenClock(clock.now() + timedelta(hours=11, minutes=59))):
        assert (await client.get("/settings")).status_code == 200
    with clock.use_clock(clock.FrozenClock(clock.now() + timedelta(hours=12, seconds=1))):
        page = await client.get("/settings")
    assert page.status_code == 303 and page.headers["location"] == "/signin"


# The sign-in forms themselves and the pages' stylesheet and script.
OPEN = {
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/signin/link"),
    ("POST", "/signin/link"),
    ("POST", "/signup"),
    ("GET", "/dashboard-static/{name}"),
}


async def test_every_dashboard_route_needs_a_session_and_takes_no_api_key(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    routes = dashboard_routes()
    assert routes >= OPEN
    for method, path in sorted(routes - OPEN):
        url = re.sub(r"\{[^}]+\}", "x1", path)
        answer = await client.request(method, url, headers=owner.headers, data={"csrf": "x"})
        if method == "GET":
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"] == "/signin", (method, path)
        else:
            assert answer.status_code == 401, (method, path)
