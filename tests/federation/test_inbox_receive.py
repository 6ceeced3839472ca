"""A running node's inboxes against a test peer: what is accepted, what is refused, and that refusals store nothing."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Delivery, Follow, InboxItem, Job, Notification
from essaim.federation.vocab import ACTIVITY_JSON
from tests.conftest import Node, NodeFactory, free_port
from tests.federation_helpers import eventually
from tests.inbox_peer import Peer, count, hugo, known, node, other_peer, peer, post, settled, stored_actor

__all__ = ["node", "other_peer", "peer"]  # fixtures, imported for pytest


async def test_a_signed_follow_is_accepted_and_answered(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    target = await hugo(http, node)
    inbox = f"{target}/inbox"
    body, headers = peer.signed(inbox, peer.follow(target))
    assert await post(http, inbox, body, headers, status=202) is None

    stored = await eventually(lambda: stored_actor(node, peer.actor), "the peer's key fetched")
    assert stored is not None and stored.domain == f"127.0.0.1:{peer.port}" and stored.username == "peer"
    assert stored.key_id == peer.key_id and stored.display_name == "Pat Peer"

    async def answered() -> bool:
        return bool(peer.verified)  # appended after the Accept is received and its signature checked

    await eventually(answered, "the Accept")
    accept = peer.received[0]
    assert accept["type"] == "Accept" and accept["actor"] == target
    assert accept["object"]["id"] == peer.follow(target)["id"] and accept["object"]["actor"] == peer.actor
    assert accept["id"].startswith(f"{target}#") and accept["id"] != accept["object"]["id"]
    assert peer.verified == [True]  # signed by hugo's key, as published in his actor document
    assert await count(node, Follow, Follow.uri == peer.follow(target)["id"], Follow.accepted.is_(True)) == 1
    assert await count(node, Notification, Notification.from_actor_id == stored.id, Notification.type == "follow") == 1


async def test_an_unsigned_post_is_refused_and_nothing_is_stored(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    activity = peer.follow(await hugo(http, node))
    before = await count(node, InboxItem)
    error = await post(
        http, f"{node.base_url}/inbox", json.dumps(activity), {"Content-Type": ACTIVITY_JSON}, status=401
    )
    assert error == {"error": "the request is not signed"}
    assert await count(node, InboxItem) == before
    assert await stored_actor(node, peer.actor) is None
    assert peer.actor_fetches == 0
    assert "refused an activity" in node.log() and "the request is not signed" in node.log()


async def test_a_signature_by_another_key_is_refused(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    url = f"{node.base_url}/inbox"
    await known(http, node, peer)
    activity = peer.follow(await hugo(http, node), 2)
    body, headers = peer.signed(url, activity, keys=new_key_pair())  # not the key the peer publishes
    error = await post(http, url, body, headers, status=401)
    assert error is not None and error["error"].startswith("bad signature (key refetched)")
    assert peer.actor_fetches == 2  # the stored key failed: fetched once more (rotation), never twice
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0


async def test_a_rotated_key_is_fetched_again_once(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    target = await hugo(http, node)
    url = f"{node.base_url}/inbox"
    await known(http, node, peer)
    assert peer.actor_fetches == 1

    peer.keys = new_key_pair()  # same key id, new key: the stored one no longer verifies
    body, headers = peer.signed(url, {**peer.follow(target, 2), "type": "Undo", "object": peer.follow(target, 1)})
    await post(http, url, body, headers, status=202)
    assert peer.actor_fetches == 2
    stored = await stored_actor(node, peer.actor)
    assert stored is not None and stored.public_key_pem == peer.keys.public_pem


async def test_a_key_of_another_server_cannot_speak_for_an_actor(
    node: Node, peer: Peer, other_peer: Peer, http: aiohttp.ClientSession
) -> None:
    activity = other_peer.follow(await hugo(http, node))  # other_peer's actor, signed by peer's key
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity)
    error = await post(http, url, body, headers, status=401)
    assert error is not None and "is not on the server of the actor" in error["error"]
    assert peer.actor_fetches == other_peer.actor_fetches == 0
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0


async def test_an_activity_id_on_a_third_server_is_refused(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    activity = peer.follow(await hugo(http, node)) | {"id": f"http://127.0.0.1:{free_port()}/activities/1"}
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity)
    error = await post(http, url, body, headers, status=400)
    assert error is not None and "is not on the sender's server" in error["error"]
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0


async def test_an_embedded_object_from_a_third_server_is_refused(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    elsewhere = f"http://127.0.0.1:{free_port()}/notes/1"
    activity = {
        "id": f"{peer.actor}/statuses/1/activity",
        "type": "Create",
        "actor": peer.actor,
        "object": {"id": elsewhere, "type": "Note", "attributedTo": peer.actor, "content": "<p>forged</p>"},
    }
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity)
    error = await post(http, url, body, headers, status=400)
    assert error is not None and "embedded object" in error["error"]


async def test_a_stale_date_is_refused(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    activity = peer.follow(await hugo(http, node))
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity, now=datetime.now(UTC) - timedelta(hours=2))
    error = await post(http, url, body, headers, status=401)
    assert error is not None and "expired" in error["error"]
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0


async def test_a_body_that_does_not_match_its_digest_is_refused(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    activity = peer.follow(await hugo(http, node))
    url = f"{node.base_url}/inbox"
    _, headers = peer.signed(url, activity)
    tampered = json.dumps(activity | {"object": f"{node.base_url}/users/1"}).encode()
    error = await post(http, url, tampered, headers, status=401)
    assert error is not None and "Digest" in error["error"]
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0


async def test_bodies_over_one_mebibyte_are_refused(node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{node.base_url}/inbox"
    big = io.BytesIO(b'{"id": "' + b"x" * (1024 * 1024) + b'"}')  # sent with its Content-Length
    error = await post(http, url, big, {"Content-Type": ACTIVITY_JSON}, status=413)
    assert error is not None and "larger than" in error["error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap holds while reading
        for _ in range(20):
            yield b" " * (64 * 1024)

    error = await post(http, url, chunks(), {"Content-Type": ACTIVITY_JSON}, status=413)
    assert error is not None and "larger than" in error["error"]


async def test_a_body_that_is_not_an_activity_is_refused(node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{node.base_url}/inbox"
    for body, reason in (
        (b"{not json", "the body is not JSON"),
        (b"[1, 2]", "the body is not a JSON object"),
        (b'{"type": "Follow", "actor": "https://a.example/u"}', "the activity has no id"),
        (b'{"id": "https://a.example/1", "type": "Follow"}', "the activity has no actor"),
    ):
        assert await post(http, url, body, {"Content-Type": ACTIVITY_JSON}, status=400) == {"error": reason}


async def test_media_types(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    target = await hugo(http, node)
    url = f"{node.base_url}/inbox"
    for content_type in ("application/json", "text/plain", 'application/ld+json; profile="https://example.com/x"'):
        body, headers = peer.signed(url, peer.follow(target), content_type=content_type)
        await post(http, url, body, headers, status=415)
    assert await count(node, InboxItem, InboxItem.activity_id == peer.follow(target)["id"]) == 0
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    body, headers = peer.signed(url, peer.follow(target), content_type=ld)
    await post(http, url, body, headers, status=202)


async def test_every_inbox_accepts_and_unknown_people_have_none(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    for number, path in enumerate(("/inbox", "/actor/inbox", target.removeprefix(node.base_url) + "/inbox")):
        url = node.base_url + path
        body, headers = peer.signed(url, peer.follow(target, number))
        await post(http, url, body, headers, status=202)
    url = f"{node.base_url}/users/999/inbox"
    body, headers = peer.signed(url, peer.follow(target, 9))
    await post(http, url, body, headers, status=404)


async def test_a_replayed_activity_is_acknowledged_and_applied_once(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, peer.follow(target))
    await post(http, url, body, headers, status=202)
    await post(http, url, body, headers, status=202)  # the very same request, replayed
    body, headers = peer.signed(url, peer.follow(target))  # the same activity, signed afresh
    await post(http, url, body, headers, status=202)
    await eventually(lambda: settled(node, peer), "the requests verified")  # the peer was not known: all three waited
    assert await count(node, InboxItem, InboxItem.activity_id == peer.follow(target)["id"]) == 1

    async def applied() -> bool:
        pending = await count(node, Job, Job.kind == "inbox.process")
        return pending == 0 and await count(node, Delivery, Delivery.inbox_url == f"{peer.actor}/inbox") > 0

    await eventually(applied, "the Follow to be applied")
    assert await count(node, Delivery, Delivery.inbox_url == f"{peer.actor}/inbox") == 1  # one Accept


async def test_allowlist_mode_accepts_listed_servers_only(
    nodes: NodeFactory, peer: Peer, other_peer: Peer, http: aiohttp.ClientSession
) -> None:
    closed = nodes.create(ESSAIM_FEDERATION_MODE="allowlist", ESSAIM_FEDERATION_ALLOWLIST=f"127.0.0.1:{peer.port}")
    url = f"{closed.base_url}/inbox"
    body, headers = other_peer.signed(url, other_peer.follow(f"{closed.base_url}/actor"))
    error = await post(http, url, body, headers, status=403)
    assert error is not None and "not allowed by the federation policy" in error["error"]
    assert other_peer.actor_fetches == 0
    assert await stored_actor(closed, other_peer.actor) is None
    body, headers = peer.signed(url, peer.follow(f"{closed.base_url}/actor"))
    await post(http, url, body, headers, status=202)
    await eventually(lambda: settled(closed, peer), "the request verified")
    assert await count(closed, InboxItem) == 1


async def test_a_follow_written_with_prefixes_is_read_as_a_follow(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    target = await hugo(http, node)
    plain = peer.follow(target, number=7)
    activity = {
        "@context": ["https://www.w3.org/ns/activitystreams", {"act": "https://www.w3.org/ns/activitystreams#"}],
        "id": plain["id"],
        "type": "act:Follow",
        "act:actor": {"@id": peer.actor},
        "act:object": {"@id": target},
    }
    body, headers = peer.signed(f"{target}/inbox", activity)
    await post(http, f"{target}/inbox", body, headers, status=202)

    async def applied() -> bool:
        return await count(node, Follow, Follow.uri == plain["id"]) == 1

    await eventually(applied, "the Follow read through JSON-LD")


async def test_an_unknown_remote_context_is_refused_before_any_fetch(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    activity = peer.follow(await hugo(http, node), number=8)
    activity["@context"] = ["https://www.w3.org/ns/activitystreams", f"{peer.base}/context.jsonld"]
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, activity)
    error = await post(http, url, body, headers, status=400)
    assert error is not None and error["error"].startswith("unknown remote JSON-LD context")
    assert peer.actor_fetches == 0 and await stored_actor(node, peer.actor) is None
    assert await count(node, InboxItem, InboxItem.activity_id == activity["id"]) == 0
    assert "unknown remote JSON-LD context" in node.log()


async def test_a_move_whose_target_cannot_be_fetched_is_refused(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    move = {
        "id": f"{peer.actor}#moves/1",
        "type": "Move",
        "actor": peer.actor,
        "object": peer.actor,
        "target": f"{peer.base}/users/nobody",  # the peer answers 404
    }
    url = f"{node.base_url}/inbox"
    await known(http, node, peer)
    body, headers = peer.signed(url, move)
    error = await post(http, url, body, headers, status=400)
    assert error is not None and "the Move's target could not be fetched" in error["error"]
    assert await count(node, InboxItem, InboxItem.activity_id == move["id"]) == 0
