"""A test peer for a running node's inboxes, and the helpers its tests share.

The peer is a small aiohttp app on its own 127.0.0.1 port (so its own host, as far as the node
is concerned): it serves its actor document with a key it can rotate, records what arrives in
its inbox, and signs requests with `federation.signatures.sign_request`, as a real server would.
Test modules import the fixtures (`node`, `peer`, `other_peer`) from here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from essaim.actors.keys import KeyPair, new_key_pair
from essaim.actors.models import Actor, Job
from essaim.federation.signatures import SignedRequest, sign_request, verify_request
from essaim.federation.vocab import ACTIVITY_JSON
from essaim.inbox.unverified import VERIFY
from tests.conftest import Node, NodeFactory, free_port
from tests.federation_helpers import eventually
from tests.helpers import actor_uri, database


class Peer:
    """A fediverse server of one person, `peer`, on 127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.keys = new_key_pair()
        self.received: list[dict[str, Any]] = []
        self.verified: list[bool] = []
        self.actor_fetches = 0
        self.files: dict[str, bytes] = {}  # served at /files/{name}, each GET counted
        self.file_fetches: dict[str, int] = {}
        self.profile: dict[str, Any] = {}  # more of the actor document (icon, image, tag…), over the defaults
        self.port = free_port()
        app = web.Application()
        app.router.add_get("/users/peer", self._actor)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_post("/users/peer/inbox", self._inbox)
        self.server = TestServer(app, host="127.0.0.1", port=self.port)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.base}/users/peer"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": "Person",
            "preferredUsername": "peer",
            "name": "Pat Peer",
            "inbox": f"{self.actor}/inbox",
            "outbox": f"{self.actor}/outbox",
            "followers": f"{self.actor}/followers",
            "publicKey": {"id": self.key_id, "owner": self.actor, "publicKeyPem": self.keys.public_pem},
        } | self.profile

    async def _actor(self, request: web.Request) -> web.Response:
        self.actor_fetches += 1
        return web.Response(body=json.dumps(self.document()).encode(), content_type=ACTIVITY_JSON)

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.file_fetches[name] = self.file_fetches.get(name, 0) + 1
        if name not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[name], content_type="image/jpeg")

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        activity = json.loads(body)
        self.received.append(activity)
        self.verified.append(await _verified_by_node(request, body, activity))
        return web.Response(status=202)

    def signed(
        self,
        url: str,
        activity: dict[str, Any] | bytes,
        *,
        keys: KeyPair | None = None,
        key_id: str | None = None,
        now: datetime | None = None,
        content_type: str = ACTIVITY_JSON,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a POST signed by this peer (or with `keys` / `key_id` given)."""
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        headers = {"Content-Type": content_type}
        headers |= sign_request(
            "POST",
            url,
            headers,
            body,
            key_id=key_id or self.key_id,
            private_key_pem=(keys or self.keys).private_pem,
            now=now,
        )
        return body, headers

    def follow(self, target: str, number: int = 1) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor}#follows/{number}",
            "type": "Follow",
            "actor": self.actor,
            "object": target,
        }


async def _verified_by_node(request: web.Request, body: bytes, activity: dict[str, Any]) -> bool:
    """Check the node's signature as any peer would: fetch the signer's key from its actor document."""
    async with aiohttp.ClientSession() as client:
        async with client.get(activity["actor"], headers={"Accept": ACTIVITY_JSON}) as response:
            pem = (await response.json(content_type=None))["publicKey"]["publicKeyPem"]
    url = f"http://{request.host}{request.raw_path}"
    try:
        verify_request(SignedRequest(request.method, url, request.headers, body), pem)
    except Exception:
        return False
    return True


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    peer = Peer()
    await peer.server.start_server()
    try:
        yield peer
    finally:
        await peer.server.close()


@pytest.fixture
async def other_peer() -> AsyncIterator[Peer]:
    peer = Peer()
    await peer.server.start_server()
    try:
        yield peer
    finally:
        await peer.server.close()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One demo node for the module: each test uses its own peer, so they do not meet."""
    factory = NodeFactory(tmp_path_factory.mktemp("inbox"))
    yield factory.create(demo=True)
    factory.close()


async def post(
    http: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str], *, status: int
) -> dict[str, Any] | None:
    async with http.post(url, data=body, headers=headers) as response:
        text = await response.text()
        assert response.status == status, f"{url}: {response.status} {text[:500]}"
        return json.loads(text) if text else None


async def count(node: Node, model: Any, *conditions: Any) -> int:
    async with database(node.database_url) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def stored_actor(node: Node, uri: str) -> Actor | None:
    async with database(node.database_url) as session:
        return await session.scalar(select(Actor).where(Actor.uri == uri))


async def hugo(http: aiohttp.ClientSession, node: Node) -> str:
    return await actor_uri(http, node.base_url, node.domain, "hugo")


async def settled(node: Node, peer: Peer) -> bool:
    """No request of the peer signed by a key the node did not have is still waiting for it (inbox/verifier.py)."""
    waiting = (Job.kind == VERIFY, Job.group_key == f"127.0.0.1:{peer.port}", Job.run_at.is_not(None))
    return await count(node, Job, *waiting) == 0


async def known(http: aiohttp.ClientSession, node: Node, peer: Peer) -> None:
    """Make the node know the peer and its key (a first activity, verified once the key is fetched), so
    the next requests are verified at once."""
    target = await hugo(http, node)
    body, headers = peer.signed(f"{node.base_url}/inbox", peer.follow(target, 0))
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)

    async def stored() -> bool:
        return await stored_actor(node, peer.actor) is not None and await settled(node, peer)

    await eventually(stored, "the peer's key fetched")
