"""fetch_document against a running node and against small hostile servers on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from bovine.crypto import build_validate_http_signature_raw
from bovine.crypto.types import CryptographicIdentifier
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from essaim.config import Config, FederationSection, NodeSection
from essaim.federation.client import OutboundRefused, ResponseTooLarge, create_session
from essaim.federation.fetch import FetchError, Signer, fetch_document
from essaim.federation.signatures import SignedRequest, verify_request
from essaim.federation.vocab import ACCEPT_AS2
from tests.conftest import Node
from tests.helpers import actor_uri

CONFIG = Config(
    node=NodeSection(base_url="http://127.0.0.1:8080"),
    federation=FederationSection(allowed_private_ranges=("127.0.0.1/32",)),
)
AS2 = "application/activity+json"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(routes: dict[str, Handler]) -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A server on 127.0.0.1 with these GET routes; yields its base URL and the requests it received."""
    seen: list[web.Request] = []

    @web.middleware
    async def remember(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(request)
        return await handler(request)

    app = web.Application(middlewares=[remember])
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}", seen
    finally:
        await server.close()


def document_at(document: Callable[[web.Request], Any], content_type: str = AS2) -> Handler:
    """A handler answering `document(request)` as JSON with exactly this Content-Type."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps(document(request)).encode(), headers={"Content-Type": content_type})

    return handler


def own_id(request: web.Request) -> dict[str, Any]:
    return {"id": f"http://{request.host}{request.path}", "type": "Note"}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_session(CONFIG) as session:
        yield session


async def test_fetches_an_actor_from_a_running_node(demo_node: Node, session: aiohttp.ClientSession) -> None:
    async with aiohttp.ClientSession() as plain:
        uri = await actor_uri(plain, demo_node.base_url, demo_node.domain, "hugo")
    actor = await fetch_document(session, uri, signer=None)
    assert actor["id"] == uri
    assert actor["type"] == "Person" and actor["preferredUsername"] == "hugo"
    instance = await fetch_document(session, f"{demo_node.base_url}/actor", signer=None)
    assert instance["type"] == "Application"


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def bovine_checker(public_pem: str) -> Callable[[web.Request], Awaitable[str | None]]:
    """bovine's HTTP-signature check, as bovine-herd runs it: the signer's actor id, or None when it fails.

    It builds `(request-target)` from the path alone, without the query."""

    async def key_for_bovine(requested: str) -> CryptographicIdentifier:
        return CryptographicIdentifier.from_public_key(
            {"id": requested, "owner": "https://essaim.example/actor", "publicKeyPem": public_pem}
        )

    bovine_verify = build_validate_http_signature_raw(key_for_bovine)

    async def no_body() -> bytes:
        return b""

    async def check(request: web.Request) -> str | None:
        owner: str | None = await bovine_verify("get", str(request.url), request.headers, no_body)
        return owner

    return check


async def test_signed_fetch_verifies_with_ours_and_bovines_checker_on_every_hop(
    session: aiohttp.ClientSession,
) -> None:
    private_pem, public_pem = rsa_pair()
    key_id = "https://essaim.example/actor#main-key"
    checked: list[tuple[str, str]] = []
    bovine_check = bovine_checker(public_pem)

    async def check(request: web.Request) -> None:
        url = f"http://{request.host}{request.raw_path}"
        verified = verify_request(SignedRequest("GET", url, request.headers), public_pem)
        owner = await bovine_check(request)
        checked.append((request.path, f"{verified.key_id} {owner}"))
        assert request.headers["Accept"] == ACCEPT_AS2

    async def moved(request: web.Request) -> web.Response:
        await check(request)
        raise web.HTTPMovedPermanently("/final")

    async def final(request: web.Request) -> web.Response:
        await check(request)
        return web.json_response(own_id(request), content_type=AS2)

    async with serve({"/start": moved, "/final": final}) as (base, _):
        document = await fetch_document(session, f"{base}/start", signer=Signer(key_id, private_pem))
    assert document["id"] == f"{base}/final"
    owner = f"{key_id} https://essaim.example/actor"
    assert checked == [("/start", owner), ("/final", owner)]


async def test_a_page_refused_signed_with_its_query_is_fetched_again_signed_over_the_path(
    session: aiohttp.ClientSession,
) -> None:
    """bovine-herd refuses (401) a GET of `…?page=true` signed over path and query; the second try, signed
    over the path alone as GoToSocial retries, passes bovine's own checker."""
    private_pem, public_pem = rsa_pair()
    signer = Signer("https://essaim.example/actor#main-key", private_pem)
    bovine_check = bovine_checker(public_pem)
    verdicts: list[bool] = []

    async def bovine_page(request: web.Request) -> web.Response:
        verdicts.append(await bovine_check(request) is not None)
        if not verdicts[-1]:
            raise web.HTTPUnauthorized()
        return web.json_response(own_id(request), content_type=AS2)

    async with serve({"/outbox": bovine_page}) as (base, seen):
        page = await fetch_document(session, f"{base}/outbox?page=true", signer=signer)
    assert page["id"] == f"{base}/outbox"
    assert verdicts == [False, True]
    assert [request.query_string for request in seen] == ["page=true", "page=true"], "the query is still asked for"

    async def refused(request: web.Request) -> web.Response:
        raise web.HTTPUnauthorized()

    for path, tries in (("/outbox?page=true", 2), ("/outbox", 1)):  # a 401 without a query is not retried
        async with serve({"/outbox": refused}) as (base, seen):
            with pytest.raises(FetchError) as error:
                await fetch_document(session, f"{base}{path}", signer=signer)
        assert error.value.status == 401 and len(seen) == tries, path


