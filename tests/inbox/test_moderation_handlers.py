"""Inbound Block, Undo{Block} and Flag, and what a block refuses afterwards, through `dispatch` on a real database.

A peer's person (bob) blocks a local person (ana): their follows end both ways (ana's with an
Undo sent to bob), and from then on bob's Follow is rejected, his mention notifies nobody, his
Like and his boost of ana's post are refused. A Flag becomes a report about the local account
and posts it names, or nothing when it names nothing of ours. A suspended server's activities
queued before the suspension are dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from essaim.actors.models import (
    Account,
    Actor,
    Block,
    Delivery,
    DomainBlock,
    Favourite,
    Follow,
    HomeFeedEntry,
    Notification,
    Report,
    Status,
)
from essaim.db import Database
from essaim.federation.vocab import PUBLIC
from essaim.inbox import handlers  # noqa: F401  (importing it registers every handler)
from essaim.inbox.dispatch import InboxContext, dispatch
from essaim.outbox.actions import LocalNode
from essaim.uris import LocalURIs

BASE = "https://essaim.example"
NODE = LocalNode(LocalURIs(BASE), "essaim.example")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    ana: Actor
    bob: Actor
    eve: Actor
    peer_node: Actor
    ana_post: Status


def _actor(username: str, host: str | None) -> Actor:
    uri = f"https://{host or 'essaim.example'}/users/{username}"
    return Actor(
        username=username,
        domain=host,
        uri=uri,
        inbox_uri=f"{uri}/inbox",
        followers_uri=f"{uri}/followers",
        key_id=f"{uri}#main-key",
        public_key_pem="x",
    )


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction() as session:
        ana, bob, eve = _actor("ana", None), _actor("bob", "peer.example"), _actor("eve", "evil.example")
        peer_node = Actor(
            type="Application",
            username="peer.example",
            domain="peer.example",
            uri="https://peer.example/actor",
            inbox_uri="https://peer.example/actor/inbox",
            key_id="https://peer.example/actor#main-key",
            public_key_pem="x",
        )
        session.add_all([ana, bob, eve, peer_node])
        await session.flush()
        session.add(Account(actor_id=ana.id, email="ana@essaim.example", password_hash="x"))
        session.add_all(
            [
                Follow(follower_id=bob.id, followee_id=ana.id, accepted=True),
                Follow(follower_id=ana.id, followee_id=bob.id, accepted=True, uri=f"{ana.uri}#follows/1"),
            ]
        )
        post = Status(actor_id=ana.id, uri=f"{ana.uri}/statuses/1", visibility="public", content="<p>hi</p>")
        session.add(post)
    return World(database, ana, bob, eve, peer_node, post)


async def apply(db: Database, sender: Actor, activity: dict[str, Any]) -> bool:
    async with db.transaction() as session:
        actor = await session.get(Actor, sender.id)
        assert actor is not None
        return await dispatch(InboxContext(session, NODE, actor, activity, NOW))


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def sent(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        return [json.loads(body) for body in await session.scalars(select(Delivery.activity).order_by(Delivery.id))]


def block_of(w: World, number: int = 1) -> dict[str, Any]:
    return {"id": f"{w.bob.uri}#blocks/{number}", "type": "Block", "actor": w.bob.uri, "object": w.ana.uri}


async def test_a_block_severs_follows_both_ways_and_refuses_what_follows(world: World) -> None:
    w = world
    assert await apply(w.db, w.bob, block_of(w))
    assert await count(w.db, Block, Block.actor_id == w.bob.id, Block.target_id == w.ana.id) == 1
    assert await count(w.db, Follow) == 0
    undo = [a for a in await sent(w.db) if a["type"] == "Undo"]
    assert [u["object"]["id"] for u in undo] == [f"{w.ana.uri}#follows/1"], "ana's follow of bob is undone there"

    follow = {"id": f"{w.bob.uri}#follows/9", "type": "Follow", "actor": w.bob.uri, "object": w.ana.uri}
    assert await apply(w.db, w.bob, follow)
    assert await count(w.db, Follow) == 0
    rejects = [a for a in await sent(w.db) if a["type"] == "Reject"]
    assert [r["object"]["id"] for r in rejects] == [follow["id"]]

    note = {
        "id": f"{w.bob.uri}/statuses/7",
        "type": "Note",
        "attributedTo": w.bob.uri,
        "content": "<p>@ana look</p>",
        "to": [PUBLIC],
        "cc": [w.ana.uri],
        "tag": [{"type": "Mention", "href": w.ana.uri, "name": "@ana@essaim.example"}],
    }
    create = {"id": f"{note['id']}/activity", "type": "Create", "actor": w.bob.uri, "object": note}
    assert await apply(w.db, w.bob, create)
    assert await count(w.db, Status, Status.uri == note["id"]) == 1, "stored: others may read it"
    assert await count(w.db, Notification, Notification.recipient_id == w.ana.id) == 0
    assert await count(w.db, HomeFeedEntry, HomeFeedEntry.owner_id == w.ana.id) == 0

    like = {"id": f"{w.bob.uri}#likes/1", "type": "Like", "actor": w.bob.uri, "object": w.ana_post.uri}
    assert await apply(w.db, w.bob, like)
    assert await count(w.db, Favourite) == 0
    boost = {
        "id": f"{w.bob.uri}/statuses/8/activity",
        "type": "Announce",
        "actor": w.bob.uri,
        "object": w.ana_post.uri,
        "to": [PUBLIC],
        "cc": [w.bob.followers_uri],
    }
    assert await apply(w.db, w.bob, boost)
    assert await count(w.db, Status, Status.reblog_of_id == w.ana_post.id) == 0


async def test_only_the_blocker_lifts_a_block_then_follows_work_again(world: World) -> None:
    w = world
    await apply(w.db, w.bob, block_of(w))
    undo_by_eve = {"id": f"{w.eve.uri}#undos/1", "type": "Undo", "actor": w.eve.uri, "object": block_of(w)["id"]}
    assert not await apply(w.db, w.eve, undo_by_eve), "nobody's block of eve's: not handled"
    assert await count(w.db, Block) == 1
    undo = {"id": f"{w.bob.uri}#undos/1", "type": "Undo", "actor": w.bob.uri, "object": block_of(w)["id"]}
    assert await apply(w.db, w.bob, undo)
    assert await count(w.db, Block) == 0
    follow = {"id": f"{w.bob.uri}#follows/10", "type": "Follow", "actor": w.bob.uri, "object": w.ana.uri}
    assert await apply(w.db, w.bob, follow)
    assert await count(w.db, Follow, Follow.follower_id == w.bob.id, Follow.accepted.is_(True)) == 1


async def test_an_embedded_undo_finds_the_block_by_its_actors(world: World) -> None:
    w = world
    await apply(w.db, w.bob, block_of(w, 1))
    embedded = block_of(w, 2)  # a peer that did not keep the id it sent
    assert await apply(
        w.db, w.bob, {"id": f"{w.bob.uri}#undos/2", "type": "Undo", "actor": w.bob.uri, "object": embedded}
    )
    assert await count(w.db, Block) == 0


async def test_a_flag_becomes_a_report_about_what_it_names_of_ours(world: World) -> None:
    w = world
    flag = {
        "id": "https://peer.example/reports/1",
        "type": "Flag",
        "actor": w.peer_node.uri,
        "content": "spam, " * 2000,
        "object": [w.ana_post.uri, "https://peer.example/users/bob", "https://essaim.example/users/nobody"],
    }
    assert await apply(w.db, w.peer_node, flag)
    async with w.db.session() as session:
        report = (await session.scalars(select(Report))).one()
    assert (report.reporter_id, report.target_id, report.status_ids) == (w.peer_node.id, w.ana.id, [w.ana_post.id])
    assert report.uri == flag["id"] and len(report.comment) == 5000 and not report.forwarded

    async with w.db.transaction() as session:
        ours = Actor(type="Application", username="essaim.example", uri=f"{BASE}/actor", key_id="k", public_key_pem="x")
        session.add(ours)
    nothing_of_ours = flag | {"id": "https://peer.example/reports/2", "object": [w.bob.uri, w.eve.uri, ours.uri]}
    assert await apply(w.db, w.peer_node, nothing_of_ours)
    assert await count(w.db, Report) == 1, "no report about remote people, nor about the node's own actor"


async def test_a_suspended_servers_queued_activities_are_dropped(world: World) -> None:
    w = world
    async with w.db.transaction() as session:
        session.add(DomainBlock(domain="peer.example", severity="suspend"))
    assert not await apply(w.db, w.bob, block_of(w))
    assert await count(w.db, Block) == 0 and await count(w.db, Follow) == 2
