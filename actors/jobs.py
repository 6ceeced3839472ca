"""The persistent job queue: enqueue, claim with a lease, complete, retry with backoff, give up.

Every function works inside the caller's transaction (`Database.transaction()`), so a job can
be enqueued in the same commit as the change that needs it: either both happen or neither.

Claiming writes a lease. On PostgreSQL the candidate rows are picked with
`SELECT … FOR UPDATE SKIP LOCKED`, so several worker processes share one queue without
waiting on each other or taking the same job. On SQLite one process runs the workers: the
`Database` write lock already serialises writers there, and the claim is a conditional
`UPDATE … WHERE locked_until < now`, so even a stray second process cannot take a leased job.
A worker that dies leaves its lease to expire; the next claim after that takes the job again.

Times come from the caller (`now`) whenever it matters, so tests move the clock instead of
sleeping.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Job
from essaim.actors.models.base import utcnow

# Mastodon retries a delivery 16 times with attempt⁴ + 15 s (+ jitter) between tries: with
# attempt counted from 1 the retries span about 2.8 days, the "about 3 days" of the issue.
MAX_ATTEMPTS = 17  # the first try and 16 retries


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempt`-th failed try (from 1): attempt⁴ + 15, plus up to 10 s per attempt of jitter.

    The jitter spreads retries of many jobs that failed together (a peer that was down).
    """
    return attempt**4 + 15 + (rng or random).random() * 10 * attempt


def retry_window(attempts: int = MAX_ATTEMPTS) -> float:
    """Seconds between the first try and the last retry, without jitter: how long a job keeps trying."""
    return float(sum(attempt**4 + 15 for attempt in range(1, attempts)))


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    run_at: datetime | None = None,
    *,
    group_key: str | None = None,
    now: datetime | None = None,
) -> Job:
    """Add a job due at `run_at` (now by default); it runs once the surrounding transaction commits."""
    now = now or utcnow()
    job = Job(kind=kind, payload=payload, run_at=run_at or now, group_key=group_key, created_at=now)
    session.add(job)
    await session.flush()
    return job


async def enqueue_many(
    session: AsyncSession,
    kind: str,
    items: Iterable[tuple[dict[str, Any], str | None]],
    run_at: datetime | None = None,
    *,
    now: datetime | None = None,
) -> list[Job]:
    """Add many jobs of one kind, each a (payload, group key), in one flush: a post to many inboxes."""
    now = now or utcnow()
    added = [
        Job(kind=kind, payload=payload, run_at=run_at or now, group_key=group_key, created_at=now)
        for payload, group_key in items
    ]
    session.add_all(added)
    await session.flush()
    return added


async def claim(
    session: AsyncSession,
    kinds: Collection[str],
    worker_id: str,
    limit: int,
    lease: float,
    *,
    now: datetime | None = None,
    exclude_groups: Collection[str] = (),
) -> list[Job]:
    """Lease up to `limit` due jobs of `kinds` to `worker_id` for `lease` seconds, oldest due first.

    Each claim counts as an attempt. Jobs whose `group_key` is in `exclude_groups` are left
    for later (the worker's busy hosts). The caller must commit promptly: on PostgreSQL the
    claimed rows stay locked until then.
    """
    now = now or utcnow()
    if limit <= 0:
        return []
    free = or_(Job.locked_until.is_(None), Job.locked_until <= now)
    due = select(Job.id).where(Job.kind.in_(kinds), Job.run_at <= now, free).order_by(Job.run_at).limit(limit)
    if exclude_groups:
        due = due.where(or_(Job.group_key.is_(None), Job.group_key.not_in(list(exclude_groups))))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # The lease condition is repeated on the UPDATE: on SQLite it is what makes the claim safe.
    statement = (
        update(Job)
        .where(Job.id.in_(due.scalar_subquery()), free)
        .values(locked_until=now + timedelta(seconds=lease), locked_by=worker_id, attempts=Job.attempts + 1)
        .returning(Job)
    )
    options = {"synchronize_session": False, "populate_existing": True}
    jobs = list((await session.scalars(statement, execution_options=options)).all())
    return sorted(jobs, key=lambda job: (job.run_at or now, job.id))


