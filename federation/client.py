"""The outbound HTTP session for federation: pooled, time- and size-limited, and unable to reach private addresses.

Peers hand us URLs (actor ids, inboxes, key ids), so every request is a possible server-side
request forgery. The guard sits where a socket is created: aiohttp resolves a host once and
gives each address to our `socket_factory` before connecting, which refuses private, loopback,
link-local, multicast, unspecified and reserved addresses (IPv4, IPv6, and the IPv4 address
behind IPv4-mapped, NAT64 and 6to4 IPv6 addresses) unless the address is inside
`federation.allowed_private_ranges`. The address checked is the one connected to, so a DNS
answer that changes between a check and the connection (DNS rebinding) gains nothing; IP
literals, redirects and pool refills pass through the same point. A client middleware refuses
schemes other than https (plain http only in `node.dev_mode`, and then only to allowed private
ranges) and marks each request so the socket factory knows its scheme; a request that skipped
the middleware (`middlewares=()`) is refused at the socket.
"""

from __future__ import annotations

import contextvars
import errno
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from yarl import URL

from essaim import __version__
from essaim.federation.vocab import ACCEPT_AS2

if TYPE_CHECKING:
    from aiohappyeyeballs import AddrInfoType

    from essaim.config import Config

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

CONNECT_TIMEOUT = 5.0  # seconds to open a TCP (and TLS) connection
TOTAL_TIMEOUT = 20.0  # seconds for a whole request, redirects and body included
MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # bodies are cut off beyond this, counted after decompression
CONNECTIONS_PER_HOST = 8  # keep-alive pool: at most this many connections open to one peer
CONNECTIONS_TOTAL = 100
DNS_CACHE_SECONDS = 300
_CHUNK = 64 * 1024

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Set by the guard middleware for the request in flight: is it plain http? None: the middleware did not run.
_PLAIN_HTTP: contextvars.ContextVar[bool | None] = contextvars.ContextVar("essaim_outbound_plain_http", default=None)


class OutboundRefused(aiohttp.ClientError):
    """The outbound policy forbids this request: a private address, a scheme, or plain http outside dev mode."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"outbound request to {target} refused: {reason}")
        self.target = target
        self.reason = reason


class ResponseTooLarge(aiohttp.ClientError):
    """A peer's response body is over the size limit; the connection was dropped without reading the rest."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"response from {url} is larger than {limit} bytes")
        self.url = url
        self.limit = limit


