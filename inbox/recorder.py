"""Record accepted activities in batches: one transaction acknowledges every request waiting for it.

Each verified activity must be stored (its id, so a replay is dropped, and its `inbox.process` job)
before the inbox answers 202, so a crash after the answer loses nothing. Done one transaction per
request, acknowledgements queue for SQLite's single write lock and each pays a commit; here the
requests that arrive while a batch is being written wait together and are written by the next one
(group commit, perf.md §5.1): a few statements and one commit for up to `MAX_BATCH` activities, and
each request is answered when the batch holding it commits. If a batch fails, its activities are
written again one by one, so one bad activity fails only its own request.

Requests signed by a key we do not have yet (`inbox/unverified.py`) go in the same batches, as
`inbox.verify` jobs only: their activity id is not recorded until they are verified, so a forger
cannot make us drop the genuine activity of that id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Actor, InboxItem
from essaim.actors.models.base import utcnow
from essaim.actors.writes import insert_many_ignoring_duplicates
from essaim.db import Database
from essaim.inbox.followers_sync import check_header
from essaim.inbox.unverified import VERIFY, Unverified
from essaim.outbox.delivery import heard_from, host_of

PROCESS = "inbox.process"  # the job kind; its payload is {"activity": {…}, "sender_id": …}
MAX_BATCH = 500  # activities per transaction (perf.md §5.1: 100–500 rows per commit)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """A verified activity to record: who sent it and their `Collection-Synchronization` header, if any."""

    activity: Mapping[str, Any]
    sender: Actor
    sync: str | None


class InboxRecorder:
    """Writes the accepted activities of concurrent requests together; one per process and database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._waiting: list[tuple[Accepted | Unverified, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, accepted: Accepted | Unverified) -> bool:
        """Store the activity's id and queue its processing; False when that id was received before.

        An `Unverified` request is queued for verification (always True).
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((accepted, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def close(self) -> None:
        """Let the batch being written finish (its requests are still waiting for their answer)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                results = await self._write([accepted for accepted, _ in batch])
            except Exception:  # noqa: BLE001 - isolate the failure: each activity is tried on its own
                for accepted, future in batch:
                    await self._write_alone(accepted, future)
                continue
            for (_, future), first in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(first)

    async def _write_alone(self, accepted: Accepted | Unverified, future: asyncio.Future[bool]) -> None:
        try:
            (first,) = await self._write([accepted])
        except Exception as error:  # noqa: BLE001 - handed to the request waiting for it
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(first)

    async def _write(self, items: Sequence[Accepted | Unverified]) -> list[bool]:
        """One transaction for the batch; for each activity, whether it was new (an id twice in it: the first)."""
        now = utcnow()
        batch = [item for item in items if isinstance(item, Accepted)]
        unverified = [item for item in items if isinstance(item, Unverified)]
        async with self.database.transaction() as session:
            if unverified:
                payloads = [(item.payload(), host_of(item.key_id)) for item in unverified]
                await jobs.enqueue_many(session, VERIFY, payloads, now=now)
            for host in dict.fromkeys(host_of(accepted.sender.uri) for accepted in batch):
                await heard_from(session, host)  # its inboxes are on its host (parse_actor checks)
            ids = [str(accepted.activity["id"]) for accepted in batch]
            rows = [{"activity_id": activity_id, "received_at": now} for activity_id in dict.fromkeys(ids)]
            inserted = await insert_many_ignoring_duplicates(session, InboxItem, rows, returning=InboxItem.activity_id)
            firsts = []
            for activity_id in ids:
                firsts.append(activity_id in inserted)
                inserted.discard(activity_id)  # a second copy in the same batch is a duplicate
            await _queue(session, [accepted for accepted, first in zip(batch, firsts, strict=True) if first], now)
        for accepted, activity_id, first in zip(batch, ids, firsts, strict=True):
            if not first:
                log.info(
                    "already received %s from %s: acknowledged, not queued again", activity_id, accepted.sender.uri
                )
        new = iter(firsts)
        return [next(new) if isinstance(item, Accepted) else True for item in items]


async def _queue(session: AsyncSession, batch: Sequence[Accepted], now: datetime) -> None:
    """The processing jobs of the new activities, and a followers repair where a sync header asks for one."""
    for accepted in batch:
        await check_header(session, accepted.sender, accepted.sync, now)
    payloads = [
        ({"activity": dict(accepted.activity), "sender_id": accepted.sender.id}, accepted.sender.domain)
        for accepted in batch
    ]
    if payloads:
        await jobs.enqueue_many(session, PROCESS, payloads, now=now)
