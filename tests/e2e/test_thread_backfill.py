"""Threads across three real nodes: a reply whose parents a node never saw brings them along.

hugo (node one) starts a thread and answers himself; sofia (node two) follows him and replies;
lucas (node three) follows sofia only. Her reply reaches node three, which fetches the missing
parents from node one (a persistent job per level), so lucas sees the whole thread in its context,
even when node one was away and node three was killed while its fetch waited for a retry.
A followers-only parent is never fetched for node three, whose own signature may not read it. A
peer serving an endless chain, or two posts answering each other, costs a bounded number of fetches.
Reading a remote post's context has its `replies` collection read: the replies anyone may read follow.
Node one serves each signer the replies it may read in a post's `replies` collection.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from essaim.actors.models import Job
from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON, PUBLIC
from essaim.inbox.threads import MAX_DEPTH, PARENT_FETCH, REPLIES_FETCH
from tests.conftest import Node, NodeFactory, free_port
from tests.federation_helpers import Person, eventually, follow, person, stored_status
from tests.helpers import database, get_json
from tests.signed_fetch import PeerActor, signed_get_json, stored_key


async def backfill_settled(node: Node) -> bool:
    """No thread fetch is waiting or running on the node: whatever it will fetch, it has."""
    kinds = (PARENT_FETCH, REPLIES_FETCH)
    async with database(node.database_url) as session:
        waiting = await session.scalar(select(func.count()).select_from(Job).where(Job.kind.in_(kinds)))
    return waiting == 0


async def context(reader: Person, status_id: str) -> dict[str, Any]:
    return dict(await reader.api("GET", f"/api/v1/statuses/{status_id}/context"))


async def test_a_reply_brings_its_missing_parents(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two, three = (nodes.create(demo=True) for _ in range(3))
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, three, "lucas")
    await follow(sofia, hugo)
    await follow(lucas, sofia)
    start = await hugo.post("start-marker a question", "public")
    more = await hugo.post("more-marker and more", "unlisted", in_reply_to_id=start["id"])
    at_sofia = await eventually(lambda: sofia.home("more-marker"), "hugo's second post at sofia's")

    await sofia.post(f"@{hugo.handle} reply-marker my answer", "public", in_reply_to_id=at_sofia["id"])
    reply = await eventually(lambda: lucas.home("reply-marker"), "sofia's reply at lucas's")
    assert await lucas.home("start-marker") is None, "lucas follows sofia only"

    async def whole_thread() -> list[dict[str, Any]] | None:
        ancestors = (await context(lucas, reply["id"]))["ancestors"]
        return ancestors if len(ancestors) == 2 else None

    ancestors = await eventually(whole_thread, "both of hugo's posts above sofia's reply on node three")
    assert [s["uri"] for s in ancestors] == [start["uri"], more["uri"]]
    assert [s["visibility"] for s in ancestors] == ["public", "unlisted"]
    assert ancestors[1]["in_reply_to_id"] == ancestors[0]["id"]
    assert (await lucas.status(reply["id"]))["in_reply_to_id"] == ancestors[1]["id"]
    below = await context(lucas, ancestors[0]["id"])
    assert [s["id"] for s in below["descendants"]] == [ancestors[1]["id"], reply["id"]]
    assert await lucas.home("start-marker") is None, "fetched parents are history, not news"


async def test_a_followers_only_parent_is_never_backfilled(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two, three = (nodes.create(demo=True) for _ in range(3))
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, three, "lucas")
    await follow(sofia, hugo)
    await follow(lucas, sofia)
    private = await hugo.post("secret-marker for followers", "private")
    at_sofia = await eventually(lambda: sofia.home("secret-marker"), "the followers-only post at sofia's")

    await sofia.post("open-marker replying in public", "public", in_reply_to_id=at_sofia["id"])
    reply = await eventually(lambda: lucas.home("open-marker"), "sofia's reply at lucas's")
    await eventually(lambda: backfill_settled(three), "node three's parent fetch to end")
    assert await stored_status(three, private["uri"]) is None
    assert (await context(lucas, reply["id"]))["ancestors"] == []
    assert (await lucas.status(reply["id"]))["in_reply_to_id"] is None


async def parent_fetch_failed(node: Node) -> bool:
    """A parent fetch tried, failed and waits for its retry in the node's database."""
    async with database(node.database_url) as session:
        failed = select(Job.id).where(Job.kind == PARENT_FETCH, Job.last_error.is_not(None), Job.run_at.is_not(None))
        return await session.scalar(failed) is not None


