"""SSRF: webhook URLs are refused at registration and, when DNS changes under them, at
delivery time, with a canary listener on 127.0.0.1 proving nothing was dialled (T10, T11)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.webhooks.conftest import Receiver, deliveries, get_webhook, make_worker, send_test

from lowtato.webhooks.delivery import WebhookSender

PUBLIC_IP = "93.184.216.34"
# {p} is the canary's port, so a vector that slipped through would be seen dialling it.
VECTORS = [
    # scheme and shape
    "http://hooks.example.com/hook",  # plain http
    "ftp://hooks.example.com/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{p}/_",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "hooks.example.com/hook",
    "https:///hook",
    "https://hooks example.com/",
    "https://hooks.example.com:0/",
    "https://hooks.example.com:99999/",
    # credentials
    "https://x@127.0.0.1:{p}/",
    "https://user:pass@hooks.example.com/",
    # loopback in every spelling
    "https://127.0.0.1:{p}/",
    "https://127.1:{p}/",
    "https://2130706433:{p}/",
    "https://0177.0.0.1:{p}/",
    "https://0x7f.1:{p}/",
    "https://0x7f000001:{p}/",
    "https://017700000001:{p}/",
    "https://%31%32%37.0.0.1:{p}/",
    "https://[::1]:{p}/",
    "https://[::ffff:127.0.0.1]:{p}/",
    "https://[::ffff:7f00:1]:{p}/",
    "https://localhost:{p}/",
    "https://LOCALHOST./",
    "https://hook.localhost/",
    # private, link-local and metadata
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://100.100.100.200/",
    "https://168.63.129.16/",
    "https://metadata.google.internal/",
    "https://metadata/",
    "https://printer.local/",
    # CGNAT, unspecified, benchmarking, multicast, broadcast, documentation
    "https://100.64.0.1/",
    "https://0.0.0.0:{p}/",
    "https://0:{p}/",
    "https://[::]:{p}/",
    "https://198.18.0.1/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://192.0.2.1/",
    "https://[2001:db8::1]/",
    # IPv6 forms that wrap a private IPv4, and other non-global IPv6
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::]/",
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[fc00::1]/",
    "https://[ff02::1]/",
]


@pytest.fixture
async def guarded(app_factory: AppFactory, make_owner: OwnerFactory) -> tuple[FastAPI, Owner]:
    """An app with LOWTATO_ALLOW_PRIVATE_URLS off, as in production."""
    owner = await make_owner()  # on the shared test database, emptied by the `app` fixture
    app = await app_factory(allow_private_urls=False)
    app.state.url_resolver = StubDNS([PUBLIC_IP])  # registration looks names up; no real DNS
    return app, owner


async def test_registration_matrix(guarded: tuple[FastAPI, Owner], canary: Receiver) -> None:
    app, owner = guarded
    vectors = [v.replace("{p}", str(canary.port)) for v in VECTORS]
    async with client_for(app) as client:
        kept = await client.post(
            "/api/v1/webhooks",
            headers=owner.headers,
            json={"url": "https://hooks.example.com/ok", "events": ["post.published"]},
        )
        assert kept.status_code == 201
        path = f"/api/v1/webhooks/{kept.json()['id']}"
        refused = {"POST": 0, "PUT": 0}
        for url in vectors:
            created = await client.post(
                "/api/v1/webhooks",
                headers=owner.headers,
                json={"url": url, "events": ["post.published"]},
            )
            updated = await client.put(path, headers=owner.headers, json={"url": url})
            for method, response in (("POST", created), ("PUT", updated)):
                assert response.status_code == 400, (method, url, response.text)
                body = error(response)
                assert body["code"] == "validation_error"
                assert body["details"] == [{"field": "url", "message": body["message"]}], url
                assert len(body["message"]) > 20
                refused[method] += 1
        listed = (await client.get("/api/v1/webhooks", headers=owner.headers)).json()["webhooks"]
    print(
        f"\nT10: {len(vectors)} URL forms; refused {refused}; canary connections {canary.connections}"
    )
    assert len(vectors) >= 40 and refused == {"POST": len(vectors), "PUT": len(vectors)}
    assert [w["url"] for w in listed] == ["https://hooks.example.com/ok"]
    assert canary.connections == 0


class StubDNS:
    """A DNS server whose answer the test changes between lookups (TTL 0 rebinding)."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.queries.append(host)
        return list(self.answers)


