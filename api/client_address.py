"""The real client address of a request, for per-client rate limits.

The TCP peer is the client, unless the peer is one of the configured trusted proxies
(``ApiSettings.trusted_proxies``, default none). Then ``X-Forwarded-For`` is read from the
right: every proxy appends the address it received the request from, so the right-most
entry that is not itself a trusted proxy is the client. Entries to its left were written by
the client and are never believed. An unparsable entry ends the walk at the last trusted hop.

IPv6 clients are keyed by their /64 network: one subscriber usually holds a whole /64, so
rotating addresses inside it must not reset the limits.

Run uvicorn without its own proxy-header handling (``meldpunt serve`` does; for uvicorn
directly use ``--no-proxy-headers``), otherwise uvicorn has already replaced the peer by a
forwarded address before this code sees it.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import Request

UNKNOWN = "onbekend"
IPV6_PREFIX = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def _key(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def resolve(peer: str | None, forwarded_for: Iterable[str], trusted_proxies: Sequence[Network]) -> str:
    """The rate-limit key of a request from ``peer`` with these ``X-Forwarded-For`` header values."""
    address = _parse(peer) if peer else None
    if address is None:
        return peer or UNKNOWN  # not an IP (a test client, a Unix socket): the peer as it is
    if not trusted_proxies:
        return _key(address)
    hops = [part for value in forwarded_for for part in value.split(",") if part.strip()]
    while _trusted(address, trusted_proxies) and hops:
        previous = _parse(hops.pop())
        if previous is None:
            break
        address = previous
    return _key(address)


def client_address(request: Request) -> str:
    settings = getattr(request.app.state, "api_settings", None)
    proxies = getattr(settings, "trusted_proxies", None) or []
    peer = request.client.host if request.client else None
    return resolve(peer, request.headers.getlist("x-forwarded-for"), proxies)
