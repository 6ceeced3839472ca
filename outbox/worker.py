"""The delivery worker: sends due deliveries concurrently, a few at a time per host, and records each answer.

It claims `outbox.deliver` jobs in batches no larger than its free slots, starts one task per
delivery, and records every answer in its own short transaction (`delivery.finish_attempt`).
Sending is injected (`Sender`): the node passes the signed POST over the shared HTTP client;
tests pass a plain POST.

No head-of-line blocking: a host with `per_host` sends in flight is left out of the next
claims (its jobs stay in the queue for this or another worker), and every send has a
timeout, so a peer that hangs holds at most `per_host` slots for `send_timeout` seconds.

Stopping is graceful: no new claims; sends in flight get `grace` seconds to finish and be
recorded; those still running are cancelled and their jobs released without counting an
attempt, so the next start sends them again. A worker that dies instead (SIGKILL, a crash)
cannot release anything: its leases are short (`lease`, renewed every `renew_every` seconds
while sends are in flight), so another worker — or the same node restarted — takes those
jobs again within one lease. A send that was in flight is then sent a second time with the
same activity id, which peers acknowledge without applying it twice.

Waking: a transaction that made deliveries due marks its session (`delivery.DELIVERIES_DUE`);
`wake_on_commit` wakes the worker when such a transaction commits, whoever ran it (an API
action, the inbox, an admin), so deliveries leave at once instead of at the next poll and
nothing is announced that a rollback erased.

On PostgreSQL any number of processes may each run a worker on the same queue (the claim
uses SKIP LOCKED). On SQLite exactly one process must run it: the node's server process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from aiohttp import web
from sqlalchemy import event
from sqlalchemy.orm import Session

from essaim.actors import jobs
from essaim.actors.models.base import utcnow
from essaim.db import Database
from essaim.outbox.delivery import DELIVERIES_DUE, Attempt, claim_deliveries, finish_attempt

# Sends one delivery: the HTTP status, or None and what went wrong (refused, reset, TLS…).
Sender = Callable[[Attempt], Awaitable[tuple[int | None, str | None]]]
Clock = Callable[[], datetime]
ERROR_PAUSE = 5.0  # seconds between claims while the database fails

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = 32  # sends in flight in this process
    per_host: int = 4  # sends in flight to one host (Lemmy and Mastodon use a handful)
    # Seconds a claimed job stays ours without renewal: how long the jobs of a dead worker wait.
    lease: float = 30.0
    renew_every: float = 10.0  # seconds between lease renewals while sends are in flight
    send_timeout: float = 60.0
    poll_interval: float = 1.0  # seconds between claims when the queue looks empty
    grace: float = 10.0  # seconds a stopping worker lets sends in flight finish

    def __post_init__(self) -> None:
        if self.renew_every * 2 > self.lease:
            raise ValueError("renew_every must be at most half the lease, or a lease could run out between renewals")


def new_worker_id() -> str:
    """Names the lease holder in `jobs.locked_by`: which machine and process holds a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[-128:]


