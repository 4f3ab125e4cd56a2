"""URL and address checks for user-supplied URLs: the T10 registration matrix, without network."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from lowtato.kit.netguard import (
    OutboundRequestError,
    UnsafeURLError,
    blocked_reason,
    check_url,
    resolve_and_check,
)

# Every form here must be refused by check_url with default settings. Grouped as in
# docs/reference/reliability.md T10; each line is one vector.
REJECTED: list[str] = [
    # loopback, v4 and v6
    "http://127.0.0.1/",
    "https://127.0.0.1:8443/hook",
    "http://127.255.255.254/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]:8080/",
    # RFC 1918
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.0.1/",
    "http://192.168.1.254/admin",
    # cloud metadata services
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/machine",
    "http://metadata.google.internal/computeMetadata/v1/",
    # CGNAT, unspecified, benchmarking, multicast, broadcast, reserved, documentation
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://198.18.0.1/",
    "http://198.19.255.254/",
    "http://224.0.0.1/",
    "http://239.255.255.250:1900/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.2.1/",
    "http://198.51.100.7/",
    "http://203.0.113.9/",
    "http://[2001:db8::1]/",
    # other non-global IPv6
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",
    "http://[100::1]/",
    "http://[::7f00:1]/",
    # IPv6 forms wrapping a private IPv4 address
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[2002:7f00:1::]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    # legacy IPv4 spellings of private addresses
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0x7F.0.0.1/",
    "http://0xa9fea9fe/",
    "http://3232235777/",
    "http://127.0.0.1./",
    # numeric hosts that are not valid addresses
    "http://1.2.3.4.5/",
    "http://256.1.1.1/",
    "http://09/",
    # local-only names
    "http://localhost/",
    "http://LOCALHOST:8000/",
    "http://localhost./",
    "http://foo.localhost/",
    "http://printer.local/",
    "http://router.home.arpa/",
    "http://intranet/",
    # credentials in the URL
    "https://x@127.0.0.1/",
    "https://user:pass@example.com/",
    "https://@example.com/",
    "https://example.com:443@127.0.0.1/",
    # schemes other than http(s), or none
    "ftp://example.com/file",
    "file:///etc/passwd",
    "gopher://example.com:70/_GET",
    "dict://example.com:11211/stat",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "ws://example.com/socket",
    "//example.com/hook",
    "example.com/hook",
    # no host
    "http:///path",
    "http://:80/",
    # IPv6 zone ids
    "http://[fe80::1%25eth0]/",
    "http://[2606:4700:4700::1111%251]/",
    # bad ports
    "http://example.com:0/",
    "http://example.com:65536/",
    "http://example.com:99999/",
    "http://example.com:-1/",
    "http://example.com:http/",
    "http://example.com:8080:80/",
    # characters parsers disagree on
    "http://%31%32%37.0.0.1/",
    "http://127%2e0%2e0%2e1/",
    "http://a..b.example.com/",
    "http://example.com\\@127.0.0.1/",
    "http://exa mple.com/",
    "http://example.com/\r\nHost: 127.0.0.1",
    "http://[::1/",
]

ACCEPTED: list[str] = [
    "https://example.com/",
    "https://hooks.example.com:8443/lowtato?token=abc#frag",
    "http://example.com/feed.xml",
    "HTTPS://EXAMPLE.COM/Path",
    "https://example.com./",
    "https://8.8.8.8/",
    "https://1.1.1.1:443/",
    "https://[2606:4700:4700::1111]/",
    "https://[::ffff:8.8.8.8]/",
    "https://[64:ff9b::808:808]/",
    "https://[2002:808:808::]/",
    "https://bücher.example/katalog",
    "https://xn--bcher-kva.example/",
    "https://cdn.example.com/media/a%20b.png?x=1&y=2",
    "https://localhost.example.com/",
    "https://example.com:65535/",
    "https://example.com:1/",
]


def test_the_matrix_has_at_least_45_vectors() -> None:
    assert len(REJECTED) >= 45
    assert len(set(REJECTED)) == len(REJECTED)


@pytest.mark.parametrize("url", REJECTED)
def test_rejects_unsafe_url(url: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url(url)
    # The reason goes back to the user as a 400 message; it must say what to do.
    assert caught.value.reason
    assert str(caught.value) == caught.value.reason
    assert any(word in caught.value.reason for word in ("use", "remove", "not allowed"))


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepts_public_url(url: str) -> None:
    checked = check_url(url)
    assert isinstance(checked, httpx.URL)
    assert checked.scheme in ("http", "https")


@pytest.mark.parametrize(
    ("url", "real_address"),
    [
        ("http://2130706433/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://0xa9fea9fe/", "169.254.169.254"),
        ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
        ("http://[2002:a9fe:a9fe::]/", "169.254.169.254"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "127.0.0.1"),
    ],
)
def test_reason_names_the_address_the_spelling_denotes(url: str, real_address: str) -> None:
    with pytest.raises(UnsafeURLError, match=real_address.replace(".", r"\.")):
        check_url(url)


def test_legacy_ipv4_spelling_of_a_public_address_is_canonicalised() -> None:
    decimal = int(ipaddress.IPv4Address("8.8.8.8"))
    checked = check_url(f"https://{decimal}:8443/a/b?c=d")
    assert str(checked) == "https://8.8.8.8:8443/a/b?c=d"


def test_require_https_refuses_plain_http() -> None:
    with pytest.raises(UnsafeURLError, match="https://"):
        check_url("http://example.com/hook", require_https=True)
    assert check_url("https://example.com/hook", require_https=True).scheme == "https"
    # Local test receivers speak plain http, so allow_private lifts the https requirement.
    assert check_url("http://127.0.0.1:9/", allow_private=True, require_https=True).port == 9


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost:8000/",
        "http://10.0.0.5/",
        "http://[::1]:9/",
        "http://intranet/",
        "http://169.254.169.254/",
    ],
)
def test_allow_private_skips_only_the_address_checks(url: str) -> None:
    assert check_url(url, allow_private=True).scheme == "http"


@pytest.mark.parametrize(
    "url",
    [
        "https://x@127.0.0.1/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "http://[fe80::1%25eth0]/",
        "http://127.0.0.1:0/",
        "http://1.2.3.4.5/",
        "http://127.0.0.1\\@example.com/",
    ],
)
def test_allow_private_keeps_the_syntax_checks(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url, allow_private=True)


def test_allow_private_still_canonicalises_legacy_spellings() -> None:
    assert check_url("http://0x7f.1:8080/", allow_private=True).host == "127.0.0.1"


def test_unsafe_url_error_is_a_value_error() -> None:
    # Pydantic validators turn ValueError into a 400 validation_error.
    with pytest.raises(ValueError, match="loopback"):
        check_url("http://127.0.0.1/")


@pytest.mark.parametrize(
    "address",
    # ipaddress.is_global is True for all of these on CPython 3.11; each must still be refused.
    ["224.0.0.1", "168.63.129.16", "fec0::1", "::7f00:1", "3fff::1", "64:ff9b:1::1", "ff0e::1"],
)
def test_blocked_reason_covers_is_global_gaps(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:1.1.1.1", "64:ff9b::808:808"],
)
def test_blocked_reason_passes_public_unicast(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_zone_ids_are_refused_even_on_global_addresses() -> None:
    reason = blocked_reason(ipaddress.IPv6Address("2606:4700:4700::1111%eth0"))
    assert reason is not None
    assert "zone id" in reason


class StubDNS:
    """Answers from a dict the test can change between lookups, like a rebinding DNS server."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.queries: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.queries.append(host)
        return list(self.records.get(host, []))