async def test_a_parent_fetch_survives_a_silent_peer_and_a_crash(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two, three = (nodes.create(demo=True) for _ in range(3))
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, three, "lucas")
    await follow(sofia, hugo)
    await follow(lucas, sofia)
    start = await hugo.post("patient-marker", "public")
    at_sofia = await eventually(lambda: sofia.home("patient-marker"), "hugo's post at sofia's")
    one.stop()  # hugo's server is away when node three wants the parent

    await sofia.post("late-marker a reply", "public", in_reply_to_id=at_sofia["id"])
    reply = await eventually(lambda: lucas.home("late-marker"), "sofia's reply at lucas's")
    await eventually(lambda: parent_fetch_failed(three), "node three failing to fetch the parent")
    assert three.process is not None
    three.process.kill()  # SIGKILL while the job waits for its retry: only the database remembers it
    three.process.wait()
    three.process = None
    one.start()
    three.start()

    async def parent() -> list[dict[str, Any]] | None:
        return (await context(lucas, reply["id"]))["ancestors"] or None

    ancestors = await eventually(parent, "the parent fetched after the restart", timeout=90)
    assert [s["uri"] for s in ancestors] == [start["uri"]]


class Storyteller(PeerActor):
    """A peer whose posts answer posts forever (`/chain/N` answers `/chain/N+1`), or each other (`/loop/a`, `/b`)."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.fetched: Counter[str] = Counter()
        self.server.app.router.add_get("/chain/{n}", self._chain)
        self.server.app.router.add_get("/loop/{name}", self._loop)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def note(self, path: str, parent: str | None) -> dict[str, Any]:
        return {
            "id": f"{self.base}{path}",
            "type": "Note",
            "attributedTo": self.actor,
            "content": f"<p>story-marker {path}</p>",
            "inReplyTo": f"{self.base}{parent}" if parent else None,
            "to": [PUBLIC],
            "cc": [],
        }

    def _served(self, request: web.Request, parent: str) -> web.Response:
        self.fetched[request.path] += 1
        document = {"@context": "https://www.w3.org/ns/activitystreams"} | self.note(request.path, parent)
        return web.Response(body=json.dumps(document).encode(), content_type=ACTIVITY_JSON)

    async def _chain(self, request: web.Request) -> web.Response:
        return self._served(request, f"/chain/{int(request.match_info['n']) + 1}")

    async def _loop(self, request: web.Request) -> web.Response:
        return self._served(request, "/loop/b" if request.match_info["name"] == "a" else "/loop/a")

    async def create(self, http: aiohttp.ClientSession, node: Node, path: str, parent: str) -> None:
        """Send a signed Create of a new post `path` answering `parent` to the node's shared inbox."""
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.base}{path}/activity",
            "type": "Create",
            "actor": self.actor,
            "to": [PUBLIC],
            "object": self.note(path, parent),
        }
        body = json.dumps(activity).encode()
        url = f"{node.base_url}/inbox"
        headers = {"Content-Type": ACTIVITY_JSON}
        headers |= sign_request(
            "POST", url, headers, body, key_id=self.key.key_id, private_key_pem=self.key.private_key_pem
        )
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 202, await response.text()


@pytest.fixture
async def storyteller() -> AsyncIterator[Storyteller]:
    peer = Storyteller(free_port())
    await peer.server.start_server()
    try:
        yield peer
    finally:
        await peer.server.close()