class DeliveryWorker:
    """Drains the delivery queue of one database; `start()`/`stop()` for a server, `run_once()` for tests."""

    def __init__(
        self,
        database: Database,
        send: Sender,
        settings: WorkerSettings | None = None,
        *,
        worker_id: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.database = database
        self.send = send
        self.settings = settings or WorkerSettings()
        self.worker_id = worker_id or new_worker_id()
        self.clock = clock
        self._in_flight: dict[asyncio.Task[None], Attempt] = {}
        self._sending: set[asyncio.Task[None]] = set()  # in flight and not yet recording
        self._busy: Counter[str] = Counter()  # sends in flight per host
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._renewing: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> list[Attempt]:
        return list(self._in_flight.values())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Run the loop and the lease renewals in background tasks until `stop()`."""
        self._task = asyncio.create_task(self.run(), name=f"delivery worker {self.worker_id}")
        self._renewing = asyncio.create_task(self._renew_leases(), name=f"leases of {self.worker_id}")

    def wake(self) -> None:
        """Claim now instead of at the next poll: deliveries were just planned."""
        self._wake.set()

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let sends in flight finish for `grace` seconds, release the rest."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._drain(self.settings.grace if grace is None else grace)
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            self._renewing = None

    async def run(self) -> None:
        """Claim and send until stopped; an empty queue is polled every `poll_interval` seconds."""
        while not self._stopping:
            self._wake.clear()
            pause = self.settings.poll_interval
            try:
                claimed, full = await self._claim_and_start()
            except Exception:  # the database is away: try again, without flooding the log
                pause = max(pause, ERROR_PAUSE)
                log.exception("claiming deliveries failed; trying again in %g s", pause)
                claimed, full = 0, False
            if claimed and full and self._free():
                continue  # more may be due right now
            try:
                await asyncio.wait_for(self._wake.wait(), pause)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """Claim what is due now (up to the free slots), send it all and record the answers; how many were sent."""
        await self._claim_and_start()
        started = list(self._in_flight)
        await asyncio.gather(*started, return_exceptions=True)
        return len(started)

    def _free(self) -> int:
        return self.settings.concurrency - len(self._in_flight)

    async def _renew_leases(self) -> None:
        """Keep the leases of sends in flight alive, so only a dead worker's jobs run out."""
        while True:
            await asyncio.sleep(self.settings.renew_every)
            held = [attempt.job_id for attempt in self._in_flight.values()]
            if not held:
                continue
            try:
                async with self.database.transaction() as session:
                    await jobs.renew(session, held, self.worker_id, self.settings.lease, now=self.clock())
            except Exception:  # the leases may run out: a peer may get a send twice, and dedupes it by id
                log.exception("renewing the leases of %d deliveries failed", len(held))

    async def _claim_and_start(self) -> tuple[int, bool]:
        """(jobs claimed, whether the claim was as large as asked)."""
        free = self._free()
        if free <= 0:
            return 0, False
        async with self.database.transaction() as session:
            batch = await claim_deliveries(
                session,
                self.worker_id,
                free,
                self.settings.lease,
                busy=self._busy,
                per_host=self.settings.per_host,
                now=self.clock(),
            )
        for attempt in batch.ready:
            self._busy[attempt.host] += 1
            task = asyncio.create_task(self._deliver(attempt), name=f"deliver {attempt.delivery_id}")
            self._in_flight[task] = attempt
            self._sending.add(task)
            task.add_done_callback(self._done)
        return batch.claimed, batch.claimed >= free

    def _done(self, task: asyncio.Task[None]) -> None:
        attempt = self._in_flight.pop(task)
        self._sending.discard(task)
        self._busy[attempt.host] -= 1
        if self._busy[attempt.host] <= 0:
            del self._busy[attempt.host]
        self._wake.set()  # a slot is free

    async def _deliver(self, attempt: Attempt) -> None:
        try:
            status, error = await self._send(attempt)
        except asyncio.CancelledError:
            await self._release([attempt])
            raise
        task = asyncio.current_task()
        if task is not None:
            self._sending.discard(task)
        try:
            async with self.database.transaction() as session:
                await finish_attempt(session, attempt, status, error, now=self.clock())
        except Exception:  # the lease runs out and the delivery is sent again
            log.exception("recording delivery %d to %s failed", attempt.delivery_id, attempt.inbox_url)

    async def _send(self, attempt: Attempt) -> tuple[int | None, str | None]:
        timeout = self.settings.send_timeout
        try:
            async with asyncio.timeout(timeout):
                return await self.send(attempt)
        except TimeoutError:
            return None, f"no answer within {timeout:g} s"
        except Exception as exc:  # a sender's bug counts as a failed try, it must not stop the worker
            log.exception("sending delivery %d to %s raised", attempt.delivery_id, attempt.inbox_url)
            return None, f"{type(exc).__name__}: {exc}"

    async def _release(self, attempts: list[Attempt]) -> None:
        try:
            async with self.database.transaction() as session:
                await jobs.release(session, [attempt.job_id for attempt in attempts], self.worker_id)
        except Exception:  # the leases run out instead
            log.exception("releasing %d delivery job(s) failed", len(attempts))

    async def _drain(self, grace: float) -> None:
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=grace)
        for task in list(self._sending):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)


def wake_on_commit(database: Database, flag: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` whenever a transaction on `database` whose session was marked with `flag` commits.

    Listens to every session of the process (SQLAlchemy's `after_commit`); sessions of other
    databases are left alone. Returns the function that stops listening. The delivery worker
    listens for `DELIVERIES_DUE`, the push worker for `PUSHES_DUE`.
    """
    engine = database.engine.sync_engine

    def committed(session: Session) -> None:
        if session.bind is engine and session.info.pop(flag, False):
            wake()

    event.listen(Session, "after_commit", committed)
    return lambda: event.remove(Session, "after_commit", committed)


class Background(Protocol):
    """A worker that runs beside the server and can be woken: the delivery and the push workers."""

    database: Database

    def start(self) -> None: ...

    def wake(self) -> None: ...

    async def stop(self) -> None: ...


W = TypeVar("W", bound=Background)


def beside_server(
    make: Callable[[web.Application], W], flag: str, *, key: web.AppKey[W] | None = None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context running the worker `make` builds, woken when a transaction marked `flag` commits.

    `make` runs once the application has started (contexts appended before this one have run);
    `key`, when given, stores the worker on the application; shutdown stops it gracefully.
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        worker = make(app)
        if key is not None:
            app[key] = worker
        stop_listening = wake_on_commit(worker.database, flag, worker.wake)
        worker.start()
        try:
            yield
        finally:
            stop_listening()
            await worker.stop()

    return context


def delivery_worker(
    database: Callable[[web.Application], Database],
    sender: Callable[[web.Application], Sender],
    settings: WorkerSettings | None = None,
    *,
    key: web.AppKey[DeliveryWorker] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """The delivery worker beside the server, woken whenever a transaction that planned deliveries commits.

    `database` and `sender` read what the worker needs from the started application. Usage in
    web/federation.py: `delivery_worker(lambda app: app[DATABASE], make_sender, key=DELIVERY_WORKER)`.
    """
    return beside_server(lambda app: DeliveryWorker(database(app), sender(app), settings), DELIVERIES_DUE, key=key)
