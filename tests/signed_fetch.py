"""Signed GETs in tests, as peers send them in secure mode: signed with a real key of a real actor.

Two kinds of signer: an actor of another running node (`stored_key` reads its key from that
node's database, and the node serving the document fetches the public key from that node), and
`PeerActor`, a one-person server in the test process on its own 127.0.0.1 port, for tests that
need a remote reader without starting a second node.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from essaim.actors import node
from essaim.actors.keys import new_key_pair
from essaim.actors.models import Actor
from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON
from tests.helpers import database


@dataclass(frozen=True)
class SigningKey:
    """A key id and its private key: whoever holds it can sign as the key's actor."""

    key_id: str
    private_key_pem: str = field(repr=False)

    def get_headers(self, url: str, accept: str = ACTIVITY_JSON) -> dict[str, str]:
        """The headers of a GET of `url` (its query included) signed with this key, draft-cavage as peers sign."""
        headers = {"Accept": accept}
        return headers | sign_request(
            "GET", url, headers, None, key_id=self.key_id, private_key_pem=self.private_key_pem
        )


async def signed_get_json(
    http: aiohttp.ClientSession, url: str, key: SigningKey, *, status: int = 200, accept: str = ACTIVITY_JSON
) -> Any:
    """GET `url` signed with `key`; asserts the status and returns the JSON body."""
    async with http.get(url, headers=key.get_headers(url, accept)) as response:
        body = await response.text()
        assert response.status == status, f"{url}: {response.status} {body[:500]}"
        return await response.json(content_type=None)


async def stored_key(database_url: str, username: str | None = None) -> SigningKey:
    """The key of a local actor of a node, from its database: a person by handle, or (None) the node's `/actor`."""
    async with database(database_url) as session:
        if username is None:
            actor = await node.instance_actor(session)
        else:
            query = select(Actor).where(Actor.username == username, Actor.domain.is_(None))
            actor = (await session.execute(query)).scalar_one()
    assert actor.private_key_pem is not None
    return SigningKey(actor.key_id, actor.private_key_pem)


class PeerActor:
    """A server of one actor on 127.0.0.1:PORT that serves its actor document, so nodes can fetch its key."""

    def __init__(self, port: int, actor_type: str = "Person") -> None:
        self.port = port
        self.actor_type = actor_type
        keys = new_key_pair()
        self.public_key_pem = keys.public_pem
        self.key = SigningKey(f"{self.actor}#main-key", keys.private_pem)
        app = web.Application()
        app.router.add_get("/users/reader", self._document)
        self.server = TestServer(app, host="127.0.0.1", port=port)

    @property
    def actor(self) -> str:
        return f"http://127.0.0.1:{self.port}/users/reader"

    async def _document(self, request: web.Request) -> web.Response:
        document = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": self.actor_type,
            "preferredUsername": "reader",
            "inbox": f"{self.actor}/inbox",
            "publicKey": {"id": self.key.key_id, "owner": self.actor, "publicKeyPem": self.public_key_pem},
        }
        return web.Response(body=json.dumps(document).encode(), content_type=ACTIVITY_JSON)
