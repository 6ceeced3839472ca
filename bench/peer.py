"""A remote server of many actors on 127.0.0.1: it serves their actor documents and signs their activities.

A real aiohttp server in the bench process (the client's core). Every GET is counted by path,
so a scenario can check how often the node fetched each key; `latency` delays each answer, as a
distant server would. All actors may share one key pair: generating RSA keys (32 ms each) is not
what a benchmark measures, and the node fetches and stores each actor's key on its own anyway.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from aiohttp import web

from essaim.actors.keys import KeyPair
from essaim.bench.load import Request
from essaim.bench.process import free_port
from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON, PUBLIC

AS2 = "https://www.w3.org/ns/activitystreams"
MASTODON_CONTEXT: list[Any] = [
    AS2,
    "https://w3id.org/security/v1",
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "Hashtag": "as:Hashtag",
    },
]


class PeerServer:
    """Actors `/users/<name>` on one host; an actor not in `keys` is answered 404 (an unknown actor)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.keys: dict[str, KeyPair] = {}
        self.fetches: Counter[str] = Counter()
        self.port = free_port()
        app = web.Application()
        app.router.add_get("/users/{name}", self._actor)
        app.router.add_route("*", "/{tail:.*}", self._other)
        self._runner = web.AppRunner(app, access_log=None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def actor(self, name: str) -> str:
        return f"{self.base_url}/users/{name}"

    def key_id(self, name: str) -> str:
        return f"{self.actor(name)}#main-key"

    def document(self, name: str) -> dict[str, Any]:
        uri = self.actor(name)
        return {
            "@context": MASTODON_CONTEXT,
            "id": uri,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "publicKey": {"id": self.key_id(name), "owner": uri, "publicKeyPem": self.keys[name].public_pem},
        }

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _actor(self, request: web.Request) -> web.Response:
        self.fetches[request.path] += 1
        await asyncio.sleep(self.latency)
        name = request.match_info["name"]
        if name not in self.keys:
            raise web.HTTPNotFound()
        return web.Response(body=json.dumps(self.document(name)).encode(), content_type=ACTIVITY_JSON)

    async def _other(self, request: web.Request) -> web.Response:
        self.fetches[request.path] += 1
        raise web.HTTPNotFound()

    def signed_post(self, url: str, activity: dict[str, Any], name: str, keys: KeyPair) -> Request:
        """A POST of `activity` to `url` signed as actor `name` with `keys` (its own, or wrong ones)."""
        body = json.dumps(activity).encode()
        headers = {"Content-Type": ACTIVITY_JSON}
        headers |= sign_request("POST", url, headers, body, key_id=self.key_id(name), private_key_pem=keys.private_pem)
        return Request("POST", url, body, headers)

    def create_note(self, name: str, number: int, mention: str, filler: str) -> dict[str, Any]:
        """A public `Create{Note}` as Mastodon sends it (about 5 KB with a 3 KB `filler`), mentioning `mention`."""
        actor = self.actor(name)
        note = f"{actor}/statuses/{number}"
        published = "2026-11-22T12:00:00Z"
        tag_url = f"{self.base_url}/tags/bench"
        content = (
            f'<p><span class="h-card"><a href="{mention}" class="u-url mention">@<span>bench</span></a></span> '
            f"{filler} "
            f'<a href="{tag_url}" class="mention hashtag" rel="tag">#<span>bench</span></a></p>'
        )
        return {
            "@context": MASTODON_CONTEXT,
            "id": f"{note}/activity",
            "type": "Create",
            "actor": actor,
            "published": published,
            "to": [PUBLIC],
            "cc": [f"{actor}/followers", mention],
            "object": {
                "id": note,
                "type": "Note",
                "summary": None,
                "inReplyTo": None,
                "published": published,
                "url": f"{self.base_url}/@{name}/{number}",
                "attributedTo": actor,
                "to": [PUBLIC],
                "cc": [f"{actor}/followers", mention],
                "sensitive": False,
                "atomUri": note,
                "inReplyToAtomUri": None,
                "conversation": f"tag:127.0.0.1,2026-11-22:objectId={number}:objectType=Conversation",
                "content": content,
                "contentMap": {"en": content},
                "attachment": [],
                "tag": [
                    {"type": "Mention", "href": mention, "name": "@bench"},
                    {"type": "Hashtag", "href": tag_url, "name": "#bench"},
                ],
            },
        }