async def complete(session: AsyncSession, job_id: int) -> None:
    """The job is done: remove it."""
    await session.execute(delete(Job).where(Job.id == job_id))


async def retry(
    session: AsyncSession, job_id: int, error: str, delay: float | None = None, *, now: datetime | None = None
) -> datetime | None:
    """Run the job again after `delay` seconds (default: `backoff` of its attempts); the time it will run.

    Without a `delay`, a job that has used its `MAX_ATTEMPTS` gives up instead and None is
    returned. A given delay is always honoured: the caller keeps its own count.
    """
    now = now or utcnow()
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None:
        return None
    if delay is None:
        if job.attempts >= MAX_ATTEMPTS:
            await give_up(session, job_id, error)
            return None
        delay = backoff(max(job.attempts, 1))
    job.run_at = now + timedelta(seconds=delay)
    job.locked_until = job.locked_by = None
    job.last_error = error
    await session.flush()
    return job.run_at


async def give_up(session: AsyncSession, job_id: int, error: str) -> None:
    """Stop running the job; the row stays (with `run_at` NULL and the error) for an operator to read."""
    await session.execute(
        update(Job).where(Job.id == job_id).values(run_at=None, locked_until=None, locked_by=None, last_error=error)
    )


async def postpone(session: AsyncSession, job_id: int, run_at: datetime) -> None:
    """Hand a claimed job back, due at `run_at`, without counting the claim as an attempt (its peer is resting)."""
    await session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(run_at=run_at, locked_until=None, locked_by=None, attempts=Job.attempts - 1)
    )


async def release(session: AsyncSession, job_ids: Iterable[int], worker_id: str | None = None) -> None:
    """Hand claimed jobs back, due as before, without counting an attempt (a worker stopping, a busy host).

    With `worker_id`, only jobs that worker still holds: a lease that ran out may belong to another now.
    """
    ids = list(job_ids)
    if ids:
        holder = Job.locked_by.is_not(None) if worker_id is None else Job.locked_by == worker_id
        await session.execute(
            update(Job)
            .where(Job.id.in_(ids), holder)
            .values(locked_until=None, locked_by=None, attempts=Job.attempts - 1)
        )


async def forget_given_up(session: AsyncSession, kinds: Collection[str], before: datetime) -> int:
    """Delete jobs of `kinds` that gave up and were created before `before` (a periodic sweep); how many went."""
    result = await session.execute(
        delete(Job).where(Job.kind.in_(kinds), Job.run_at.is_(None), Job.created_at < before)
    )
    return int(getattr(result, "rowcount", 0))


async def renew(
    session: AsyncSession, job_ids: Collection[int], worker_id: str, lease: float, *, now: datetime | None = None
) -> int:
    """Extend the leases `worker_id` still holds on `job_ids` to `lease` seconds from now; how many it held.

    A worker renews while it works, so leases can be short: a worker that dies (a crash, SIGKILL)
    leaves jobs that another claim takes again after one short lease, not after the longest run.
    """
    if not job_ids:
        return 0
    now = now or utcnow()
    result = await session.execute(
        update(Job)
        .where(Job.id.in_(list(job_ids)), Job.locked_by == worker_id)
        .values(locked_until=now + timedelta(seconds=lease))
    )
    return int(getattr(result, "rowcount", 0))


async def hurry(session: AsyncSession, kind: str, group_key: str, *, now: datetime | None = None) -> int:
    """Make the waiting jobs of one group due now (a peer is back); leased and given-up jobs are left alone."""
    now = now or utcnow()
    result = await session.execute(
        update(Job)
        .where(
            Job.kind == kind,
            Job.group_key == group_key,
            Job.run_at > now,
            or_(Job.locked_until.is_(None), Job.locked_until <= now),
        )
        .values(run_at=now)
    )
    return int(getattr(result, "rowcount", 0))
