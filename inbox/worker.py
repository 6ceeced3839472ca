"""The inbox worker: applies queued inbound activities, one at a time, each in its own transaction.

It claims `inbox.process` jobs (written by `inbox.receive` in the commit that answered 202),
loads the sender, and hands the activity to `inbox.dispatch`. One at a time and oldest first,
so a Follow is applied before the Undo that follows it. A handler that raises rolls its
transaction back and the job is tried again after `jobs.backoff`; after `max_attempts` it
gives up (the row stays, with the error, for an operator). Once an hour it forgets old
received ids and long-given-up jobs.

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
from essaim.inbox import handlers  # noqa: F401  (importing it registers every handler)
from essaim.inbox.dispatch import InboxContext, dispatch
from essaim.inbox.receive import PROCESS
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
                session, [PROCESS], self.worker_id, self.settings.batch, self.settings.lease, now=self.clock()
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
        activity, sender_id = _payload(job.payload)
        try:
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
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"[:1000]
            log.exception("applying %s %s failed (attempt %d)", _kind(activity), _id(activity), job.attempts)
            async with self.database.transaction() as session:
                if job.attempts >= self.settings.max_attempts:
                    await jobs.give_up(session, job.id, reason)
                    log.warning("gave up on %s %s: %s", _kind(activity), _id(activity), reason)
                else:
                    await jobs.retry(session, job.id, reason, jobs.backoff(job.attempts), now=self.clock())

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
            await jobs.forget_given_up(session, [PROCESS], before)


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

    async def context(app: web.Application) -> AsyncIterator[None]:
        worker = InboxWorker(
            database(app), node(app), settings, on_processed=on_processed(app) if on_processed else None
        )
        if key is not None:
            app[key] = worker
        worker.start()
        try:
            yield
        finally:
            await worker.stop()

    return context
