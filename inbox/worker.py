"""The inbox worker: applies queued inbound activities, one at a time, each in its own transaction.

It claims `inbox.process` jobs (written by `inbox.receive` in the commit that answered 202),
loads the sender, and hands the activity to `inbox.dispatch`. One at a time and oldest first,
so a Follow is applied before the Undo that follows it. A handler that raises rolls its
transaction back and the job is tried again after `jobs.backoff`; after `max_attempts` it
gives up (the row stays, with the error, for an operator). Once an hour it forgets old
received ids and long-given-up jobs.

`PeerJobWorker` runs the same loop over every kind registered in essaim.inbox.peer_jobs (thread backfill,
pinned posts, followers synchronization, poll counts), one job at a time, outside any transaction while
it waits on a peer; stopping abandons the job under way, whose lease runs out so that it runs again.

As with deliveries, the queue is in the database: on PostgreSQL several processes may run a
worker (claims skip each other's rows); on SQLite the server process runs the only one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import delete, select

from essaim.actors import jobs
from essaim.actors.models import Actor, InboxItem, Job
from essaim.actors.models.base import utcnow
from essaim.actors.queries import with_profile
from essaim.db import Database
from essaim.inbox import backfill, featured, followers_sync, handlers, peer_jobs, poll_counts  # noqa: F401  (registers)
from essaim.inbox.dispatch import InboxContext, dispatch
from essaim.inbox.recorder import PROCESS
from essaim.inbox.resolve import ActorResolver
from essaim.outbox.actions import LocalNode
from essaim.outbox.polling import PollingWorker
from essaim.outbox.worker import new_worker_id

Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxSettings:
    batch: int = 20  # jobs claimed at once
    lease: float = 300.0  # seconds a claimed job stays ours; a batch must be applied within it
    poll_interval: float = 1.0  # seconds between claims when the queue looks empty
    max_attempts: int = 8  # tries before giving up (backoff: about 80 minutes in all)
    sweep_interval: float = 3600.0
    retention: timedelta = timedelta(days=7)  # received ids and given-up jobs are kept this long


class InboxWorker(PollingWorker):
    """Drains the inbox queue of one database; `start()`/`stop()` for a server, `run_once()` for tests."""

    what = "inbound activities"
    kinds: tuple[str, ...] = (PROCESS,)  # the job kinds it claims (a subclass runs others: inbox/peer_jobs.py)

    def __init__(
        self,
        database: Database,
        node: LocalNode,
        settings: InboxSettings | None = None,
        *,
        on_processed: Callable[[], None] | None = None,
        worker_id: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings or InboxSettings()
        super().__init__(worker_id or new_worker_id(), self.settings.batch, self.settings.poll_interval)
        self.database = database
        self.node = node
        self.on_processed = on_processed
        self.clock = clock
        self._next_sweep: datetime | None = None

    async def after_pass(self) -> None:
        await self._sweep_if_due()

    async def run_once(self) -> int:
        """Claim what is due and apply it; how many jobs were taken."""
        async with self.database.transaction() as session:
            claimed = await jobs.claim(
                session, self.kinds, self.worker_id, self.settings.batch, self.settings.lease, now=self.clock()
            )
        done = 0
        for job in claimed:
            if self.stopping:
                async with self.database.transaction() as session:
                    await jobs.release(session, [j.id for j in claimed[done:]], self.worker_id)
                break
            await self._process(job)
            done += 1
        if done and self.on_processed is not None:
            self.on_processed()  # handlers may have planned deliveries (an Accept): send them now
        return len(claimed)

    async def _process(self, job: Job) -> None:
        """Apply one job; a failure is retried after `jobs.backoff`, or given up after `max_attempts`."""
        try:
            await self._apply(job)
        except Exception as error:
            log.exception("applying %s failed (attempt %d)", self._describe(job), job.attempts)
            await self._failed(job, f"{type(error).__name__}: {error}")

    async def _failed(self, job: Job, reason: str) -> None:
        reason = reason[:1000]
        async with self.database.transaction() as session:
            if job.attempts >= self.settings.max_attempts:
                await jobs.give_up(session, job.id, reason)
                log.warning("gave up on %s: %s", self._describe(job), reason)
            else:
                await jobs.retry(session, job.id, reason, jobs.backoff(job.attempts), now=self.clock())

    async def _apply(self, job: Job) -> None:
        """Dispatch the queued activity and complete its job, in one transaction."""
        activity, sender_id = _payload(job.payload)
        async with self.database.transaction() as session:
            sender = None
            if sender_id is not None:
                sender = await session.scalar(with_profile(select(Actor).where(Actor.id == sender_id)))
            if activity is None or sender is None:
                log.warning("dropping inbound job %d: its sender or activity is gone", job.id)
            else:
                context = InboxContext(session, self.node, sender, activity, self.clock())
                await dispatch(context)
            await jobs.complete(session, job.id)

    def _describe(self, job: Job) -> str:
        activity, _ = _payload(job.payload)
        return f"{_kind(activity)} {_id(activity)}"

    async def _sweep_if_due(self) -> None:
        now = self.clock()
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + timedelta(seconds=self.settings.sweep_interval)
        await self.sweep()

    async def sweep(self) -> None:
        """Forget received ids and given-up jobs older than `retention`."""
        before = self.clock() - self.settings.retention
        async with self.database.transaction() as session:
            await session.execute(delete(InboxItem).where(InboxItem.received_at < before))
            await jobs.forget_given_up(session, self.kinds, before)


def _payload(payload: Any) -> tuple[dict[str, Any] | None, int | None]:
    if not isinstance(payload, dict):
        return None, None
    activity = payload.get("activity")
    sender_id = payload.get("sender_id")
    return (
        activity if isinstance(activity, dict) else None,
        sender_id if isinstance(sender_id, int) else None,
    )


def _kind(activity: dict[str, Any] | None) -> str:
    return str(activity.get("type")) if activity else "activity"


def _id(activity: dict[str, Any] | None) -> str:
    return str(activity.get("id")) if activity else "?"


def inbox_worker(
    database: Callable[[web.Application], Database],
    node: Callable[[web.Application], LocalNode],
    *,
    on_processed: Callable[[web.Application], Callable[[], None]] | None = None,
    settings: InboxSettings | None = None,
    key: web.AppKey[InboxWorker] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context running the worker beside the server (like `outbox.worker.delivery_worker`).

    `on_processed` gives, once the app has started, what to call after a batch was applied
    (wake the delivery worker); `key` stores the worker on the app so the inbox route can `wake()` it.
    """

    def make(app: web.Application) -> InboxWorker:
        return InboxWorker(database(app), node(app), settings, on_processed=on_processed(app) if on_processed else None)

    return worker_context(make, key)


