"""Decide whether a user-supplied URL, or an address its host resolves to, may be dialled.

`check_url` judges the URL text; `resolve_and_check` judges DNS answers and is what
`lowtato.kit.guarded_http` runs at connect time, on the very addresses it then dials.

`check_url` accepts only `http`/`https` URLs without credentials, with a host and a port in
1-65535, and — unless private targets are allowed — refuses local-only host names and every
IP literal that is not a public unicast address. IP literals are judged by the address they
actually denote: the legacy IPv4 spellings that `inet_aton` and browsers accept (`2130706433`,
`0177.0.0.1`, `0x7f.1`, `127.1`) are parsed with the WHATWG URL rules, and IPv6 forms that embed
an IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo) are unwrapped.

`blocked_reason` classifies one address. It does not trust `ipaddress.is_global` alone: CPython
3.11 calls multicast, `fec0::/10`, `::7f00:1`, `3fff::/20`, the NAT64 and 6to4 wrappers of
169.254.169.254 and the Azure WireServer address "global". An explicit table comes first (it also
names the range in the error); `is_global` and friends are the fallback for ranges added to the
registries later.

The exception classes raised here are the root of the tree drawn in `lowtato.kit.guarded_http`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Final, TypeAlias

import httpx

__all__ = [
    "IPAddress",
    "OutboundError",
    "OutboundRequestError",
    "Resolver",
    "UnsafeURLError",
    "blocked_reason",
    "check_url",
    "resolve_and_check",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """Base of every error raised for an outbound request to a user-supplied URL.

    `reason` is a complete sentence fit to show to the user who supplied the URL.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsafeURLError(OutboundError, ValueError):
    """The URL, a redirect target or an address its host resolves to is not allowed.

    Raised before any connection to the refused target is attempted. It is a `ValueError` so
    that input validation (pydantic validators, form parsing) treats it as bad input.
    """


class OutboundRequestError(OutboundError):
    """The request was allowed but produced no usable response (DNS, connect, TLS, HTTP)."""


Resolver: TypeAlias = Callable[[str], Awaitable[list[str]]]
"""An async `(host) -> addresses` lookup; tests inject one to play a rebinding DNS server."""


_PUBLIC_HINT: Final = "use a URL whose host is a public internet address"

# Checked in order; the first match names the range in the error message. Broadcast sits before
# the reserved 240/4 block that contains it so the message says "broadcast".
_IPV4_BLOCKED: Final = tuple(
    (ipaddress.IPv4Network(network), label)
    for network, label in (
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private-network address (RFC 1918)"),
        (
            "100.64.0.0/10",
            "a carrier-grade NAT address (RFC 6598), where some clouds serve instance metadata",
        ),
        ("127.0.0.0/8", "a loopback address"),
        ("168.63.129.16/32", "the Azure platform (WireServer) address"),
        (
            "169.254.0.0/16",
            "a link-local address, where cloud metadata services such as 169.254.169.254 live",
        ),
        ("172.16.0.0/12", "a private-network address (RFC 1918)"),
        ("192.0.0.0/24", "an IETF protocol-assignment address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a deprecated 6to4 relay address"),
        ("192.168.0.0/16", "a private-network address (RFC 1918)"),
        ("198.18.0.0/15", "a benchmarking address (RFC 2544)"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
    )
)

# Consulted only after the forms that embed an IPv4 address have been unwrapped: those all live
# inside ::/8 or 2001::/23, which are refused wholesale here.
_IPV6_BLOCKED: Final = tuple(
    (ipaddress.IPv6Network(network), label)
    for network, label in (
        ("::/128", "the unspecified address"),
        ("::1/128", "the loopback address"),
        ("::/8", "a reserved address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address (RFC 8215)"),
        ("100::/64", "a discard-only address"),
        ("2001::/23", "an IETF protocol-assignment address"),
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        (
            "fc00::/7",
            "a unique-local address, where services such as the AWS metadata endpoint "
            "fd00:ec2::254 live",
        ),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a deprecated site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)

_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")

# RFC 6761 `localhost`, RFC 6762 mDNS `.local`, ICANN's private-use `.internal`, RFC 8375
# `home.arpa`, and the `localdomain` alias most /etc/hosts files carry.
_LOCAL_NAMES: Final = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "home.arpa"}
)
_LOCAL_SUFFIXES: Final = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")

