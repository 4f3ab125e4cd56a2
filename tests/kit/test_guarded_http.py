"""The guarded client against real sockets on 127.0.0.1 (docs/reference/reliability.md T10 canary, T11).

The "public internet" is simulated by `FakeInternet`, a network backend that routes dials to one
public address (PUBLIC_IP) to a local server. Any other non-loopback dial fails the test, so
nothing here can leave the machine; a loopback dial goes to the real socket, where a canary
listener counts it.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lowtato.kit.guarded_http import (
    OutboundRequestError,
    OutboundTimeoutError,
    ResponseTooLargeError,
    UnsafeURLError,
    check_url,
    guarded_client,
    resolve_and_check,
)

PUBLIC_IP = "93.184.216.34"  # globally routable, so the guard lets it through to FakeInternet
READ_CHUNK = 64 * 1024  # the most httpcore reads from a socket at once

Handler = Callable[[str, asyncio.StreamWriter], Awaitable[None]]


class LocalServer:
    """HTTP/1.1 on 127.0.0.1: counts connections, keeps request heads, one request each."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, tls: ssl.SSLContext | None = None) -> LocalServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.requests.append(head)
            # Read the body too: closing with unread input makes the kernel send a reset.
            length = re.search(r"(?im)^content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            await self.handler(head.split(" ", 2)[1], writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client hung up, which several tests make it do on purpose
        finally:
            writer.close()
            self._tasks.discard(task)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


async def respond(
    writer: asyncio.StreamWriter,
    status: str = "200 OK",
    body: bytes = b"ok",
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()


async def answer_ok(path: str, writer: asyncio.StreamWriter) -> None:
    await respond(writer, body=f"ok {path}".encode())


class FakeInternet(httpcore.AsyncNetworkBackend):
    """Dials PUBLIC_IP as 127.0.0.1:<public_port>; loopback dials go through untouched."""

    def __init__(self, public_port: int) -> None:
        self.public_port = public_port
        self.dials: list[str] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dials.append(host)
        if host == PUBLIC_IP:
            host, port = "127.0.0.1", self.public_port
        elif not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"the test tried to reach {host} on the real network")
        return await self._real.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


class StubDNS:
    """Answers from a dict the test can change between lookups, like a rebinding DNS server."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.queries: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.queries.append(host)
        return list(self.records[host])


Serve = Callable[..., Awaitable[LocalServer]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[LocalServer] = []

    async def start(handler: Handler = answer_ok, tls: ssl.SSLContext | None = None) -> LocalServer:
        server = await LocalServer(handler).start(tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def canary(serve: Serve) -> LocalServer:
    return await serve()


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "http://127.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "https://x@127.0.0.1:{port}/",
    ],
)
async def test_refused_url_never_reaches_the_canary(canary: LocalServer, template: str) -> None:
    async with guarded_client() as client:
        with pytest.raises(UnsafeURLError):
            await client.post(template.format(port=canary.port), content=b"{}")
    assert canary.connections == 0


async def test_dns_rebinding_is_refused_at_connect_time(canary: LocalServer) -> None:
    url = f"http://hooks.example.com:{canary.port}/hook"
    dns = StubDNS({"hooks.example.com": [PUBLIC_IP]})
    # Registration: the URL and its current DNS answer both look public.
    check_url(url)
    assert await resolve_and_check(
        "hooks.example.com", canary.port, allow_private=False, resolver=dns
    ) == [PUBLIC_IP]
    # Delivery: the record now points at loopback (TTL 0).
    dns.records["hooks.example.com"] = ["127.0.0.1"]
    async with guarded_client(resolver=dns) as client:
        with pytest.raises(UnsafeURLError, match=r"resolves to 127\.0\.0\.1"):
            await client.post(url, content=b"{}")
    assert dns.queries == ["hooks.example.com", "hooks.example.com"]
    assert canary.connections == 0


async def test_mixed_dns_answer_dials_nothing(canary: LocalServer) -> None:
    dns = StubDNS({"hooks.example.com": [PUBLIC_IP, "127.0.0.1"]})
    internet = FakeInternet(public_port=canary.port)
    async with guarded_client(resolver=dns, network_backend=internet) as client:
        with pytest.raises(UnsafeURLError):
            await client.get(f"http://hooks.example.com:{canary.port}/")
    # Not even the public answer is dialled: one bad record condemns the name.
    assert internet.dials == []
    assert canary.connections == 0


async def test_allow_private_does_connect(canary: LocalServer) -> None:
    # The control for the tests above: the same requests do reach the canary when allowed,
    # so a zero count there means "refused", not "the test could not connect anyway".
    dns = StubDNS({"hooks.example.com": ["127.0.0.1"]})
    async with guarded_client(allow_private=True, resolver=dns) as client:
        by_name = await client.post(f"http://hooks.example.com:{canary.port}/a", content=b"{}")
        by_spelling = await client.get(f"http://0x7f.1:{canary.port}/b")
    assert (by_name.status_code, by_name.text) == (200, "ok /a")
    assert (by_spelling.status_code, by_spelling.text) == (200, "ok /b")
    assert canary.connections == 2


async def test_rebinding_across_many_deliveries(serve: Serve, canary: LocalServer) -> None:
    receiver = await serve()
    internet = FakeInternet(public_port=receiver.port)
    lookups = 0

    async def flapping_dns(host: str) -> list[str]:
        nonlocal lookups
        lookups += 1
        return [PUBLIC_IP] if lookups % 2 else ["127.0.0.1"]

    delivered = refused = 0
    async with guarded_client(resolver=flapping_dns, network_backend=internet) as client:
        for _ in range(100):
            try:
                response = await client.post(
                    f"http://hooks.example.com:{canary.port}/hook", content=b"{}"
                )
            except UnsafeURLError:
                refused += 1
            else:
                delivered += response.status_code == 200
    assert (delivered, refused) == (50, 50)
    assert set(internet.dials) == {PUBLIC_IP}
    assert canary.connections == 0


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{canary}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.example.com:{canary}/",
        "http://0x7f.1:{canary}/",
        "http://[::ffff:127.0.0.1]:{canary}/",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_private_target_is_refused(
    serve: Serve, canary: LocalServer, location: str
) -> None:
    target = location.format(canary=canary.port)

    async def redirect(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, "302 Found", b"", [("Location", target)])

    public = await serve(redirect)
    internet = FakeInternet(public_port=public.port)
    dns = StubDNS({"public.example": [PUBLIC_IP], "internal.example.com": ["127.0.0.1"]})
    async with guarded_client(resolver=dns, network_backend=internet) as client:
        with pytest.raises(UnsafeURLError, match="redirected to"):
            await client.get(f"http://public.example:{public.port}/start")
    assert internet.dials == [PUBLIC_IP]
    assert len(public.requests) == 1
    assert canary.connections == 0


async def test_webhook_mode_returns_the_redirect_unfollowed(
    serve: Serve, canary: LocalServer
) -> None:
    async def redirect(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(
            writer, "302 Found", b"moved", [("Location", f"http://127.0.0.1:{canary.port}/")]
        )

    public = await serve(redirect)
    dns = StubDNS({"public.example": [PUBLIC_IP]})
    async with guarded_client(
        resolver=dns, network_backend=FakeInternet(public_port=public.port)
    ) as client:
        response = await client.post(
            f"http://public.example:{public.port}/hook", content=b"{}", follow_redirects=False
        )
    assert (response.status_code, response.content, response.history) == (302, b"moved", [])
    assert canary.connections == 0


async def test_unparseable_location_is_an_error_not_a_hop(
    serve: Serve, canary: LocalServer
) -> None:
    async def garbled(path: str, writer: asyncio.StreamWriter) -> None:
        location = f"http://0177.0.0.1:{canary.port}/"  # httpx refuses to parse this spelling
        await respond(writer, "302 Found", b"", [("Location", location)])

    server = await serve(garbled)
    async with guarded_client(allow_private=True) as client:
        with pytest.raises(OutboundRequestError, match="location header"):
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert canary.connections == 0


async def test_public_redirects_are_followed_and_rechecked(serve: Serve) -> None:
    decimal = int(ipaddress.IPv4Address(PUBLIC_IP))

    async def hops(path: str, writer: asyncio.StreamWriter) -> None:
        if path == "/start":
            await respond(writer, "301 Moved", b"", [("Location", "http://cdn.example.com/next")])
        elif path == "/next":
            # A legacy spelling of the public address: followed, but to the canonical address.
            await respond(writer, "302 Found", b"", [("Location", f"http://{decimal}/last")])
        else:
            await answer_ok(path, writer)

    public = await serve(hops)
    internet = FakeInternet(public_port=public.port)
    dns = StubDNS({"public.example": [PUBLIC_IP], "cdn.example.com": [PUBLIC_IP]})
    async with guarded_client(resolver=dns, network_backend=internet) as client:
        response = await client.get("http://public.example/start")
    assert (response.status_code, response.text) == (200, "ok /last")
    assert [r.status_code for r in response.history] == [301, 302]
    assert str(response.url) == f"http://{PUBLIC_IP}/last"
    assert f"host: {PUBLIC_IP}" in public.requests[-1].lower()
    assert dns.queries == ["public.example", "cdn.example.com"]


async def test_redirect_hops_are_capped(serve: Serve) -> None:
    async def endless(path: str, writer: asyncio.StreamWriter) -> None:
        hop = int(path.rsplit("/", 1)[1])
        if path.startswith("/chain/") and hop == 3:
            await answer_ok(path, writer)
        else:
            next_path = path.rsplit("/", 1)[0] + f"/{hop + 1}"
            await respond(writer, "307 Temporary Redirect", b"", [("Location", next_path)])

    server = await serve(endless)
    async with guarded_client(allow_private=True, max_redirects=3) as client:
        ok = await client.get(f"http://127.0.0.1:{server.port}/chain/0")
        assert (ok.text, len(ok.history)) == ("ok /chain/3", 3)
        server.requests.clear()
        with pytest.raises(OutboundRequestError, match="more than 3 times"):
            await client.get(f"http://127.0.0.1:{server.port}/loop/0")
    assert len(server.requests) == 4


async def test_streamed_body_is_cut_at_the_cap(serve: Serve) -> None:
    async def firehose(path: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        chunk = b"x" * READ_CHUNK
        for _ in range(50 * 1024 * 1024 // READ_CHUNK):  # 50 MB unless the client hangs up
            writer.write(chunk)
            await writer.drain()

    server = await serve(firehose)
    cap = 256 * 1024
    async with guarded_client(allow_private=True, max_response_bytes=cap) as client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert caught.value.limit == cap
    assert cap < caught.value.received <= cap + READ_CHUNK


async def test_declared_length_over_the_cap_is_refused_unread(serve: Serve) -> None:
    async def huge(path: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(10)

    server = await serve(huge)
    async with guarded_client(allow_private=True, max_response_bytes=1024) as client:
        with pytest.raises(ResponseTooLargeError, match="announces") as caught:
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert caught.value.received == 0


async def test_body_at_the_cap_is_returned_whole(serve: Serve) -> None:
    async def exact(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, body=b"y" * 4096)

    server = await serve(exact)
    async with guarded_client(allow_private=True, max_response_bytes=4096) as client:
        response = await client.get(f"http://127.0.0.1:{server.port}/")
    assert response.content == b"y" * 4096


async def test_compression_bomb_is_cut_at_the_cap(serve: Serve) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))  # 20 MB that travels as ~20 KB

    async def send_bomb(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, body=bomb, headers=[("Content-Encoding", "gzip")])

    server = await serve(send_bomb)
    async with guarded_client(allow_private=True, max_response_bytes=1024 * 1024) as client:
        with pytest.raises(ResponseTooLargeError, match="decompresses") as caught:
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert caught.value.received <= len(bomb)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        # Raw deflate without the zlib wrapper, as some servers send it.
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
    ],
)
async def test_encoded_body_is_decoded(
    serve: Serve, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    payload = b'{"items": ["a", "b"]}' * 100

    async def compressed(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, body=encode(payload), headers=[("Content-Encoding", encoding)])

    server = await serve(compressed)
    async with guarded_client(allow_private=True) as client:
        response = await client.get(f"http://127.0.0.1:{server.port}/")
    assert response.content == payload
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(payload))
    assert "accept-encoding: gzip, deflate" in server.requests[0].lower()


async def test_unrequested_encoding_is_refused(serve: Serve) -> None:
    async def brotli(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, body=b"\x0b\x02\x80ok\x03", headers=[("Content-Encoding", "br")])

    server = await serve(brotli)
    async with guarded_client(allow_private=True) as client:
        with pytest.raises(OutboundRequestError, match="'br'"):
            await client.get(f"http://127.0.0.1:{server.port}/")


async def test_silent_server_times_out_within_the_cap(serve: Serve) -> None:
    async def silent(path: str, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    server = await serve(silent)
    started = time.monotonic()
    async with guarded_client(allow_private=True, timeout=0.3) as client:
        with pytest.raises(OutboundTimeoutError, match=r"within 0\.3 s"):
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert 0.25 <= time.monotonic() - started < 1.0


async def test_drip_fed_body_hits_the_total_cap(serve: Serve) -> None:
    # Each byte arrives well inside the per-read timeout; only the overall cap can stop this.
    async def drip(path: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            writer.write(b".")
            await writer.drain()
            await asyncio.sleep(0.02)

    server = await serve(drip)
    started = time.monotonic()
    async with guarded_client(allow_private=True, timeout=0.4) as client:
        with pytest.raises(OutboundTimeoutError):
            await client.get(f"http://127.0.0.1:{server.port}/")
    assert 0.35 <= time.monotonic() - started < 1.0


async def test_connection_refused_is_reported_readably() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with guarded_client(allow_private=True) as client:
        with pytest.raises(
            OutboundRequestError, match=f"could not connect to http://127.0.0.1:{port}"
        ):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_cookies_never_carry_over_between_requests(serve: Serve) -> None:
    async def sets_cookie(path: str, writer: asyncio.StreamWriter) -> None:
        await respond(writer, headers=[("Set-Cookie", "session=secret; Path=/")])

    server = await serve(sets_cookie)
    async with guarded_client(allow_private=True) as client:
        await client.get(f"http://127.0.0.1:{server.port}/first")
        await client.get(f"http://127.0.0.1:{server.port}/second")
    assert all("cookie:" not in head.lower() for head in server.requests)


def make_tls(tmp_path: Path, hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a certificate for `hostname`: (server context, client context)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lowtato test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    )
    return server, client


async def test_tls_verifies_the_hostname_while_dialling_the_checked_ip(
    serve: Serve, tmp_path: Path
) -> None:
    server_tls, client_tls = make_tls(tmp_path, "public.example")
    sni: list[str | None] = []
    server_tls.sni_callback = lambda _conn, name, _ctx: sni.append(name)
    server = await serve(tls=server_tls)
    internet = FakeInternet(public_port=server.port)
    dns = StubDNS({"public.example": [PUBLIC_IP], "other.example": [PUBLIC_IP]})
    async with guarded_client(
        resolver=dns, network_backend=internet, ssl_context=client_tls, require_https=True
    ) as client:
        response = await client.get("https://public.example/feed")
        assert (response.status_code, response.text) == (200, "ok /feed")
        # Same IP, but the certificate does not name this host: verification must fail.
        with pytest.raises(OutboundRequestError, match="could not connect"):
            await client.get("https://other.example/feed")
    assert internet.dials == [PUBLIC_IP, PUBLIC_IP]
    assert sni == ["public.example", "other.example"]