def worker_context(
    make: Callable[[web.Application], InboxWorker], key: web.AppKey[InboxWorker] | None = None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context that starts the worker `make` builds with the app, and stops it with the app."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        worker = make(app)
        if key is not None:
            app[key] = worker
        worker.start()
        try:
            yield
        finally:
            await worker.stop()

    return context


# Peer jobs: one at a time (a replies job may fetch for minutes, well within the lease), fewer tries than
# inbound activities (a peer that cannot answer for long is asked again when next met).
PEER_JOB_SETTINGS = InboxSettings(batch=1, poll_interval=1.0, max_attempts=5)


class PeerJobWorker(InboxWorker):
    """The inbox worker's loop over the registered peer-job kinds."""

    what = "peer jobs"

    def __init__(self, database: Database, node: LocalNode, resolver: Callable[[], ActorResolver], **kwargs: Any):
        super().__init__(database, node, PEER_JOB_SETTINGS, **kwargs)
        self.resolver = resolver
        self.kinds = peer_jobs.kinds()

    async def _apply(self, job: Job) -> None:
        runner = peer_jobs.runner(job.kind)
        try:
            if runner is None or not isinstance(job.payload, dict):
                log.warning("dropping job %d of kind %s: nothing runs it", job.id, job.kind)
            else:
                await runner(peer_jobs.PeerJobContext(self.resolver(), self.node), job.payload)
        except peer_jobs.TryLater as later:
            log.info("%s: %s (attempt %d)", self._describe(job), later, job.attempts)
            await self._failed(job, str(later))
            return
        async with self.database.transaction() as session:
            await jobs.complete(session, job.id)

    def _describe(self, job: Job) -> str:
        return f"{job.kind} job {job.id}"

    async def stop(self) -> None:
        """Abandon the job under way rather than wait on a peer: its lease runs out and it runs again."""
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
        await super().stop()

    async def sweep(self) -> None:
        async with self.database.transaction() as session:
            await jobs.forget_given_up(session, self.kinds, self.clock() - self.settings.retention)


def peer_job_worker(
    database: Callable[[web.Application], Database],
    node: Callable[[web.Application], LocalNode],
    resolver: Callable[[web.Application], Callable[[], ActorResolver]],
    *,
    on_processed: Callable[[web.Application], Callable[[], None]] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context running the worker beside the server (after the HTTP client and policy)."""

    def make(app: web.Application) -> InboxWorker:
        callback = on_processed(app) if on_processed else None
        return PeerJobWorker(database(app), node(app), resolver(app), on_processed=callback)

    return worker_context(make)
