"""FEP-8fcf, receiving side (essaim.inbox.followers_sync.check_header), on a real database: a digest that
differs from our follows of the sender queues one repair job, never two at once, and a header about
someone else's collection queues nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from essaim.actors.models import Actor, Follow, Job
from essaim.db import Database
from essaim.federation.followers_sync import SyncHeader, followers_digest
from essaim.inbox.followers_sync import MIN_INTERVAL, SYNC_FOLLOWERS, check_header
from tests.helpers import remote_actor

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PEER = "https://peer.example/users/bob"


async def _scene(database: Database) -> tuple[Actor, Actor]:
    """bob on peer.example, followed by local leo."""
    async with database.transaction() as session:
        leo = Actor(username="leo", uri="https://essaim.example/users/leo", key_id="k", public_key_pem="x")
        bob = remote_actor("bob", "peer.example")
        session.add_all([leo, bob])
        await session.flush()
        session.add(Follow(follower_id=leo.id, followee_id=bob.id, accepted=True))
    return leo, bob


def _header(digest: str, collection: str = f"{PEER}/followers") -> str:
    return SyncHeader(collection, f"{PEER}/followers?domain=essaim.example", digest).render()


async def _check(database: Database, bob: Actor, header: str, now: datetime = NOW) -> bool:
    async with database.transaction() as session:
        return await check_header(session, bob, header, now)


async def _jobs(database: Database) -> list[Job]:
    async with database.session() as session:
        return list(await session.scalars(select(Job).where(Job.kind == SYNC_FOLLOWERS)))


async def test_an_agreeing_digest_queues_nothing(database: Database) -> None:
    leo, bob = await _scene(database)
    assert not await _check(database, bob, _header(followers_digest([leo.uri])))
    assert not await _check(database, bob, "garbage")
    assert await _jobs(database) == []


async def test_a_differing_digest_queues_one_repair(database: Database) -> None:
    leo, bob = await _scene(database)
    stale = followers_digest([leo.uri, "https://essaim.example/users/zoe"])
    assert await _check(database, bob, _header(stale))
    assert not await _check(database, bob, _header(stale)), "one waiting at a time"
    [job] = await _jobs(database)
    assert job.payload == {"actor_id": bob.id, "url": f"{PEER}/followers?domain=essaim.example"}
    assert job.run_at == NOW


async def test_a_recent_repair_delays_the_next(database: Database) -> None:
    _leo, bob = await _scene(database)
    async with database.transaction() as session:
        stored = await session.get(Actor, bob.id)
        assert stored is not None
        stored.followers_synced_at = NOW - timedelta(seconds=10)
        bob = stored
    assert await _check(database, bob, _header(followers_digest([])))
    [job] = await _jobs(database)
    assert job.run_at == NOW - timedelta(seconds=10) + MIN_INTERVAL


async def test_a_header_about_another_collection_is_ignored(database: Database) -> None:
    _leo, bob = await _scene(database)
    other = "https://peer.example/users/carl/followers"
    assert not await _check(database, bob, _header(followers_digest([]), collection=other))
    assert await _jobs(database) == []
