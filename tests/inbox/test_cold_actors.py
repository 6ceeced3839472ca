"""Activities from actors the node has never met: answered 202 at once, verified once their key is fetched.

A real node process and a real loopback peer (tests/inbox_peer.py) whose actor document counts its fetches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Follow, InboxItem, Job
from essaim.inbox.unverified import VERIFY
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import eventually
from tests.inbox_peer import Peer, count, hugo, node, peer, post, settled, stored_actor

__all__ = ["node", "peer"]  # fixtures, imported for pytest


class SlowPeer(Peer):
    """A peer whose actor document is served only once `open` is set (a key fetch left hanging)."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.asked = asyncio.Event()

    async def _actor(self, request: web.Request) -> web.Response:
        self.asked.set()
        await self.open.wait()
        return await super()._actor(request)


@pytest.fixture
async def cold_peer() -> AsyncIterator[SlowPeer]:
    peer = SlowPeer()
    await peer.server.start_server()
    try:
        yield peer
    finally:
        peer.open.set()
        await peer.server.close()


async def test_a_cold_actors_follow_is_acknowledged_before_its_key_is_fetched(
    node: Node, cold_peer: SlowPeer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    follow = cold_peer.follow(target)
    body, headers = cold_peer.signed(f"{target}/inbox", follow)
    await post(http, f"{target}/inbox", body, headers, status=202)  # the key is not served yet
    assert await stored_actor(node, cold_peer.actor) is None

    cold_peer.open.set()

    async def applied() -> bool:
        return await count(node, Follow, Follow.uri == follow["id"], Follow.accepted.is_(True)) == 1

    await eventually(applied, "the Follow applied once the key was fetched")
    assert cold_peer.actor_fetches == 1


async def test_twenty_activities_of_one_cold_actor_fetch_its_key_once(
    node: Node, cold_peer: SlowPeer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    url = f"{node.base_url}/inbox"
    follows = [cold_peer.follow(target, number) for number in range(1, 21)]
    signed = [cold_peer.signed(url, follow) for follow in follows]
    await asyncio.gather(*(post(http, url, body, headers, status=202) for body, headers in signed))
    await asyncio.wait_for(cold_peer.asked.wait(), 30)
    cold_peer.open.set()

    async def all_recorded() -> bool:
        ids = [follow["id"] for follow in follows]
        return await count(node, InboxItem, InboxItem.activity_id.in_(ids)) == len(ids)

    await eventually(all_recorded, "the twenty activities verified and recorded")
    assert cold_peer.actor_fetches == 1


async def test_a_forged_signature_from_a_cold_actor_is_dropped(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    follow = peer.follow(target)
    body, headers = peer.signed(f"{target}/inbox", follow, keys=new_key_pair())  # not the key the peer publishes
    await post(http, f"{target}/inbox", body, headers, status=202)

    await eventually(lambda: settled(node, peer), "the request verified")
    assert peer.actor_fetches == 1  # fetched once: a fresh key that fails is not fetched again
    assert await count(node, InboxItem, InboxItem.activity_id == follow["id"]) == 0
    assert await count(node, Follow, Follow.uri == follow["id"]) == 0
    assert "dropped an activity signed by" in node.log() and "bad signature" in node.log()


async def test_a_claim_checked_before_the_key_is_still_refused_at_once(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    activity = peer.follow(await hugo(http, node)) | {"id": "http://127.0.0.1:1/activities/1"}
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity)
    error = await post(http, url, body, headers, status=400)
    assert error is not None and "is not on the sender's server" in error["error"]
    assert peer.actor_fetches == 0


async def test_a_request_waiting_for_its_key_survives_a_restart(
    nodes: NodeFactory, cold_peer: SlowPeer, http: aiohttp.ClientSession
) -> None:
    node = nodes.create(demo=True)
    target = await hugo(http, node)
    follow = cold_peer.follow(target)
    body, headers = cold_peer.signed(f"{target}/inbox", follow)
    await post(http, f"{target}/inbox", body, headers, status=202)
    await asyncio.wait_for(cold_peer.asked.wait(), 30)  # the verifier is waiting on the key

    await asyncio.to_thread(node.stop)
    assert await count(node, Job, Job.kind == VERIFY, Job.locked_by.is_(None)) == 1  # handed back, not lost
    cold_peer.open.set()
    await asyncio.to_thread(node.start)

    async def applied() -> bool:
        return await count(node, Follow, Follow.uri == follow["id"], Follow.accepted.is_(True)) == 1

    await eventually(applied, "the Follow applied after the restart")
