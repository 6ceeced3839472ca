"""A reply that reaches a running node before the post it answers is linked once the parent arrives.

The peer (tests/inbox_peer.py) controls the order: it sends the reply's Create first (the node keeps the
parent's id; its fetch of the parent finds nothing at the peer), then the parent's. hugo reads the thread
through the API: the context shows it whole, and a direct thread is one conversation, not two.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from essaim.actors.models import Status
from tests.api_helpers import api_token, call
from tests.conftest import Node
from tests.federation_helpers import eventually, stored_status
from tests.inbox_peer import Peer, hugo, node, peer, post

__all__ = ["node", "peer"]  # fixtures, imported for pytest

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def deliver(http: aiohttp.ClientSession, node: Node, peer: Peer, note: dict[str, Any]) -> Status:
    """The peer's Create of `note`, posted to the node's shared inbox; the node's copy once stored."""
    activity = {"id": f"{note['id']}/activity", "type": "Create", "actor": peer.actor, "to": note["to"], "object": note}
    body, headers = peer.signed(f"{node.base_url}/inbox", activity)
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)
    return await eventually(lambda: stored_status(node, note["id"]), f"{note['id']} stored")


async def notes(http: aiohttp.ClientSession, node: Node, peer: Peer, visibility: str) -> tuple[dict[str, Any], ...]:
    """A parent and its reply by the peer, both mentioning hugo, `public` or `direct`."""
    target = await hugo(http, node)
    to, cc = ([PUBLIC], [target]) if visibility == "public" else ([target], [])
    mention = [{"type": "Mention", "href": target, "name": f"@hugo@{node.domain}"}]
    parent = {"id": f"{peer.actor}/statuses/1", "type": "Note", "attributedTo": peer.actor, "to": to, "cc": cc}
    parent |= {"content": "<p>parent-marker</p>", "tag": mention}
    reply = parent | {"id": f"{peer.actor}/statuses/2", "content": "<p>reply-marker</p>", "inReplyTo": parent["id"]}
    return parent, reply


async def test_a_reply_stored_before_its_parent_joins_the_thread(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    parent, reply = await notes(http, node, peer, "public")
    token = await api_token(node, "hugo")
    early = await deliver(http, node, peer, reply)
    assert early.in_reply_to_id is None and early.in_reply_to_uri == parent["id"]

    late = await deliver(http, node, peer, parent)
    thread = await call(http, "GET", f"{node.base_url}/api/v1/statuses/{early.id}/context", token)
    assert [s["uri"] for s in thread["ancestors"]] == [parent["id"]]
    below = await call(http, "GET", f"{node.base_url}/api/v1/statuses/{late.id}/context", token)
    assert [s["uri"] for s in below["descendants"]] == [reply["id"]]
    shown = await call(http, "GET", f"{node.base_url}/api/v1/statuses/{early.id}", token)
    assert shown["in_reply_to_id"] == str(late.id)
    assert (await call(http, "GET", f"{node.base_url}/api/v1/statuses/{late.id}", token))["replies_count"] == 1


async def test_a_direct_reply_before_its_parent_makes_one_conversation(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    parent, reply = await notes(http, node, peer, "direct")
    token = await api_token(node, "hugo")

    async def with_peer() -> list[dict[str, Any]]:
        found = await call(http, "GET", f"{node.base_url}/api/v1/conversations", token)
        return [c for c in found if _by(c, peer)]

    await deliver(http, node, peer, reply)
    [alone] = await eventually(with_peer, "the reply's conversation")
    assert alone["last_status"]["uri"] == reply["id"]
    late = await deliver(http, node, peer, parent)
    [joined] = await with_peer()
    assert joined["id"] == alone["id"], "the reply's conversation is the whole thread's now"
    assert joined["last_status"]["uri"] == parent["id"], "the post stored last"
    thread = await call(http, "GET", f"{node.base_url}/api/v1/statuses/{late.id}/context", token)
    assert [s["uri"] for s in thread["descendants"]] == [reply["id"]]


def _by(conversation: dict[str, Any], peer: Peer) -> bool:
    return conversation["last_status"] is not None and conversation["last_status"]["account"]["uri"] == peer.actor