async def test_endless_and_looping_chains_are_bounded(
    nodes: NodeFactory, http: aiohttp.ClientSession, storyteller: Storyteller
) -> None:
    node = nodes.create(demo=True)
    lucas = await person(http, node, "lucas")

    # An endless chain: MAX_DEPTH parents fetched, each once, then the backfill stops.
    await storyteller.create(http, node, "/start", "/chain/1")
    await eventually(lambda: stored_status(node, f"{storyteller.base}/start"), "the reply stored")
    await eventually(lambda: stored_status(node, f"{storyteller.base}/chain/{MAX_DEPTH}"), "the chain fetched")
    await eventually(lambda: backfill_settled(node), "the backfill to stop", timeout=30)
    assert storyteller.fetched == Counter({f"/chain/{n}": 1 for n in range(1, MAX_DEPTH + 1)})
    assert await stored_status(node, f"{storyteller.base}/chain/{MAX_DEPTH + 1}") is None

    # Two posts answering each other: each fetched once, and the thread does not loop.
    await storyteller.create(http, node, "/other", "/loop/a")
    await eventually(lambda: stored_status(node, f"{storyteller.base}/loop/b"), "both posts of the loop")
    await eventually(lambda: backfill_settled(node), "the backfill to stop")
    assert storyteller.fetched["/loop/a"] == storyteller.fetched["/loop/b"] == 1
    found = await lucas.api("GET", "/api/v2/search", params={"q": f"{storyteller.base}/other", "resolve": "true"})
    ancestors = (await context(lucas, found["statuses"][0]["id"]))["ancestors"]
    assert [s["uri"] for s in ancestors] == [f"{storyteller.base}/loop/a"], "/loop/b answers /loop/a: not above it"
    below = (await context(lucas, ancestors[0]["id"]))["descendants"]
    assert sorted(s["uri"] for s in below) == [f"{storyteller.base}/loop/b", f"{storyteller.base}/other"]


async def test_replies_collection_shows_each_signer_what_they_may_read(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")
    await follow(sofia, amina)
    start = await hugo.post("collection-marker", "public")
    public = await amina.post("public reply", "public", in_reply_to_id=start["id"])
    unlisted = await amina.post("unlisted reply", "unlisted", in_reply_to_id=start["id"])
    private = await amina.post("followers-only reply", "private", in_reply_to_id=start["id"])
    await amina.post(f"@{hugo.handle} direct reply", "direct", in_reply_to_id=start["id"])
    everyone = [public["uri"], unlisted["uri"]]

    # The Note embeds its replies: to sofia (amina's follower) the followers-only one too; to lucas, to node two
    # itself, only what anyone may read.
    note = await signed_get_json(http, start["uri"], await sofia.key())
    replies = note["replies"]
    assert replies["id"] == f"{start['uri']}/replies" and replies["type"] == "Collection"
    assert replies["first"]["items"] == [*everyone, private["uri"]] and "next" not in replies["first"]
    for key in (await lucas.key(), await stored_key(two.database_url)):
        assert (await signed_get_json(http, start["uri"], key))["replies"]["first"]["items"] == everyone

    # The collection has its own id, and pages after a cursor; unsigned GETs get nothing (authorized fetch).
    collection = await signed_get_json(http, replies["id"], await lucas.key())
    assert collection["first"]["items"] == everyone and collection["first"]["partOf"] == replies["id"]
    after_first = f"{replies['id']}?page=true&min_id={public['id']}"
    assert (await signed_get_json(http, after_first, await sofia.key()))["items"] == [unlisted["uri"], private["uri"]]
    await get_json(http, replies["id"], status=401)
    # The replies of a post the signer may not read do not exist for them.
    await signed_get_json(http, f"{private['uri']}/replies", await lucas.key(), status=404)


async def test_reading_a_remote_context_fetches_the_replies_anyone_may_read(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    lucas = await person(http, two, "lucas")
    start = await hugo.post("discussed-marker", "public")
    replies = [
        await amina.post("first reply", "public", in_reply_to_id=start["id"]),
        await amina.post("followers-only reply", "private", in_reply_to_id=start["id"]),
        await hugo.post("the author's own follow-up", "unlisted", in_reply_to_id=start["id"]),
    ]
    found = await lucas.api("GET", "/api/v2/search", params={"q": start["uri"], "resolve": "true"})
    copy_id = found["statuses"][0]["id"]

    async def descendants() -> list[str] | None:
        below = [s["uri"] for s in (await context(lucas, copy_id))["descendants"]]
        return below if len(below) >= 2 else None

    below = await eventually(descendants, "the replies of hugo's post on node two")
    assert below == [replies[0]["uri"], replies[2]["uri"]]
    await eventually(lambda: backfill_settled(two), "node two's thread fetches to end")
    assert await stored_status(two, replies[1]["uri"]) is None, "a followers-only reply is never backfilled"
    assert await lucas.home("first reply") is None, "fetched replies are history, not news"