# Whitespace, control characters and backslashes are where URL parsers disagree (WHATWG reads
# `\` as `/`, RFC 3986 parsers keep it in the authority), so a URL containing them is refused
# rather than guessed at.
_FORBIDDEN_CHARACTERS: Final = re.compile(r"[\x00-\x20\x7f\\]")
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_ASCII_DIGITS: Final = re.compile(r"[0-9]+")
_NUMBER_LABEL: Final = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
_DIGITS_FOR_BASE: Final = {
    8: frozenset("01234567"),
    10: frozenset("0123456789"),
    16: frozenset("0123456789abcdefABCDEF"),
}


def blocked_reason(address: IPAddress) -> str | None:
    """Say why `address` must not be dialled, or return None for a public unicast address.

    The reason is a noun phrase ("a loopback address", "the NAT64 form of 169.254.169.254, a
    link-local address, ...") meant to be embedded in a sentence.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "an address with an IPv6 zone id, which only means something on one machine"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind, inner = embedded
            inner_reason = blocked_reason(inner)
            if kind == "Teredo":
                # Teredo tunnels through a relay to a client behind NAT; nothing we deliver to
                # legitimately lives there, whatever the embedded client address is.
                detail = f", {inner_reason}" if inner_reason else ""
                return f"a Teredo tunnel address for client {inner}{detail}"
            if inner_reason is not None:
                return f"the {kind} form of {inner}, {inner_reason}"
            return None
        table: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = _IPV6_BLOCKED
    else:
        table = _IPV4_BLOCKED
    for network, label in table:
        if address in network:
            return label
    not_routable = (
        not address.is_global
        or address.is_private
        or address.is_reserved
        or address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )
    return "an address that is not routable on the public internet" if not_routable else None


def check_url(url: str, *, allow_private: bool = False, require_https: bool = False) -> httpx.URL:
    """Check a user-supplied URL before it is stored or fetched, and return it parsed.

    Raises `UnsafeURLError` (whose `reason` tells the user what to change) unless the URL is
    `http` or `https` (only `https` when `require_https` and not `allow_private`), carries no
    `user:password@`, has a host, no IPv6 zone id, a port in 1-65535, and — unless
    `allow_private` — a host that is neither a local-only name (`localhost`, `*.localhost`,
    `*.local`, `*.internal`, names without a dot) nor an IP literal outside the public unicast
    space. Legacy IPv4 spellings are canonicalised: the returned URL for `http://0x7f.1/` has
    the host `127.0.0.1`, so what is stored is what gets dialled.

    No DNS lookup happens here: a public-looking name may still resolve to a private address,
    which the connect-time check in `guarded_http` refuses.
    """
    if _FORBIDDEN_CHARACTERS.search(url):
        raise UnsafeURLError(
            "the URL contains spaces, control characters or backslashes; "
            "remove them or percent-encode them"
        )
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        raise UnsafeURLError(
            "the URL has no scheme; use a full URL such as https://example.com/hook"
        )
    scheme = scheme_match.group(1).lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"{scheme}: URLs are not allowed; use an http:// or https:// URL")
    if scheme == "http" and require_https and not allow_private:
        raise UnsafeURLError("plain http:// is not allowed here; use an https:// URL")

    authority_start = scheme_match.end() + 2
    if url[scheme_match.end() : authority_start] != "//":
        raise UnsafeURLError("the URL has no host; use a full URL such as https://example.com/hook")
    authority_end = _first_of(url, "/?#", authority_start)
    authority = url[authority_start:authority_end]
    if "@" in authority:
        raise UnsafeURLError(
            "the URL contains a user name or password (the part before '@'); remove it — "
            "credentials in URLs are not allowed"
        )
    host, port_text = _split_authority(authority)

    spelled = host
    numeric = None if host.startswith("[") else _parse_numeric_host(host)
    if numeric is not None and str(numeric) != host:
        port_suffix = f":{port_text}" if port_text else ""
        url = f"{url[:authority_start]}{numeric}{port_suffix}{url[authority_end:]}"

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsafeURLError(
            f"the URL could not be parsed ({exc}); use a full URL such as https://example.com/hook"
        ) from exc
    # From here on the checks judge httpx's reading of the URL — what will actually be dialled —
    # so a disagreement between our split above and httpx's parser cannot open a gap.
    if parsed.scheme not in ("http", "https") or parsed.userinfo or not parsed.raw_host:
        raise UnsafeURLError(
            "the URL could not be read as http(s)://host/path; "
            "use a full URL such as https://example.com/hook"
        )
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise UnsafeURLError(f"port {parsed.port} is out of range; use a port between 1 and 65535")
    _check_host(parsed.raw_host.decode("ascii"), spelled=spelled, allow_private=allow_private)
    return parsed


def _check_host(host: str, *, spelled: str, allow_private: bool) -> None:
    if "%" in host:
        _refuse_percent(host)
    try:
        address: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        address = _parse_numeric_host(host)
    if address is not None:
        reason = None if allow_private else blocked_reason(address)
        if reason is not None:
            shown = spelled.strip("[]").lower()
            # Spell out what a legacy IPv4 spelling denotes; IPv6 forms explain themselves.
            denotes = (
                f" (that is {address})" if address.version == 4 and shown != str(address) else ""
            )
            raise UnsafeURLError(f"'{shown}'{denotes} is {reason}; {_PUBLIC_HINT}")
        return
    if allow_private:
        return
    name = host.removesuffix(".")
    if "" in name.split("."):
        raise UnsafeURLError(f"'{host}' has an empty label; use a host name such as example.com")
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        raise UnsafeURLError(f"'{name}' is a local-only host name; {_PUBLIC_HINT}")
    if "." not in name:
        # A dotless name is completed with the resolver's search domains, which is how
        # `http://metadata/` or `http://redis/` reach internal services.
        raise UnsafeURLError(
            f"'{name}' has no domain part and can resolve to a machine on the local network; "
            "use a fully qualified public host name such as hooks.example.com"
        )


def _refuse_percent(host: str) -> None:
    if ":" in host:
        raise UnsafeURLError(
            "IPv6 zone ids (the '%' part of an address such as [fe80::1%eth0]) are not allowed; "
            "use a public host name or address"
        )
    # Parsers disagree on whether to decode them (WHATWG does: %31%32%37.0.0.1 is 127.0.0.1).
    raise UnsafeURLError(
        f"'{host}' contains percent-encoded characters; use the plain host name instead"
    )


def _first_of(text: str, characters: str, start: int) -> int:
    positions = [p for p in (text.find(c, start) for c in characters) if p != -1]
    return min(positions, default=len(text))


def _split_authority(authority: str) -> tuple[str, str]:
    """Split and check `host[:port]` (host possibly a bracketed IPv6 literal)."""
    host, port_text = _host_and_port(authority)
    if not host:
        raise UnsafeURLError("the URL has no host; use a full URL such as https://example.com/hook")
    if "%" in host:
        _refuse_percent(host)
    if port_text:
        _check_port_text(port_text)
    return host, port_text


def _host_and_port(authority: str) -> tuple[str, str]:
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise UnsafeURLError(
                "the IPv6 address in the URL is missing its closing ']'; "
                "use a form such as https://[2001:db8::1]/"
            )
        host, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise UnsafeURLError(
                f"'{after}' after the IPv6 address is not a valid port; "
                "use a form such as https://[2001:db8::1]:8443/"
            )
        return host, after[1:]
    if authority.count(":") > 1:
        raise UnsafeURLError(
            f"'{authority}' is not a valid host and port; use host:port, with IPv6 addresses "
            "in brackets such as https://[2001:db8::1]:8443/"
        )
    host, _, port_text = authority.partition(":")
    return host, port_text


def _check_port_text(port_text: str) -> None:
    if not _ASCII_DIGITS.fullmatch(port_text):
        raise UnsafeURLError(f"port '{port_text}' is not a number; use a port between 1 and 65535")
    if not 1 <= int(port_text) <= 65535:
        raise UnsafeURLError(
            f"port {int(port_text)} is out of range; use a port between 1 and 65535"
        )


def _parse_numeric_host(host: str) -> ipaddress.IPv4Address | None:
    """Parse a host that ends in a number as an IPv4 address, following the WHATWG URL rules.

    Returns None for host names. A host whose last label is a number but which is not a valid
    address (`1.2.3.4.5`, `09`, `256.1.1.1`) is refused rather than handed to a resolver that
    might read it differently.
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not _NUMBER_LABEL.fullmatch(labels[-1]):
        return None
    invalid = UnsafeURLError(
        f"'{host}' looks like an IPv4 address but is not a valid one; "
        "use a host name or a dotted address such as 93.184.216.34"
    )
    numbers = [_parse_ipv4_number(label) for label in labels]
    if len(numbers) > 4:
        raise invalid
    parts: list[int] = []
    for number in numbers:
        if number is None:
            raise invalid
        parts.append(number)
    *leading, last = parts
    if any(part > 255 for part in leading) or last >= 256 ** (4 - len(leading)):
        raise invalid
    value = last
    for index, part in enumerate(leading):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_number(text: str) -> int | None:
    if text[:2] in ("0x", "0X"):
        digits, base = text[2:], 16
        if not digits:
            return 0
    elif len(text) > 1 and text[0] == "0":
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits or not set(digits) <= _DIGITS_FOR_BASE[base]:
        return None
    try:
        return int(digits, base)
    except ValueError:  # more digits than int() will convert; no address is that long anyway
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """Return the IPv4 address an IPv6 address stands for, with the name of the wrapping form."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address.teredo is not None:
        return "Teredo", address.teredo[1]
    return None


async def resolve_and_check(
    host: str, port: int, *, allow_private: bool, resolver: Resolver | None = None
) -> list[str]:
    """Resolve `host` and return its distinct addresses, refusing if any one is not public.

    An IP literal is returned as is (after the check). Names go to `resolver` when given, else
    to the running loop's `getaddrinfo`. Raises `UnsafeURLError` if any answer is not a public
    address (unless `allow_private`) or is not an address at all, and `OutboundRequestError`
    when the name does not resolve.
    """
    literal = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(literal)
        answers = [literal]
    except ValueError:
        answers = await (resolver(host) if resolver is not None else _system_resolve(host, port))
    if not answers:
        raise OutboundRequestError(f"{host} did not resolve to any address; check the host name")
    addresses: list[str] = []
    for answer in dict.fromkeys(answers):
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            raise UnsafeURLError(
                f"{host} resolved to {answer!r}, which is not an IP address"
            ) from None
        reason = None if allow_private else blocked_reason(address)
        if reason is not None:
            raise UnsafeURLError(
                f"{host} resolves to {address}, {reason}; use a host name whose DNS records "
                "all point to public internet addresses"
            )
        addresses.append(str(address))
    return addresses


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundRequestError(
            f"could not resolve {host} ({exc.strerror}); check the host name"
        ) from exc
    return [
        str(sockaddr[0])
        for family, _, _, _, sockaddr in infos
        if family in (socket.AF_INET, socket.AF_INET6)
    ]