async def test_resolve_returns_distinct_public_addresses() -> None:
    dns = StubDNS({"hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1", "93.184.216.34"]})
    addresses = await resolve_and_check("hooks.example.com", 443, allow_private=False, resolver=dns)
    assert addresses == ["93.184.216.34", "2606:2800:220:1::1"]


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["93.184.216.34", "127.0.0.1"],
        ["10.0.0.1", "93.184.216.34"],
        ["93.184.216.34", "::ffff:169.254.169.254"],
        ["93.184.216.34", "fd00:ec2::254"],
    ],
)
async def test_resolve_refuses_if_any_answer_is_not_public(answers: list[str]) -> None:
    dns = StubDNS({"rebind.example.com": answers})
    with pytest.raises(UnsafeURLError, match=r"rebind\.example\.com resolves to"):
        await resolve_and_check("rebind.example.com", 443, allow_private=False, resolver=dns)


async def test_resolve_with_allow_private_returns_private_answers() -> None:
    dns = StubDNS({"box.lan": ["192.168.1.10"]})
    assert await resolve_and_check("box.lan", 80, allow_private=True, resolver=dns) == [
        "192.168.1.10"
    ]


async def test_resolve_does_not_ask_dns_about_ip_literals() -> None:
    dns = StubDNS({})
    assert await resolve_and_check("8.8.8.8", 443, allow_private=False, resolver=dns) == ["8.8.8.8"]
    with pytest.raises(UnsafeURLError):
        await resolve_and_check("[::1]", 443, allow_private=False, resolver=dns)
    assert dns.queries == []


async def test_resolve_reports_names_without_addresses() -> None:
    with pytest.raises(OutboundRequestError, match="did not resolve"):
        await resolve_and_check("gone.example.com", 443, allow_private=False, resolver=StubDNS({}))


async def test_resolve_refuses_answers_that_are_not_addresses() -> None:
    dns = StubDNS({"odd.example.com": ["not-an-address"]})
    with pytest.raises(UnsafeURLError, match="not an IP address"):
        await resolve_and_check("odd.example.com", 443, allow_private=False, resolver=dns)


async def test_system_resolver_answers_are_classified_too() -> None:
    # getaddrinfo reads a dotless decimal as 127.0.0.1 (inet_aton rules) without asking DNS,
    # so this exercises the default resolver path with no network.
    with pytest.raises(UnsafeURLError, match=r"127\.0\.0\.1"):
        await resolve_and_check("2130706433", 80, allow_private=False)
