"""A Bluesky account's own PDS (``service_url``) is a user-supplied host: every call to it —
createSession with the app password, uploads, createRecord — goes through the guarded client,
which checks the address it dials at every connect. A canary listener on 127.0.0.1 proves that a
PDS name later pointed at a private address is never dialled.

The "public internet" is ``FakeInternet``: the public address routes to a TLS front (a
certificate for the PDS name, from a throwaway CA) that forwards to the contract fake PDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, OwnerFactory, client_for, empty_database
from tests.fakes import bluesky as fake
from tests.fakes.fixtures import Fakes
from tests.kit.test_guarded_http import PUBLIC_IP, FakeInternet, StubDNS, make_tls
from tests.webhooks.conftest import Receiver

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.kit.guarded_http import guarded_httpx_client
from lowtato.runtime import build_registry

HANDLE = "dora.test"
PDS_HOST = "pds.example.com"


class TlsFront:
    """TLS on 127.0.0.1, each connection piped to the plain-HTTP fake server."""

    def __init__(self, tls: ssl.SSLContext, upstream: httpx.URL) -> None:
        self.tls = tls
        self.upstream = upstream
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> TlsFront:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = self.upstream.host, self.upstream.port
        assert port is not None
        up_reader, up_writer = await asyncio.open_connection(host, port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(ConnectionError, ssl.SSLError, RuntimeError):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def canary() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.close()


@pytest.fixture
async def guarded_app(app_factory: AppFactory, fakes: Fakes) -> FastAPI:
    """A live app as in production (private addresses refused), Bluesky's default host on
    the fake."""
    app = await app_factory(
        allow_private_urls=False,
        platforms={"bluesky": {"base_url": f"{fakes.url}/bsky"}},
        platform_timeout_seconds=5.0,
    )
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


async def test_plain_http_service_url_is_refused(
    guarded_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    account = fake.seed_account(fakes.state, HANDLE)
    async with client_for(guarded_app) as client:
        response = await client.post(
            "/api/v1/accounts/connect",
            headers=owner.headers,
            json={
                "platform": "bluesky",
                "platform_username": HANDLE,
                "access_token": account.password,
                "service_url": f"http://{PDS_HOST}",
            },
        )
        assert response.status_code == 400, response.text
        body = error(response)
        assert body["code"] == "validation_error"
        assert body["details"][0]["field"] == "service_url"
        assert "https" in body["details"][0]["message"]
        listed = await client.get("/api/v1/accounts", headers=owner.headers)
        assert listed.json()["accounts"] == []
    assert fakes.state.calls_to("bluesky", "POST", "createSession") == []


async def test_pds_name_rebound_to_a_private_address_is_never_dialled(
    guarded_app: FastAPI,
    make_owner: OwnerFactory,
    fakes: Fakes,
    canary: Receiver,
    tmp_path: Path,
    frozen: FrozenClock,
) -> None:
    server_tls, client_tls = make_tls(tmp_path, PDS_HOST)
    owner = await make_owner(livemode=True)
    account = fake.seed_account(fakes.state, HANDLE)
    dns = StubDNS({PDS_HOST: [PUBLIC_IP]})
    # The URL carries the canary's port: a dial that slipped through to 127.0.0.1 lands there.
    service_url = f"https://{PDS_HOST}:{canary.port}/bsky"
    async with TlsFront(server_tls, httpx.URL(fakes.url)) as front:
        registry = guarded_app.state.services.adapters

        async def fresh_client() -> None:
            """The app's guarded client, on the fake DNS and internet, without pooled
            connections (a connection opened while the name was public stays safe to reuse;
            what matters is every new one)."""
            await registry.user_http.aclose()
            registry.user_http = guarded_httpx_client(
                allow_private=False,
                require_https=True,
                timeout=5.0,
                resolver=dns,
                network_backend=FakeInternet(public_port=front.port),
                ssl_context=client_tls,
            )

        await fresh_client()
        worker = Worker(guarded_app.state.db, build_registry(guarded_app.state.services))
        async with client_for(guarded_app) as client:
            connect = {
                "platform": "bluesky",
                "platform_username": HANDLE,
                "access_token": account.password,
                "service_url": service_url,
            }
            connected = await client.post(
                "/api/v1/accounts/connect", headers=owner.headers, json=connect
            )
            assert connected.status_code == 201, connected.text
            assert len(fakes.state.calls_to("bluesky", "POST", "createSession")) == 1

            dns.records[PDS_HOST] = ["127.0.0.1"]
            await fresh_client()
            created = await client.post(
                "/api/v1/posts",
                headers=owner.headers,
                json={
                    "post": {"accountId": connected.json()["id"], "content": {"text": "hi"}},
                    "scheduledTime": iso(frozen.now() + timedelta(seconds=30)),
                },
            )
            assert created.status_code == 201, created.text
            frozen.advance(timedelta(seconds=30))
            await worker.run_once()
            post = (
                await client.get(f"/api/v1/posts/{created.json()['id']}", headers=owner.headers)
            ).json()
            assert post["status"] == "failed", post
            assert post["error_code"] == "service_url_refused"
            assert PDS_HOST in post["error_message"] and "127.0.0.1" in post["error_message"]

            # Reconnecting while the name points inside: the app password is not sent either.
            dns.records[PDS_HOST] = [PUBLIC_IP, "10.0.0.7"]
            again = await client.post(
                "/api/v1/accounts/connect", headers=owner.headers, json=connect
            )
            assert again.status_code == 400, again.text
            assert error(again)["details"][0]["field"] == "service_url"
        await registry.user_http.aclose()
    assert canary.connections == 0
    assert fake.records(fakes.state, account.did) == []
    assert len(fakes.state.calls_to("bluesky", "POST", "createSession")) == 1