async def test_dns_that_turns_private_is_refused_at_delivery(
    guarded: tuple[FastAPI, Owner], canary: Receiver
) -> None:
    app, owner = guarded
    dns = StubDNS([PUBLIC_IP])
    app.state.url_resolver = dns
    worker = make_worker(app, WebhookSender(allow_private=False, resolver=dns))
    url = f"https://hooks.example.com:{canary.port}/hook"
    async with client_for(app) as client:
        created = await client.post(
            "/api/v1/webhooks",
            headers=owner.headers,
            json={"url": url, "events": ["post.published"]},
        )
        assert created.status_code == 201  # the name looks public, and resolves to PUBLIC_IP
        hook = created.json()["id"]
        dns.queries.clear()  # registration looked the name up once; count the deliveries' lookups

        refusals = 0
        for answer in (["127.0.0.1"], [PUBLIC_IP, "127.0.0.1"], ["::ffff:127.0.0.1"],
                       ["169.254.169.254"], ["10.0.0.5"]):  # fmt: skip
            dns.answers = answer
            await send_test(client, owner, hook)
            await worker.run_once()
            latest = (await deliveries(client, owner, hook))[0]
            assert latest["status"] == "pending" and latest["response_status"] is None
            assert latest["error"].startswith("refused before connecting: hooks.example.com")
            refusals += 1
        assert (await get_webhook(client, owner, hook))["is_active"] is True
    print(
        f"\nT11: {refusals} deliveries to a rebound name refused; canary connections {canary.connections}"
    )
    assert len(dns.queries) == refusals and canary.connections == 0


async def test_the_canary_would_have_seen_an_allowed_dial(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, canary: Receiver
) -> None:
    """The control for the test above: with private addresses allowed the same delivery does
    reach the canary, so a zero count there means "refused", not "could not connect"."""
    dns = StubDNS(["127.0.0.1"])
    worker = make_worker(app, WebhookSender(allow_private=True, resolver=dns))
    created = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": f"http://hooks.example.com:{canary.port}/hook", "events": ["post.failed"]},
    )
    await send_test(client, owner, created.json()["id"])
    await worker.run_once()
    assert canary.connections == 1 and dns.queries == ["hooks.example.com"]
    assert len(canary.received) == 1


@pytest.mark.parametrize(
    "answers", [["10.0.0.5"], ["127.0.0.1"], [PUBLIC_IP, "169.254.169.254"], ["::1"]]
)
async def test_a_name_resolving_to_a_private_address_is_refused_at_create_and_update(
    guarded: tuple[FastAPI, Owner], answers: list[str]
) -> None:
    app, owner = guarded
    dns = StubDNS([PUBLIC_IP])
    app.state.url_resolver = dns
    async with client_for(app) as client:
        kept = await client.post(
            "/api/v1/webhooks",
            headers=owner.headers,
            json={"url": "https://hooks.example.com/ok", "events": ["post.published"]},
        )
        assert kept.status_code == 201, kept.text
        hook = kept.json()["id"]
        dns.answers = answers
        created = await client.post(
            "/api/v1/webhooks",
            headers=owner.headers,
            json={"url": "https://inside.example.com/hook", "events": ["post.published"]},
        )
        updated = await client.put(
            f"/api/v1/webhooks/{hook}",
            headers=owner.headers,
            json={"url": "https://inside.example.com/hook"},
        )
        for response in (created, updated):
            assert response.status_code == 400, response.text
            body = error(response)
            assert body["code"] == "validation_error"
            assert body["details"] == [{"field": "url", "message": body["message"]}]
            assert "inside.example.com resolves to" in body["message"]
        listed = (await client.get("/api/v1/webhooks", headers=owner.headers)).json()["webhooks"]
    assert [w["url"] for w in listed] == ["https://hooks.example.com/ok"]
    assert "inside.example.com" in dns.queries


async def test_allow_private_urls_skips_the_lookup_at_create(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    dns = StubDNS(["10.0.0.5"])
    app.state.url_resolver = dns
    created = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": "https://inside.example.com/hook", "events": ["post.published"]},
    )
    assert created.status_code == 201 and dns.queries == []
