"""Inbound Add and Remove to a featured collection (essaim.inbox.handlers.featured), on a real database.

Only the collection's owner changes it, only with their own posts; an unknown post is left to a peer job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from essaim.actors.models import Actor, Job, Status, StatusPin
from essaim.db import Database
from essaim.inbox.dispatch import InboxContext, dispatch
from essaim.inbox.handlers.featured import PIN_NOTE
from essaim.outbox.actions import LocalNode
from essaim.uris import LocalURIs
from tests.helpers import remote_actor

NODE = LocalNode(LocalURIs("https://essaim.example"), "essaim.example")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _scene(database: Database) -> tuple[Actor, Actor, Status, Status, Status]:
    """bob and carl on peer.example, eve on evil.example; one public post each."""
    async with database.transaction() as session:
        bob, carl, eve = (
            remote_actor("bob", "peer.example"),
            remote_actor("carl", "peer.example"),
            remote_actor("eve", "evil.example"),
        )
        session.add_all([bob, carl, eve])
        await session.flush()
        posts = [
            Status(actor_id=a.id, uri=f"{a.uri}/statuses/1", visibility="public", content="<p>hi</p>")
            for a in (bob, carl, eve)
        ]
        session.add_all(posts)
    return bob, eve, *posts


def _change(kind: str, sender: Actor, note: str, target: str | None) -> dict[str, Any]:
    return {"id": f"{sender.uri}#pins/{kind}", "type": kind, "actor": sender.uri, "object": note, "target": target}


async def _apply(database: Database, sender: Actor, activity: dict[str, Any]) -> bool:
    async with database.transaction() as session:
        actor = await session.get(Actor, sender.id)
        assert actor is not None
        return await dispatch(InboxContext(session, NODE, actor, activity, NOW))


async def _pins(database: Database) -> list[tuple[int, int]]:
    async with database.session() as session:
        return [(p.actor_id, p.status_id) for p in await session.scalars(select(StatusPin))]


async def test_the_owner_pins_and_unpins_their_own_post(database: Database) -> None:
    bob, _eve, bobs, _carls, _eves = await _scene(database)
    assert await _apply(database, bob, _change("Add", bob, bobs.uri, bob.featured_uri))
    assert await _apply(database, bob, _change("Add", bob, bobs.uri, bob.featured_uri)), "a repeat is harmless"
    assert await _pins(database) == [(bob.id, bobs.id)]
    assert await _apply(database, bob, _change("Remove", bob, bobs.uri, bob.featured_uri))
    assert await _pins(database) == []


async def test_nobody_changes_another_collection_or_pins_another_post(database: Database) -> None:
    bob, eve, _bobs, carls, eves = await _scene(database)
    assert not await _apply(database, bob, _change("Add", bob, eves.uri, eve.featured_uri)), "not bob's collection"
    assert not await _apply(database, bob, _change("Add", bob, carls.uri, None)), "no target: not about pins"
    assert await _apply(database, bob, _change("Add", bob, eves.uri, bob.featured_uri)), "refused: on evil.example"
    assert await _apply(database, bob, _change("Add", bob, carls.uri, bob.featured_uri)), "refused: carl's post"
    assert await _pins(database) == []


async def test_an_unknown_post_is_left_to_a_peer_job(database: Database) -> None:
    bob, *_ = await _scene(database)
    unknown = f"{bob.uri}/statuses/2"
    assert await _apply(database, bob, _change("Add", bob, unknown, bob.featured_uri))
    assert await _pins(database) == []
    async with database.session() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == PIN_NOTE)))
        assert [job.payload for job in jobs] == [{"actor_id": bob.id, "note": unknown}]
        assert await session.scalar(select(func.count()).select_from(StatusPin)) == 0
    assert await _apply(database, bob, _change("Remove", bob, unknown, bob.featured_uri))
    async with database.session() as session:
        assert list(await session.scalars(select(Job).where(Job.kind == PIN_NOTE))) == [], (
            "a Remove overtaking the fetch cancels it"
        )
