"""The persistent job queue (essaim.actors.jobs) on a real, migrated database: claims, leases, retries, give-up.

Time is the test's `clock`: leases expire and retries fall due because the clock moves, never
because the test sleeps.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import select

from essaim.actors import jobs
from essaim.actors.models import Job
from essaim.db import Database
from tests.outbox.conftest import Clock

DAY = 86400.0


async def _job(database: Database, job_id: int) -> Job | None:
    async with database.session() as session:
        return await session.get(Job, job_id)


async def test_enqueue_claim_complete(database: Database, clock: Clock) -> None:
    async with database.transaction() as session:
        first = await jobs.enqueue(session, "outbox.deliver", {"n": 1}, now=clock.now)
        later = await jobs.enqueue(session, "outbox.deliver", {"n": 2}, clock.now + timedelta(minutes=5))
        other = await jobs.enqueue(session, "inbox.process", {"n": 3}, now=clock.now - timedelta(seconds=1))
        second = await jobs.enqueue(session, "outbox.deliver", {"n": 4}, now=clock.now + timedelta(seconds=1))
    clock.advance(1)

    async with database.transaction() as session:
        claimed = await jobs.claim(session, ["outbox.deliver"], "w1", 10, 3600, now=clock.now)
    assert [job.id for job in claimed] == [first.id, second.id], "due jobs of the kind asked for, oldest first"
    assert all(job.attempts == 1 and job.locked_by == "w1" for job in claimed)
    assert claimed[0].locked_until == clock.now + timedelta(hours=1)
    assert claimed[0].payload == {"n": 1}

    async with database.transaction() as session:
        assert await jobs.claim(session, ["outbox.deliver"], "w2", 10, 60, now=clock.now) == [], "leased jobs are taken"
        await jobs.complete(session, first.id)
    assert await _job(database, first.id) is None

    async with database.transaction() as session:
        both = await jobs.claim(session, ["inbox.process", "outbox.deliver"], "w2", 10, 60, now=clock.advance(300))
    assert [job.id for job in both] == [other.id, later.id], "the future job became due; the leased one stays leased"


async def test_an_expired_lease_is_claimed_again_after_a_crash(database: Database, clock: Clock) -> None:
    async with database.transaction() as session:
        job = await jobs.enqueue(session, "inbox.process", {"activity": "x"}, now=clock.now)
    async with database.transaction() as session:
        [taken] = await jobs.claim(session, ["inbox.process"], "crashing-worker", 5, 120, now=clock.now)
    # The worker dies here: it never completes nor retries the job.
    async with database.transaction() as session:
        assert await jobs.claim(session, ["inbox.process"], "w2", 5, 120, now=clock.advance(119)) == []
    async with database.transaction() as session:
        [again] = await jobs.claim(session, ["inbox.process"], "w2", 5, 120, now=clock.advance(2))
    assert again.id == taken.id == job.id
    assert (again.locked_by, again.attempts) == ("w2", 2)


async def test_limit_and_groups(database: Database, clock: Clock) -> None:
    async with database.transaction() as session:
        added = await jobs.enqueue_many(
            session,
            "outbox.deliver",
            [({"i": i}, "slow.example" if i % 2 else "fast.example") for i in range(6)] + [({"i": 6}, None)],
            now=clock.now,
        )
    assert len({job.id for job in added}) == 7
    async with database.transaction() as session:
        two = await jobs.claim(session, ["outbox.deliver"], "w", 2, 60, now=clock.now)
        rest = await jobs.claim(
            session, ["outbox.deliver"], "w", 10, 60, now=clock.now, exclude_groups=["slow.example"]
        )
    assert len(two) == 2
    assert all(job.group_key != "slow.example" for job in rest)
    assert {job.payload["i"] for job in two + rest} | {1, 3, 5} == set(range(7))


async def test_release_and_postpone_do_not_count_an_attempt(database: Database, clock: Clock) -> None:
    async with database.transaction() as session:
        a = await jobs.enqueue(session, "k", {}, now=clock.now)
        b = await jobs.enqueue(session, "k", {}, now=clock.now)
    async with database.transaction() as session:
        await jobs.claim(session, ["k"], "w", 5, 60, now=clock.now)
        await jobs.release(session, [a.id])
        await jobs.postpone(session, b.id, clock.now + timedelta(minutes=10))
    released, postponed = await _job(database, a.id), await _job(database, b.id)
    assert released is not None and postponed is not None
    assert (released.attempts, released.locked_by, released.run_at) == (0, None, clock.now)
    assert (postponed.attempts, postponed.locked_by) == (0, None)
    assert postponed.run_at == clock.now + timedelta(minutes=10)
    async with database.transaction() as session:
        [again] = await jobs.claim(session, ["k"], "w", 5, 60, now=clock.now)
    assert again.id == a.id, "released at once, postponed until later"


async def test_backoff_schedule_is_mastodons_and_spans_about_three_days() -> None:
    rng = random.Random(5)
    for attempt in (1, 2, 5, 10, 16):
        base = attempt**4 + 15
        values = [jobs.backoff(attempt, rng) for _ in range(200)]
        assert all(base <= value < base + 10 * attempt for value in values)
        assert max(values) - min(values) > 5 * attempt, "jitter spreads retries"
    assert jobs.backoff(1, random.Random(0)) == jobs.backoff(1, random.Random(0))
    assert [round(jobs.backoff(n, _NoJitter())) for n in (1, 2, 3, 4)] == [16, 31, 96, 271]
    window = jobs.retry_window()
    assert 2.5 * DAY < window < 3 * DAY, window / DAY
    assert jobs.MAX_ATTEMPTS == 17


class _NoJitter(random.Random):
    def random(self) -> float:
        return 0.0


async def test_retry_backs_off_then_gives_up_after_the_last_attempt(database: Database, clock: Clock) -> None:
    async with database.transaction() as session:
        job = await jobs.enqueue(session, "inbox.process", {"activity": "x"}, now=clock.now)
    start = clock.now
    for attempt in range(1, jobs.MAX_ATTEMPTS):
        async with database.transaction() as session:
            [claimed] = await jobs.claim(session, ["inbox.process"], "w", 1, 60, now=clock.now)
            assert claimed.attempts == attempt
            run_at = await jobs.retry(session, job.id, f"failure {attempt}", now=clock.now)
        assert run_at is not None
        waited = (run_at - clock.now).total_seconds()
        assert attempt**4 + 15 <= waited < attempt**4 + 15 + 10 * attempt
        async with database.transaction() as session:  # not due before its time
            assert await jobs.claim(session, ["inbox.process"], "w", 1, 60, now=run_at - timedelta(seconds=1)) == []
        clock.to(run_at)
    assert 2.5 * DAY < (clock.now - start).total_seconds() < 3 * DAY

    async with database.transaction() as session:
        [last] = await jobs.claim(session, ["inbox.process"], "w", 1, 60, now=clock.now)
        assert last.attempts == jobs.MAX_ATTEMPTS
        assert await jobs.retry(session, job.id, "failure 17", now=clock.now) is None
    dead = await _job(database, job.id)
    assert dead is not None, "a job that gave up stays for an operator to read"
    assert (dead.run_at, dead.locked_by, dead.last_error) == (None, None, "failure 17")
    async with database.transaction() as session:
        assert await jobs.claim(session, ["inbox.process"], "w", 1, 60, now=clock.advance(30 * DAY)) == []
        # An explicit delay is honoured whatever the count: the caller keeps its own.
        assert await jobs.retry(session, job.id, "again", 5, now=clock.now) == clock.now + timedelta(seconds=5)
        await jobs.give_up(session, job.id, "for good")
        assert await jobs.forget_given_up(session, ["inbox.process"], start) == 0, "only older ones are swept"
        assert await jobs.forget_given_up(session, ["inbox.process"], start + timedelta(seconds=1)) == 1
    assert await _job(database, job.id) is None


async def test_concurrent_claimers_never_share_a_job(database: Database, clock: Clock) -> None:
    """Several engines claiming at once (on PostgreSQL: SKIP LOCKED) take each job exactly once."""
    async with database.transaction() as session:
        await jobs.enqueue_many(session, "k", [({"i": i}, None) for i in range(120)], now=clock.now)
    others = [Database(database.url) for _ in range(3)]
    try:

        async def drain(db: Database, name: str) -> list[int]:
            taken: list[int] = []
            while True:
                async with db.transaction() as session:
                    batch = await jobs.claim(session, ["k"], name, 7, 60, now=clock.now)
                if not batch:
                    return taken
                taken += [job.payload["i"] for job in batch]

        results = await asyncio.gather(*(drain(db, f"w{n}") for n, db in enumerate([database, *others])))
    finally:
        for db in others:
            await db.close()
    everything = [i for taken in results for i in taken]
    assert sorted(everything) == list(range(120))
    async with database.session() as session:
        owners = set(await session.scalars(select(Job.locked_by)))
    assert len(owners) >= 2, "the claimers ran side by side"


async def test_a_claim_in_progress_hides_its_jobs_from_other_claimers(database: Database, clock: Clock) -> None:
    """PostgreSQL: another process's claim skips the rows locked by an open claim instead of waiting for it
    (SKIP LOCKED). SQLite: one process runs the workers and its write lock makes the second claim wait."""
    async with database.transaction() as session:
        await jobs.enqueue_many(session, "k", [({"i": i}, None) for i in range(10)], now=clock.now)
    postgresql = database.engine.dialect.name == "postgresql"
    other = Database(database.url) if postgresql else database
    events: list[str] = []

    async def second_claim() -> list[Job]:
        async with other.transaction() as session:
            taken = await jobs.claim(session, ["k"], "w2", 10, 60, now=clock.now)
        events.append("second claimed")
        return taken

    try:
        async with database.transaction() as session:
            first = await jobs.claim(session, ["k"], "w1", 4, 60, now=clock.now)
            second = asyncio.create_task(second_claim())
            await asyncio.wait([second], timeout=1)
            events.append("first committed")
        taken = await second
    finally:
        if other is not database:
            await other.close()
    assert {job.id for job in first}.isdisjoint(job.id for job in taken)
    assert len(first) + len(taken) == 10
    expected = ["second claimed", "first committed"] if postgresql else ["first committed", "second claimed"]
    assert events == expected
