"""A running bovine-herd server with one actor on it, driven the way its own users drive it.

bovine-herd (PyPI) is an ActivityPub server written independently of Essaim. `BovinePeer.start` gives it a
fresh SQLite database (bovine caches every key it has seen by key id, so a peer is never reused across runs),
registers an actor with its admin command (`python -m bovine_store`) under `http://127.0.0.1:PORT` — the scheme
in the domain is what makes bovine federate over plain http — and gives the actor an Ed25519 client key.
`BovineUser` then acts as that actor through bovine's client API: ActivityPub client-to-server, that is
activities POSTed to the actor's outbox and objects read through its `proxyUrl`, authenticated with bovine's
Moo-Auth-1 scheme. What bovine recorded (its inbox, followers, following, stored objects) is read from its
database, read-only.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from bovine import BovineClient
from bovine.clients.signed_http import legacy_digest_method
from bovine.clients.utils import host_target_from_url
from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key
from bovine.crypto.http_signature import build_signature
from bovine.crypto.types import CryptographicSecret
from bovine.utils import get_gmt_now

from tests.conftest import LoopbackServer, free_port
from tests.helpers import ACTIVITY_JSON
from tests.interop.bovine_server import REFUSED

SERVER = Path(__file__).with_name("bovine_server.py")
HANDLE = "milkdud"
REGISTERED = re.compile(r"Registered new user with bovine name (\S+)")


@dataclass
class BovinePeer(LoopbackServer):
    """One bovine-herd process and the files it keeps in `folder`."""

    secret: str  # the actor's Ed25519 key for bovine's client API

    @property
    def handle(self) -> str:
        return f"{HANDLE}@{self.domain}"

    @property
    def database_path(self) -> Path:
        return self.folder / "bovine.sqlite3"

    @property
    def env(self) -> dict[str, str]:
        # bovine looks people up over https unless told plain http is allowed.
        return {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")} | {"BUTCHER_ALLOW_HTTP": "1"}

    def admin(self, *args: str) -> str:
        """Run bovine's admin command on the peer's database; its standard output."""
        command = [sys.executable, "-m", "bovine_store", "--db_url", f"sqlite://{self.database_path}", *args]
        result = subprocess.run(command, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"bovine_store {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    @classmethod
    def start(cls, folder: Path) -> BovinePeer:
        """A new database with one actor, and the server running on it."""
        peer = cls(folder, free_port(), generate_ed25519_private_key())
        peer.admin("create")
        registered = REGISTERED.search(peer.admin("register", "--domain", peer.base_url, "--handle", HANDLE))
        assert registered, "bovine_store register printed no name"
        peer.admin("key", "--add", private_key_to_did_key(peer.secret), registered.group(1))
        server = [sys.executable, str(SERVER), str(peer.port), f"sqlite://{peer.database_path}"]
        peer.launch("bovine-herd", server, peer.env)
        return peer

    def refused_connections(self) -> list[str]:
        """Hosts other than 127.0.0.1 that bovine tried to reach (none, when its contexts were all preloaded)."""
        return [line for line in self.log().splitlines() if line.startswith(REFUSED)]

    def _query(self, sql: str, *params: str) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(f"file:{self.database_path}?mode=ro", uri=True, timeout=10)) as db:
            return db.execute(sql, params).fetchall()

    def collection(self, collection_id: str) -> list[str]:
        """The ids bovine keeps in one of its collections (inbox, outbox, followers, following), oldest first."""
        rows = self._query("SELECT object_id FROM collectionitem WHERE part_of = ? ORDER BY id", collection_id)
        return [row[0] for row in rows]

    def stored(self, object_id: str) -> dict[str, Any] | None:
        """The document bovine stored under `object_id` (compacted to its own context), if any."""
        rows = self._query("SELECT content FROM storedjsonobject WHERE id = ?", object_id)
        return json.loads(rows[0][0]) if rows else None

    def audience(self, object_id: str) -> str:
        """How bovine read an object's addressing: `PUBLIC`, or `RESTRICTED` to the actors it names."""
        (row,) = self._query("SELECT visibility FROM storedjsonobject WHERE id = ?", object_id)
        return str(row[0])


class BovineUser:
    """The peer's actor, acting through bovine's client API."""

    def __init__(self, peer: BovinePeer, client: BovineClient) -> None:
        self.peer, self.client = peer, client
        self.actor: dict[str, Any] = client.information or {}

    @property
    def uri(self) -> str:
        return str(self.actor["id"])

    async def send(self, activity: dict[str, Any]) -> str:
        """POST an activity to the actor's outbox; the id bovine gave it."""
        response = await self.client.send_to_outbox(activity)
        assert response.status == 201, f"outbox: {response.status} {await response.text()}"
        return str(response.headers["location"])

    async def follow(self, actor_uri: str) -> str:
        return await self.send(self.client.activity_factory.follow(actor_uri).build())

    async def accept(self, follow: dict[str, Any]) -> str:
        return await self.send(self.client.activity_factory.accept(follow).build())

    async def note(self, content: str, *, to: list[str], cc: list[str] | None = None) -> str:
        """Post a Note with exactly this addressing; the id bovine gave the Note."""
        note = self.client.object_factory.note(content=content, to=set(to), cc=set(cc or [])).build()
        create = self.peer.stored(await self.send(self.client.activity_factory.create(note).build()))
        assert create is not None, "bovine stores what its outbox accepts before answering"
        return str(create["object"])

    async def read(self, object_id: str) -> dict[str, Any]:
        """An object as bovine shows it to its actor (through `proxyUrl`: its store first, else a signed fetch)."""
        return dict(await self.client.proxy(object_id))

    def inbox(self) -> list[str]:
        return self.peer.collection(self.actor["inbox"])

    def followers(self) -> list[str]:
        return self.peer.collection(self.actor["followers"])

    def following(self) -> list[str]:
        return self.peer.collection(self.actor["following"])


@asynccontextmanager
async def bovine_user(peer: BovinePeer, http: aiohttp.ClientSession) -> AsyncIterator[BovineUser]:
    """Sign in to the peer's client API as its actor (found by WebFinger from its client key)."""
    client = BovineClient(domain=peer.base_url, secret=peer.secret)
    await client.init(session=http)
    yield BovineUser(peer, client)


def signed_post_headers(url: str, body: bytes, secret: CryptographicSecret) -> dict[str, str]:
    """The headers bovine's `signed_post` sends with `body`, built the same way but not sent."""
    host, target = host_target_from_url(url)
    digest_header, digest = legacy_digest_method(body)
    signature = (
        build_signature(host, "post", target)
        .with_field("date", get_gmt_now())
        .with_field(digest_header, digest)
        .with_field("content-type", ACTIVITY_JSON)
    )
    return {**signature.headers, "signature": signature.sign_for_http_draft(secret)}