async def test_a_redirect_to_another_host_is_refused(session: aiohttp.ClientSession) -> None:
    async with serve({"/object": document_at(own_id)}) as (elsewhere, reached):

        async def away(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"{elsewhere}/object")

        async with serve({"/start": away}) as (base, _):
            with pytest.raises(FetchError, match="redirected to another host"):
                await fetch_document(session, f"{base}/start", signer=None)
    assert reached == []  # another port is another server


async def test_redirects_are_capped_at_three(session: aiohttp.ClientSession) -> None:
    async def hop(request: web.Request) -> web.Response:
        step = int(request.match_info["n"])
        if step == 0:
            return web.json_response(own_id(request), content_type=AS2)
        raise web.HTTPFound(f"/hop/{step - 1}")

    async with serve({"/hop/{n}": hop}) as (base, seen):
        assert (await fetch_document(session, f"{base}/hop/3", signer=None))["id"] == f"{base}/hop/0"
        del seen[:]
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await fetch_document(session, f"{base}/hop/4", signer=None)
    assert len(seen) == 4


async def test_an_oversized_body_is_refused(session: aiohttp.ClientSession) -> None:
    async def huge(request: web.Request) -> web.Response:
        padding = "x" * (2 * 1024 * 1024)
        return web.json_response({**own_id(request), "content": padding}, content_type=AS2)

    async with serve({"/huge": huge}) as (base, _):
        with pytest.raises(FetchError) as refused:
            await fetch_document(session, f"{base}/huge", signer=None)
        assert isinstance(refused.value.__cause__, ResponseTooLarge)
        with pytest.raises(FetchError, match="larger than 1000 bytes"):
            await fetch_document(session, f"{base}/huge", signer=None, max_bytes=1000)


@pytest.mark.parametrize("content_type", ["application/json", "text/html", "application/ld+json; profile=other"])
async def test_a_document_that_is_not_activitystreams_is_refused(
    session: aiohttp.ClientSession, content_type: str
) -> None:
    async with serve({"/object": document_at(own_id, content_type)}) as (base, _):
        with pytest.raises(FetchError, match="not an ActivityStreams media type"):
            await fetch_document(session, f"{base}/object", signer=None)


@pytest.mark.parametrize(
    "content_type",
    [
        AS2,
        "application/activity+json; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    ],
)
async def test_both_activitystreams_media_types_are_accepted(session: aiohttp.ClientSession, content_type: str) -> None:
    async with serve({"/object": document_at(own_id, content_type)}) as (base, _):
        assert (await fetch_document(session, f"{base}/object#frag", signer=None))["id"] == f"{base}/object"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            lambda request: {"id": "https://elsewhere.example/object", "type": "Note"},
            "is not on the host that served it",
        ),
        (lambda request: {"id": f"http://127.0.0.1:1{request.path}", "type": "Note"}, "is not on the host"),
        (lambda request: {"type": "Note"}, "has no id"),
        (lambda request: [own_id(request)], "not an object"),
    ],
)
async def test_a_document_that_cannot_speak_for_its_url_is_refused(
    session: aiohttp.ClientSession, body: Callable[[web.Request], Any], reason: str
) -> None:
    async with serve({"/object": document_at(body)}) as (base, _):
        with pytest.raises(FetchError, match=reason):
            await fetch_document(session, f"{base}/object", signer=None)


async def test_broken_json_and_error_statuses(session: aiohttp.ClientSession) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(text="{not json", content_type=AS2)

    async def gone(request: web.Request) -> web.Response:
        raise web.HTTPGone()

    async with serve({"/broken": broken, "/gone": gone}) as (base, _):
        with pytest.raises(FetchError, match="not JSON"):
            await fetch_document(session, f"{base}/broken", signer=None)
        with pytest.raises(FetchError) as failed:
            await fetch_document(session, f"{base}/gone", signer=None)
        assert failed.value.gone and failed.value.status == 410
        with pytest.raises(FetchError) as missing:
            await fetch_document(session, f"{base}/missing", signer=None)
        assert missing.value.status == 404 and not missing.value.gone
    with pytest.raises(FetchError, match="not an absolute http"):
        await fetch_document(session, "ftp://peer.example/object", signer=None)


async def test_the_outbound_guard_applies(demo_node: Node) -> None:
    closed = Config(node=NodeSection(dev_mode=True))
    async with create_session(closed) as session:
        with pytest.raises(FetchError, match="loopback address") as refused:
            await fetch_document(session, f"{demo_node.base_url}/actor", signer=None)
    assert isinstance(refused.value.__cause__, OutboundRefused)
