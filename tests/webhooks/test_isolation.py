"""Another owner's (or the other mode's) webhook ids are 404 on every webhook route, and
nothing of the owner's changes."""

from __future__ import annotations

import httpx
from standardwebhooks import Webhook as Verifier
from tests.api import error
from tests.conftest import Owner, OwnerFactory
from tests.webhooks.conftest import Receiver, create_webhook, deliveries, send_test

from lowtato.jobs.worker import Worker


async def _snapshot(client: httpx.AsyncClient, owner: Owner, hook: str) -> list[object]:
    return [
        (await client.get("/api/v1/webhooks", headers=owner.headers)).json(),
        (await client.get(f"/api/v1/webhooks/{hook}", headers=owner.headers)).json(),
        await deliveries(client, owner, hook),
    ]


async def test_foreign_ids_are_not_found_everywhere(
    client: httpx.AsyncClient, make_owner: OwnerFactory, receiver: Receiver, worker: Worker
) -> None:
    owner = await make_owner(email="a@example.com")
    same_owner_live = await make_owner(email="a@example.com", livemode=True)
    stranger = await make_owner(email="b@example.com")
    hook = await create_webhook(client, owner, receiver.url, ["post.published"])
    delivery = (await send_test(client, owner, hook["id"]))["id"]
    await worker.run_once()
    before = await _snapshot(client, owner, hook["id"])
    base = f"/api/v1/webhooks/{hook['id']}"
    calls: list[tuple[str, str, object]] = [
        ("GET", base, None),
        ("PUT", base, {"url": "https://evil.example.com/", "is_active": False}),
        ("DELETE", base, None),
        ("DELETE", "/api/v1/webhooks", {"id": hook["id"]}),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery}/redeliver", None),
        ("POST", f"{base}/test", None),
        ("POST", f"{base}/rotate-secret", None),
    ]
    checked = 0
    for caller in (stranger, same_owner_live):
        own = await create_webhook(client, caller, receiver.url + "/own", ["post.failed"])
        # The caller's own webhook id with the owner's delivery id is not a way in either.
        mixed = ("POST", f"/api/v1/webhooks/{own['id']}/deliveries/{delivery}/redeliver", None)
        for method, path, body in [*calls, mixed]:
            response = await client.request(
                method, path, headers=caller.headers, json=body if body is not None else None
            )
            assert response.status_code == 404, (method, path, response.text)
            assert error(response)["code"] == "not_found"
            checked += 1
        listed = (await client.get("/api/v1/webhooks", headers=caller.headers)).json()
        assert [w["id"] for w in listed["webhooks"]] == [own["id"]]
    assert checked == 2 * (len(calls) + 1)

    await worker.run_once()
    assert await _snapshot(client, owner, hook["id"]) == before
    assert len(receiver.received) == 1  # no test event, redelivery or rotation went through
    await send_test(client, owner, hook["id"])
    await worker.run_once()
    latest = receiver.received[-1]
    assert latest.headers["webhook-signature"].count("v1,") == 1  # the secret was not rotated
    Verifier(hook["secret"]).verify(latest.body, latest.headers)
