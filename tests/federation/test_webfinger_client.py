"""WebFinger lookups against a running node, and against small servers whose answers must be refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from essaim.config import Config, FederationSection, NodeSection
from essaim.federation.client import OutboundPolicy, create_session
from essaim.federation.webfinger_client import (
    Handle,
    WebFingerError,
    WebFingerNotFound,
    parse_handle,
    parse_jrd,
    resolve,
    webfinger_url,
)
from tests.conftest import Node
from tests.helpers import actor_uri

CONFIG = Config(
    node=NodeSection(base_url="http://127.0.0.1:8080"),
    federation=FederationSection(allowed_private_ranges=("127.0.0.1/32",)),
)
POLICY = OutboundPolicy.from_config(CONFIG)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_session(CONFIG) as session:
        yield session


async def test_resolves_a_person_on_a_running_node(demo_node: Node, session: aiohttp.ClientSession) -> None:
    async with aiohttp.ClientSession() as plain:
        expected = await actor_uri(plain, demo_node.base_url, demo_node.domain, "hugo")
    for handle in (f"acct:hugo@{demo_node.domain}", f"@hugo@{demo_node.domain}", f"Hugo@{demo_node.domain}"):
        found = await resolve(session, handle, policy=POLICY)
        assert found.actor_id == expected, handle
        assert found.subject == f"acct:hugo@{demo_node.domain}"
        assert found.profile_url == f"{demo_node.base_url}/@hugo"
        assert expected in found.aliases


async def test_an_unknown_account_is_a_clear_error(demo_node: Node, session: aiohttp.ClientSession) -> None:
    with pytest.raises(WebFingerNotFound, match=f"no such account on {demo_node.domain}"):
        await resolve(session, f"nobody-here@{demo_node.domain}", policy=POLICY)


async def test_the_outbound_guard_applies(demo_node: Node) -> None:
    closed = Config(node=NodeSection(dev_mode=True))
    async with create_session(closed) as session:
        with pytest.raises(WebFingerError, match="loopback address"):
            await resolve(session, f"hugo@{demo_node.domain}", policy=OutboundPolicy.from_config(closed))


@asynccontextmanager
async def jrd_server(answer: Any, content_type: str = "application/jrd+json") -> AsyncIterator[str]:
    """A server whose WebFinger answers `answer(host)`; yields its host (127.0.0.1:PORT)."""

    async def webfinger(request: web.Request) -> web.Response:
        body = answer(request.host)
        return web.Response(
            body=body if isinstance(body, bytes) else json.dumps(body).encode(), content_type=content_type
        )

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        await server.close()


def jrd(subject: str, href: str, link_type: str = "application/activity+json") -> dict[str, Any]:
    return {"subject": subject, "links": [{"rel": "self", "type": link_type, "href": href}]}


async def test_a_well_formed_jrd_from_a_small_server(session: aiohttp.ClientSession) -> None:
    async with jrd_server(lambda host: jrd(f"acct:lou@{host}", f"http://{host}/users/lou")) as host:
        found = await resolve(session, f"lou@{host}", policy=POLICY)
    assert found.actor_id == f"http://{host}/users/lou" and found.profile_url is None


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda host: jrd(f"acct:lou@{host}", "https://elsewhere.example/users/lou"), "points to another host"),
        (lambda host: jrd(f"acct:lou@{host}", "http://127.0.0.1:1/users/lou"), "points to another host"),
        (lambda host: jrd("acct:lou@elsewhere.example", f"http://{host}/users/lou"), "the JRD is about"),
        (lambda host: jrd(f"acct:lou@{host}", f"http://{host}/@lou", "text/html"), "no ActivityPub self link"),
        (lambda host: jrd(f"acct:lou@{host}", f"ftp://{host}/users/lou"), "not an http"),
        (lambda host: {"links": []}, "no subject"),
        (lambda host: [jrd(f"acct:lou@{host}", f"http://{host}/users/lou")], "not a JSON object"),
        (lambda host: b"{broken", "not JSON"),
        (lambda host: {"subject": f"acct:lou@{host}", "padding": "x" * 70000}, "larger than"),
    ],
)
async def test_untrustworthy_answers_are_refused(session: aiohttp.ClientSession, answer: Any, reason: str) -> None:
    async with jrd_server(answer) as host:
        with pytest.raises(WebFingerError, match=reason):
            await resolve(session, f"lou@{host}", policy=POLICY)


async def test_an_answer_that_is_not_a_jrd_is_refused(session: aiohttp.ClientSession) -> None:
    answer = lambda host: jrd(f"acct:lou@{host}", f"http://{host}/users/lou")  # noqa: E731
    async with jrd_server(answer, content_type="text/html") as host:
        with pytest.raises(WebFingerError, match="text/html, not a JRD"):
            await resolve(session, f"lou@{host}", policy=POLICY)
    async with jrd_server(answer, content_type="application/json") as host:  # what many servers send
        assert (await resolve(session, f"lou@{host}", policy=POLICY)).actor_id == f"http://{host}/users/lou"


def test_the_lookup_url_is_https_except_for_allowed_private_hosts_in_dev_mode() -> None:
    production = OutboundPolicy(allowed_networks=POLICY.allowed_networks, dev_mode=False)
    assert str(webfinger_url(parse_handle("lou@peer.example"), POLICY)) == (
        "https://peer.example/.well-known/webfinger?resource=acct:lou@peer.example"
    )
    assert str(webfinger_url(parse_handle("lou@127.0.0.1:8081"), POLICY)).startswith("http://127.0.0.1:8081/")
    assert str(webfinger_url(parse_handle("lou@127.0.0.1:8081"), production)).startswith("https://127.0.0.1:8081/")
    assert str(webfinger_url(parse_handle("lou@10.0.0.5"), POLICY)).startswith("https://")


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("lou@peer.example", Handle("lou", "peer.example")),
        ("@lou@Peer.Example", Handle("lou", "peer.example")),
        ("acct:lou@peer.example:8443", Handle("lou", "peer.example:8443")),
        ("lou@bücher.example", Handle("lou", "xn--bcher-kva.example")),
        ("lou@[::1]:8080", Handle("lou", "[::1]:8080")),
    ],
)
def test_handles_are_parsed(text: str, handle: Handle) -> None:
    assert parse_handle(text) == handle


@pytest.mark.parametrize("text", ["lou", "lou@", "@peer.example", "a@b@c", "lou@peer.example/x", "lou@-bad.example"])
def test_malformed_handles_are_refused(text: str) -> None:
    with pytest.raises(WebFingerError):
        parse_handle(text)


def test_a_profile_page_and_aliases_are_read_when_present() -> None:
    handle = parse_handle("lou@peer.example")
    document = {
        "subject": "acct:lou@peer.example",
        "aliases": ["https://peer.example/users/lou", 42],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://peer.example/@lou"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://peer.example/users/lou",
            },
        ],
    }
    found = parse_jrd(document, handle)
    assert found.actor_id == "https://peer.example/users/lou"
    assert found.profile_url == "https://peer.example/@lou"
    assert found.aliases == ("https://peer.example/users/lou",)