class _AddressRefused(OSError):
    """Raised in the socket factory. An OSError, so aiohttp and aiohappyeyeballs treat it as a failed
    address; its message is constant so that, when every address is refused, the first is re-raised as is."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(errno.EACCES, "address refused by the federation outbound policy")
        self.address = address
        self.reason = reason


def _effective(address: Address) -> Address:
    """The IPv4 address an IPv4-mapped or NAT64 (64:ff9b::/96) IPv6 address reaches; others unchanged."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal_reason(address: Address, allowed: Iterable[Network] = ()) -> str | None:
    """Why connecting to `address` is refused, or None when it is allowed.

    Public (globally routable unicast) addresses are allowed; others only inside an `allowed`
    network. Unspecified and multicast addresses are never allowed: they are not a peer.
    IPv4-mapped and NAT64 addresses are judged by the IPv4 address they reach.
    """
    address = _effective(address)
    if address.is_unspecified:
        return "unspecified address"
    if address.is_multicast:
        return "multicast address"
    if any(address.version == network.version and address in network for network in allowed):
        return None
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_private:
        return "private address"
    if address.is_reserved:
        return "reserved address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local address"
    if not address.is_global:
        return "address not globally routable"
    if isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None:
        inner = refusal_reason(address.sixtofour)
        if inner is not None:
            return f"6to4 address embedding a refused IPv4 one ({inner})"
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    """Where outbound requests may go: public addresses, plus `allowed_networks`; plain http only in dev mode."""

    allowed_networks: tuple[Network, ...] = ()
    dev_mode: bool = False

    @classmethod
    def from_config(cls, config: Config) -> OutboundPolicy:
        return cls(allowed_networks=config.private_networks, dev_mode=config.node.dev_mode)

    def address_refusal(self, address: Address, *, plain_http: bool) -> str | None:
        """Why this connection is refused (None: allowed); plain http also needs an allowed private range."""
        reason = refusal_reason(address, self.allowed_networks)
        if reason is None and plain_http and not self._in_allowed(address):
            return "plain http only goes to allowed private ranges (dev mode)"
        return reason

    def url_refusal(self, url: URL) -> str | None:
        """Why a URL may not be requested at all, before any address is known (None: go on)."""
        if url.scheme not in ("http", "https"):
            return f"scheme {url.scheme!r} is not http(s)"
        if not url.host:
            return "no host"
        if url.scheme == "http" and not self.dev_mode:
            return "plain http is refused outside node.dev_mode"
        return None

    def plain_http_allowed(self, host: str) -> bool:
        """Whether `host` (no port) may be reached over http: dev mode, and an allowed private address or localhost.

        For choosing a scheme before a request (WebFinger); the socket factory still checks the address.
        """
        if not self.dev_mode:
            return False
        host = host.strip("[]").lower()
        if host == "localhost":
            candidates: list[Address] = [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
        else:
            try:
                candidates = [ipaddress.ip_address(host)]
            except ValueError:
                return False
        return any(self._in_allowed(address) and refusal_reason(address) is not None for address in candidates)

    def _in_allowed(self, address: Address) -> bool:
        address = _effective(address)
        return any(address.version == network.version and address in network for network in self.allowed_networks)


class _Guard:
    """The middleware and the socket factory of one session, sharing its policy."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    async def middleware(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        reason = self.policy.url_refusal(request.url)
        if reason is not None:
            raise OutboundRefused(str(request.url), reason)
        token = _PLAIN_HTTP.set(request.url.scheme == "http")
        try:
            return await handler(request)
        except aiohttp.ClientConnectorError as error:
            refused = _refused_cause(error)
            if refused is not None:
                target = str(request.url.host)
                if refused.address != target:
                    target = f"{target} ({refused.address})"
                raise OutboundRefused(target, refused.reason) from error
            raise
        finally:
            _PLAIN_HTTP.reset(token)

    def socket_factory(self, addr_info: AddrInfoType) -> socket.socket:
        """Called by aiohttp with each resolved address just before connecting to it."""
        family, type_, proto, _, sockaddr = addr_info
        host = str(sockaddr[0])
        plain_http = _PLAIN_HTTP.get()
        if plain_http is None:
            raise _AddressRefused(host, "the request did not pass through the outbound guard middleware")
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            raise _AddressRefused(host, "not an IP address") from None
        reason = self.policy.address_refusal(address, plain_http=plain_http)
        if reason is not None:
            raise _AddressRefused(host, reason)
        return socket.socket(family=family, type=type_, proto=proto)


def _refused_cause(error: BaseException) -> _AddressRefused | None:
    current: BaseException | None = error
    for _ in range(8):
        if current is None:
            return None
        if isinstance(current, _AddressRefused):
            return current
        if isinstance(current, aiohttp.ClientConnectorError) and isinstance(current.os_error, _AddressRefused):
            return current.os_error
        current = current.__cause__
    return None


async def read_body(response: ClientResponse, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """The response body, refused with ResponseTooLarge as soon as it passes `limit` bytes.

    `Content-Length` is checked first; then the (decompressed) stream is counted while it is read,
    so a lying or missing length, or a compression bomb, stops at the limit too.
    """
    length = response.content_length
    if length is not None and length > limit:
        response.close()
        raise ResponseTooLarge(str(response.url), limit)
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > limit:
            response.close()
            raise ResponseTooLarge(str(response.url), limit)
    return bytes(body)


class CappedResponse(ClientResponse):
    """A response whose `read()` (and so `text()` and `json()`) stops at MAX_RESPONSE_BYTES."""

    async def read(self) -> bytes:
        if self._body is None:
            try:
                self._body = await read_body(self, MAX_RESPONSE_BYTES)
            except BaseException:
                self.close()
                raise
        return await super().read()


def user_agent(base_url: str) -> str:
    return f"Essaim/{__version__} (+{base_url})"


def create_session(
    config: Config,
    *,
    policy: OutboundPolicy | None = None,
    connections_per_host: int = CONNECTIONS_PER_HOST,
) -> aiohttp.ClientSession:
    """A session for talking to peers; create it in a running event loop, share it, close it at shutdown.

    Every request carries our User-Agent and, unless the caller sets its own, an AS2 `Accept`
    (what GETs of ActivityPub documents need; harmless on POSTs). Timeouts: 5 s to connect, 20 s
    in all. Connections are kept alive and pooled, at most `connections_per_host` per peer.
    """
    guard = _Guard(policy or OutboundPolicy.from_config(config))
    connector = aiohttp.TCPConnector(
        limit=CONNECTIONS_TOTAL,
        limit_per_host=connections_per_host,
        ttl_dns_cache=DNS_CACHE_SECONDS,
        socket_factory=guard.socket_factory,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=TOTAL_TIMEOUT, sock_connect=CONNECT_TIMEOUT),
        headers={"User-Agent": user_agent(config.base_url), "Accept": ACCEPT_AS2},
        middlewares=(guard.middleware,),
        response_class=CappedResponse,
        trust_env=False,  # no proxy from the environment: the guard must see the real peer address
    )
