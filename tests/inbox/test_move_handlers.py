"""Inbound Move (essaim.inbox.handlers.moves) through `dispatch`, on a real migrated database.

Bob (peer.example) moves to bob2 (other.example), which lists him in `alsoKnownAs`: local
followers of bob follow bob2 (a Follow sent there) and stop following bob (an Undo sent to him),
and are told with a `move` notification; bob is marked moved. A replay changes nothing more.
A Move whose target does not list the origin, or that moves someone else, changes nothing.
Someone moving here: the follow of a local target is on at once. A moved local person rejects
new followers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from essaim.actors.models import Account, Actor, Block, Delivery, Follow, Notification
from essaim.actors.models.base import utcnow
from essaim.actors.remote import upsert_remote_actor
from essaim.db import Database
from essaim.federation.parse_actor import parse_actor
from essaim.inbox.resolve import remote_profile
from tests.inbox.test_moderation_handlers import _actor, apply, count, sent


@dataclass
class Movers:
    db: Database
    ana: Actor  # local, follows bob
    cid: Actor  # local, follows bob, blocked by bob2
    bob: Actor  # remote, moves
    bob2: Actor  # remote, bob's new account


@pytest.fixture
async def movers(database: Database) -> Movers:
    async with database.transaction() as session:
        ana, cid = _actor("ana", None), _actor("cid", None)
        bob, bob2 = _actor("bob", "peer.example"), _actor("bob2", "other.example")
        bob2.also_known_as = [bob.uri]
        session.add_all([ana, cid, bob, bob2])
        await session.flush()
        session.add_all(
            [
                Account(actor_id=ana.id, email="ana@essaim.example", password_hash="x"),
                Account(actor_id=cid.id, email="cid@essaim.example", password_hash="x"),
                Follow(follower_id=ana.id, followee_id=bob.id, accepted=True, uri=f"{ana.uri}#follows/1"),
                Follow(follower_id=cid.id, followee_id=bob.id, accepted=True, uri=f"{cid.uri}#follows/2"),
                Block(actor_id=bob2.id, target_id=cid.id),
            ]
        )
    return Movers(database, ana, cid, bob, bob2)


def move_of(actor: Actor, target: str, number: int = 1, obj: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{actor.uri}#moves/{number}",
        "type": "Move",
        "actor": actor.uri,
        "object": obj or actor.uri,
        "target": target,
    }


async def follows(db: Database) -> set[tuple[int, int, bool]]:
    async with db.session() as session:
        return {(f.follower_id, f.followee_id, f.accepted) for f in (await session.scalars(select(Follow))).all()}


async def moved_to(db: Database, actor: Actor) -> str | None:
    async with db.session() as session:
        found = await session.get(Actor, actor.id)
        assert found is not None
        return found.moved_to_uri


async def test_a_move_takes_local_followers_to_the_new_account(movers: Movers) -> None:
    m = movers
    assert await apply(m.db, m.bob, move_of(m.bob, m.bob2.uri))
    assert await follows(m.db) == {
        (m.ana.id, m.bob2.id, False),  # a request until bob2's server accepts
        (m.cid.id, m.bob.id, True),  # bob2 blocks cid: cid stays where he was
    }
    assert await moved_to(m.db, m.bob) == m.bob2.uri
    activities = await sent(m.db)
    assert [(a["type"], a["actor"], a["object"]) for a in activities if a["type"] == "Follow"] == [
        ("Follow", m.ana.uri, m.bob2.uri)
    ]
    undos = [a for a in activities if a["type"] == "Undo"]
    assert [(u["actor"], u["object"]["object"]) for u in undos] == [(m.ana.uri, m.bob.uri)]
    async with m.db.session() as session:
        inboxes = set((await session.scalars(select(Delivery.inbox_url))).all())
    assert inboxes == {m.bob2.inbox_uri, m.bob.inbox_uri}
    notices = Notification.type == "move"
    assert await count(m.db, Notification, notices, Notification.recipient_id == m.ana.id) == 1
    assert await count(m.db, Notification, notices, Notification.recipient_id == m.cid.id) == 0

    assert await apply(m.db, m.bob, move_of(m.bob, m.bob2.uri, number=2)), "replayed under a new id"
    assert await count(m.db, Notification, notices) == 1
    assert len(await sent(m.db)) == len(activities), "nothing sent again"


async def test_a_move_to_an_account_that_does_not_list_the_origin_changes_nothing(movers: Movers) -> None:
    m = movers
    async with m.db.transaction() as session:
        stranger = _actor("mallory", "other.example")
        session.add(stranger)
    before = await follows(m.db)
    assert await apply(m.db, m.bob, move_of(m.bob, stranger.uri))
    assert await apply(m.db, m.bob, move_of(m.bob, "https://other.example/users/nobody", number=2))
    assert await follows(m.db) == before
    assert await moved_to(m.db, m.bob) is None
    assert await sent(m.db) == []
    assert await count(m.db, Notification) == 0


async def test_a_move_of_someone_else_changes_nothing(movers: Movers) -> None:
    m = movers
    eve = _actor("eve", "peer.example")
    async with m.db.transaction() as session:
        session.add(eve)
    before = await follows(m.db)
    assert await apply(m.db, eve, move_of(eve, m.bob2.uri, obj=m.bob.uri))
    assert await follows(m.db) == before
    assert await moved_to(m.db, m.bob) is None


async def test_a_move_here_follows_the_local_account_at_once(movers: Movers) -> None:
    m = movers
    async with m.db.transaction() as session:
        bea = _actor("bea", None)
        bea.also_known_as = [m.bob.uri]
        session.add(bea)
        await session.flush()
        session.add(Account(actor_id=bea.id, email="bea@essaim.example", password_hash="x"))
    assert await apply(m.db, m.bob, move_of(m.bob, bea.uri))
    assert (m.ana.id, bea.id, True) in await follows(m.db)
    assert (m.cid.id, bea.id, True) in await follows(m.db)
    assert await count(m.db, Notification, Notification.recipient_id == bea.id, Notification.type == "follow") == 2


async def test_a_moved_local_person_rejects_new_followers(movers: Movers) -> None:
    m = movers
    async with m.db.transaction() as session:
        ana = await session.get(Actor, m.ana.id)
        assert ana is not None
        ana.moved_to_uri = m.bob2.uri
    follow = {"id": f"{m.bob.uri}#follows/5", "type": "Follow", "actor": m.bob.uri, "object": m.ana.uri}
    assert await apply(m.db, m.bob, follow)
    assert (m.bob.id, m.ana.id, True) not in await follows(m.db)
    assert [a["object"]["id"] for a in await sent(m.db) if a["type"] == "Reject"] == [follow["id"]]


async def test_aliases_and_moves_are_kept_from_actor_documents(movers: Movers) -> None:
    m = movers
    document = {
        "id": m.bob.uri,
        "type": "Person",
        "preferredUsername": "bob",
        "inbox": m.bob.inbox_uri,
        "alsoKnownAs": [m.bob2.uri, m.bob2.uri, "not a url"],
        "movedTo": m.bob2.uri,
    }
    async with m.db.transaction() as session:
        stored = await upsert_remote_actor(session, remote_profile(parse_actor(document), None))
    assert (stored.also_known_as, stored.moved_to_uri) == ([m.bob2.uri], m.bob2.uri)
    async with m.db.transaction() as session:
        stored = await upsert_remote_actor(session, remote_profile(parse_actor(document | {"movedTo": None}), None))
    assert stored.moved_to_uri is None, "the document is the actor's word: moved back"


async def test_a_move_to_a_disabled_local_account_changes_nothing(movers: Movers) -> None:
    m = movers
    async with m.db.transaction() as session:
        gone = _actor("gone", None)
        gone.also_known_as = [m.bob.uri]
        session.add(gone)
        await session.flush()
        session.add(Account(actor_id=gone.id, email="gone@essaim.example", password_hash="x", disabled_at=utcnow()))
    before = await follows(m.db)
    assert await apply(m.db, m.bob, move_of(m.bob, gone.uri))
    assert await follows(m.db) == before
    assert await moved_to(m.db, m.bob) is None
