"""The verifier: fetches the keys of activities stored unverified, then accepts or drops each of them.

It claims `inbox.verify` jobs (`inbox/unverified.py`) a batch at a time and handles the batch
concurrently, so the keys of many cold actors are fetched in parallel while the activities of one
actor wait on a single fetch of its key (`inbox/key_cache.py`). Each request goes through every
check the inbox makes (`inbox.receive.receive_unverified`): an activity that passes is recorded and
queued for the inbox worker as if it had just arrived; one that fails is dropped, with its reason in
the log. A key that cannot be fetched (the peer may be down) is tried again after `jobs.backoff`,
and given up after `VERIFY_SETTINGS.max_attempts`. Stopping hands the batch under way back to the
queue; after a crash, its jobs run again once their lease is over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from essaim.actors import jobs
from essaim.actors.models import Job
from essaim.config import Config
from essaim.db import Database
from essaim.inbox.authenticate import KeyUnavailable, Refused
from essaim.inbox.receive import receive_unverified
from essaim.inbox.recorder import InboxRecorder
from essaim.inbox.resolve import ActorResolver
from essaim.inbox.unverified import VERIFY, Unverified
from essaim.inbox.worker import InboxSettings, InboxWorker
from essaim.outbox.actions import LocalNode

# 64 at once: enough to overlap many key fetches; 3 tries over about a minute for an absent peer.
# The inbox wakes the verifier as it stores a request: polling only finds retries and what a restart left.
VERIFY_SETTINGS = InboxSettings(batch=64, poll_interval=5.0, max_attempts=3)

log = logging.getLogger(__name__)


class VerifyWorker(InboxWorker):
    """Drains the `inbox.verify` queue; `on_processed` is called when activities were queued (wake the inbox)."""

    what = "unverified activities"
    kinds = (VERIFY,)

    def __init__(
        self,
        database: Database,
        node: LocalNode,
        recorder: InboxRecorder,
        resolver: Callable[[], ActorResolver],
        config: Config,
        **kwargs: Any,
    ) -> None:
        super().__init__(database, node, VERIFY_SETTINGS, **kwargs)
        self.recorder = recorder
        self.resolver = resolver
        self.config = config

    async def run_once(self) -> int:
        """Claim a batch, verify it concurrently, complete what was accepted or dropped in one transaction."""
        async with self.database.transaction() as session:
            claimed = await jobs.claim(
                session, self.kinds, self.worker_id, self.settings.batch, self.settings.lease, now=self.clock()
            )
        if not claimed:
            return 0
        resolver = self.resolver()
        try:
            outcomes = await asyncio.gather(*(self._verify(resolver, job) for job in claimed))
        except asyncio.CancelledError:  # stopping: what was not finished runs again at once, here or elsewhere
            async with self.database.transaction() as session:
                await jobs.release(session, [job.id for job in claimed], self.worker_id)
            raise
        async with self.database.transaction() as session:
            for job, outcome in zip(claimed, outcomes, strict=True):
                if outcome is not None:
                    await jobs.complete(session, job.id)
        if any(outcomes) and self.on_processed is not None:
            self.on_processed()
        return len(claimed)

    async def stop(self) -> None:
        """Abandon the batch under way rather than wait on slow peers: its jobs are handed back (`run_once`)."""
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
        await super().stop()

    async def _verify(self, resolver: ActorResolver, job: Job) -> bool | None:
        """True: accepted and queued; False: dropped (or received before); None: to try again later."""
        try:
            unverified = Unverified.from_payload(job.payload)
        except (KeyError, TypeError, ValueError):
            log.warning("dropping inbox.verify job %d: its payload is not a stored request", job.id)
            return False
        try:
            received = await receive_unverified(self.recorder, resolver, self.config, unverified)
        except KeyUnavailable as refusal:
            log.info("verifying a request signed by %s: %s (attempt %d)", unverified.key_id, refusal, job.attempts)
            await self._failed(job, refusal.reason)
            return None
        except Refused as refusal:
            log.info("dropped an activity signed by %s: %s", unverified.key_id, refusal.reason)
            return False
        except Exception as error:
            log.exception("verifying a request signed by %s failed (attempt %d)", unverified.key_id, job.attempts)
            await self._failed(job, f"{type(error).__name__}: {error}")
            return None
        return received.queued
