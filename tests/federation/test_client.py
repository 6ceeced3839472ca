"""The outbound session: the SSRF guard against real sockets, size cap, pooling, headers.

Traffic only ever goes to 127.0.0.1. For the other refused ranges the tests check the address
classification, and that the session refuses before a socket is even created: every
`socket.connect` the process makes is recorded through a Python audit hook.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from essaim.config import Config, FederationSection, NodeSection
from essaim.federation.client import (
    CONNECTIONS_PER_HOST,
    MAX_RESPONSE_BYTES,
    OutboundPolicy,
    OutboundRefused,
    ResponseTooLarge,
    create_session,
    read_body,
    refusal_reason,
)
from essaim.federation.vocab import ACCEPT_AS2
from tests.network import recorded_connects

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
CONFIG = Config(
    node=NodeSection(base_url="http://127.0.0.1:8080"),
    federation=FederationSection(allowed_private_ranges=("127.0.0.1/32",)),
)


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[TestServer]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def recording_app() -> tuple[web.Application, list[web.Request]]:
    """A server that answers every GET with JSON describing the request, and remembers the requests."""
    seen: list[web.Request] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        return web.json_response({"headers": dict(request.headers), "peer": list(peer) if peer else None})

    app = web.Application()
    app.router.add_get("/{tail:.*}", echo)
    return app, seen


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "not globally routable"),
        ("240.0.0.1", "private"),  # reserved 240/4: Python classes it as private too
        ("2001:db8::1", "private"),  # documentation range
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::1", "6to4"),  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::808:808"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_allowed_ranges_open_private_addresses_but_never_unspecified_or_multicast() -> None:
    allowed = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("0.0.0.0/0"))
    assert refusal_reason(ipaddress.ip_address("10.1.2.3"), allowed) is None
    assert refusal_reason(ipaddress.ip_address("::ffff:10.1.2.3"), allowed) is None  # judged as its IPv4 address
    assert refusal_reason(ipaddress.ip_address("0.0.0.0"), allowed) == "unspecified address"
    assert refusal_reason(ipaddress.ip_address("224.0.0.1"), allowed) == "multicast address"
    assert refusal_reason(ipaddress.ip_address("::1"), LOOPBACK) == "loopback address"  # 127.0.0.1/32 is not ::1


def test_plain_http_only_in_dev_mode_and_only_to_allowed_private_ranges() -> None:
    dev = OutboundPolicy(allowed_networks=LOOPBACK, dev_mode=True)
    production = OutboundPolicy(allowed_networks=LOOPBACK, dev_mode=False)
    public = ipaddress.ip_address("93.184.215.14")
    loopback = ipaddress.ip_address("127.0.0.1")
    assert dev.address_refusal(loopback, plain_http=True) is None
    assert dev.address_refusal(public, plain_http=False) is None
    assert "plain http" in (dev.address_refusal(public, plain_http=True) or "")
    assert production.url_refusal(URL("http://127.0.0.1:8080/")) == "plain http is refused outside node.dev_mode"
    assert production.url_refusal(URL("https://peer.example/")) is None
    assert dev.url_refusal(URL("http://127.0.0.1:8080/")) is None
    assert dev.plain_http_allowed("127.0.0.1") and dev.plain_http_allowed("localhost")
    assert not dev.plain_http_allowed("peer.example") and not dev.plain_http_allowed("93.184.215.14")
    assert not production.plain_http_allowed("127.0.0.1")


def test_policy_comes_from_the_configuration() -> None:
    policy = OutboundPolicy.from_config(CONFIG)
    assert policy.allowed_networks == LOOPBACK and policy.dev_mode is True


async def test_loopback_server_is_reached_when_its_range_is_allowed() -> None:
    app, seen = recording_app()
    async with serve(app) as server, create_session(CONFIG) as session:
        async with session.get(f"http://127.0.0.1:{server.port}/actor") as response:
            assert response.status == 200
            answer = await response.json()
    assert len(seen) == 1
    assert answer["headers"]["User-Agent"] == "Essaim/0.1.0 (+http://127.0.0.1:8080)"
    assert answer["headers"]["Accept"] == ACCEPT_AS2


async def test_loopback_server_is_refused_when_its_range_is_not_allowed() -> None:
    app, seen = recording_app()
    closed = Config(node=NodeSection(dev_mode=True))
    async with serve(app) as server, create_session(closed) as session:
        with recorded_connects() as connects, pytest.raises(OutboundRefused, match="loopback address"):
            await session.get(f"http://127.0.0.1:{server.port}/actor")
        # A host name is judged by the addresses it resolves to, not by its spelling.
        with recorded_connects() as named, pytest.raises(OutboundRefused, match="loopback address"):
            await session.get(f"http://localhost:{server.port}/actor")
    assert seen == [] and connects == [] and named == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:9/",
        "http://10.1.2.3/",
        "http://192.168.0.1:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:9/",
        "http://[::ffff:10.1.2.3]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "https://[fd00::1]/",
    ],
)
async def test_refused_addresses_are_never_connected_to(url: str) -> None:
    async with create_session(CONFIG) as session:
        with recorded_connects() as connects, pytest.raises(OutboundRefused):
            await session.get(url)
    assert connects == []


async def test_plain_http_is_refused_outside_dev_mode() -> None:
    app, seen = recording_app()
    production = Config(
        node=NodeSection(dev_mode=False), federation=FederationSection(allowed_private_ranges=("127.0.0.1/32",))
    )
    async with serve(app) as server, create_session(production) as session:
        with recorded_connects() as connects, pytest.raises(OutboundRefused, match="outside node.dev_mode"):
            await session.get(f"http://127.0.0.1:{server.port}/")
    assert seen == [] and connects == []


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://10.1.2.3/internal")

    app = web.Application()
    app.router.add_get("/", redirect)
    async with serve(app) as server, create_session(CONFIG) as session:
        with recorded_connects() as connects, pytest.raises(OutboundRefused, match="private address"):
            await session.get(f"http://127.0.0.1:{server.port}/")
        assert connects == [("127.0.0.1", server.port)]  # the first hop only


async def test_a_request_that_skips_the_guard_middleware_is_refused_at_the_socket() -> None:
    app, seen = recording_app()
    async with serve(app) as server, create_session(CONFIG) as session:
        with recorded_connects() as connects, pytest.raises(aiohttp.ClientConnectorError, match="outbound policy"):
            await session.get(f"http://127.0.0.1:{server.port}/", middlewares=())
    assert seen == [] and connects == []


async def test_bodies_over_the_cap_are_cut_off_while_reading() -> None:
    big = b"x" * (MAX_RESPONSE_BYTES + 1)

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=big, content_type="application/activity+json")

    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to check up front
        response.content_type = "application/activity+json"
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"y" * 65536)
        await response.write_eof()
        return response

    async def small(request: web.Request) -> web.Response:
        return web.Response(body=b"z" * 2000)

    app = web.Application()
    app.router.add_get("/declared", declared)
    app.router.add_get("/streamed", streamed)
    app.router.add_get("/small", small)
    async with serve(app) as server, create_session(CONFIG) as session:
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/declared", "/streamed"):
            async with session.get(base + path) as response:
                with pytest.raises(ResponseTooLarge):
                    await response.read()
            async with session.get(base + path) as response:
                with pytest.raises(ResponseTooLarge):
                    await response.json(content_type=None)
        async with session.get(base + "/small") as response:
            with pytest.raises(ResponseTooLarge):
                await read_body(response, limit=1000)
        async with session.get(base + "/small") as response:
            assert len(await read_body(response, limit=2000)) == 2000


async def test_connections_are_kept_alive_and_pooled_per_host() -> None:
    app, seen = recording_app()
    async with serve(app) as server, create_session(CONFIG) as session:
        peers = []
        for _ in range(3):
            async with session.get(f"http://127.0.0.1:{server.port}/") as response:
                peers.append(tuple((await response.json())["peer"]))
        connector = session.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector.limit_per_host == CONNECTIONS_PER_HOST
        assert session.timeout.total == 20 and session.timeout.sock_connect == 5
    assert len(set(peers)) == 1  # one connection served all three requests
