"""The inbox worker on a real migrated database: applies queued activities, retries a failing handler with
backoff and gives up, rolls a failed handler's writes back, keeps order, and sweeps old records.

Handlers for made-up activity types are registered here, so the real ones are not involved.
The clock is the test's: retries fall due because it moves, never by sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from essaim.actors import jobs
from essaim.actors.models import Actor, InboxItem, Job, NodeSetting
from essaim.db import Database
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.recorder import PROCESS
from essaim.inbox.worker import InboxSettings, InboxWorker
from essaim.outbox.actions import LocalNode
from essaim.uris import LocalURIs

NODE = LocalNode(LocalURIs("https://essaim.example"), "essaim.example")
PEER = "https://peer.example/users/bob"
applied: list[str] = []


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@handles("TestRecord")
async def record(ctx: InboxContext) -> bool:
    ctx.session.add(NodeSetting(key=str(ctx.activity["id"]), value=ctx.sender.uri))
    applied.append(str(ctx.activity["id"]))
    return True


@handles("TestExplode")
async def explode(ctx: InboxContext) -> bool:
    ctx.session.add(NodeSetting(key=str(ctx.activity["id"]), value="must be rolled back"))
    applied.append(str(ctx.activity["id"]))
    raise RuntimeError("boom")


@pytest.fixture
async def sender(database: Database) -> int:
    async with database.transaction() as session:
        bob = Actor(username="bob", domain="peer.example", uri=PEER, key_id=f"{PEER}#main-key", public_key_pem="")
        session.add(bob)
        await session.flush()
        return bob.id


@pytest.fixture(autouse=True)
def forget_applied() -> None:
    applied.clear()


async def queue(database: Database, clock: Clock, sender: int, kind: str, number: int) -> int:
    activity: dict[str, Any] = {"id": f"{PEER}#activities/{number}", "type": kind, "actor": PEER}
    async with database.transaction() as session:
        job = await jobs.enqueue(session, PROCESS, {"activity": activity, "sender_id": sender}, now=clock())
        return job.id


async def setting(database: Database, key: str) -> str | None:
    async with database.session() as session:
        return await session.scalar(select(NodeSetting.value).where(NodeSetting.key == key))


async def job(database: Database, job_id: int) -> Job | None:
    async with database.session() as session:
        return await session.get(Job, job_id)


async def test_activities_are_applied_in_order_and_their_jobs_removed(database: Database, sender: int) -> None:
    clock = Clock()
    ids = [await queue(database, clock, sender, "TestRecord", n) for n in range(3)]
    woken: list[bool] = []
    worker = InboxWorker(database, NODE, clock=clock, on_processed=lambda: woken.append(True))
    assert await worker.run_once() == 3
    assert applied == [f"{PEER}#activities/{n}" for n in range(3)]
    assert await setting(database, f"{PEER}#activities/0") == PEER
    assert [await job(database, i) for i in ids] == [None, None, None]
    assert woken == [True]
    assert await worker.run_once() == 0


async def test_a_failing_handler_is_retried_with_backoff_then_given_up(database: Database, sender: int) -> None:
    clock = Clock()
    job_id = await queue(database, clock, sender, "TestExplode", 1)
    worker = InboxWorker(database, NODE, InboxSettings(max_attempts=3), clock=clock)

    assert await worker.run_once() == 1
    failed = await job(database, job_id)
    assert failed is not None and failed.attempts == 1 and failed.last_error == "RuntimeError: boom"
    assert failed.run_at is not None and failed.run_at >= clock.now + timedelta(
        seconds=1**4 + 15
    )  # backoff, jitter aside
    assert await setting(database, f"{PEER}#activities/1") is None  # the handler's write was rolled back
    assert await worker.run_once() == 0  # not due yet

    for attempt in (2, 3):
        clock.now = failed.run_at
        assert await worker.run_once() == 1
        failed = await job(database, job_id)
        assert failed is not None and failed.attempts == attempt
        if attempt < 3:
            assert failed.run_at is not None
    assert failed.run_at is None and failed.last_error == "RuntimeError: boom"  # given up, kept for reading
    assert applied == [f"{PEER}#activities/1"] * 3
    clock.now += timedelta(days=30)
    assert await worker.run_once() == 0


async def test_a_job_whose_sender_is_gone_is_dropped(database: Database, sender: int) -> None:
    clock = Clock()
    job_id = await queue(database, clock, sender, "TestRecord", 1)
    async with database.transaction() as session:
        bob = await session.get(Actor, sender)
        await session.delete(bob)
    assert await InboxWorker(database, NODE, clock=clock).run_once() == 1
    assert applied == [] and await job(database, job_id) is None


async def test_the_sweep_forgets_old_records_only(database: Database, sender: int) -> None:
    clock = Clock()
    async with database.transaction() as session:
        session.add(InboxItem(activity_id="https://peer.example/old", received_at=clock.now - timedelta(days=8)))
        session.add(InboxItem(activity_id="https://peer.example/new", received_at=clock.now - timedelta(days=1)))
    await InboxWorker(database, NODE, clock=clock).sweep()
    async with database.session() as session:
        assert list(await session.scalars(select(InboxItem.activity_id))) == ["https://peer.example/new"]
