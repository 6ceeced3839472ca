"""The loop shared by the queue workers that handle one batch at a time (inbound activities, Web Pushes).

A worker claims a batch (`run_once`), then claims again at once if the batch was full, else
waits for `poll_interval` seconds or a `wake()` (a transaction just queued work). A failing
database pauses the loop for `ERROR_PAUSE` seconds instead of flooding the log. Stopping lets
the batch in hand finish: `run_once` reads `stopping` to hand back what it has not started.
"""

from __future__ import annotations

import asyncio
import logging

ERROR_PAUSE = 5.0  # seconds between claims while the database fails

log = logging.getLogger(__name__)


class PollingWorker:
    """`start()`/`stop()` beside a server; subclasses say what one pass does (`run_once`) and what they drain."""

    what = "jobs"  # for the log: "claiming <what> failed"

    def __init__(self, worker_id: str, batch: int, poll_interval: float) -> None:
        self.worker_id = worker_id
        self.batch = batch
        self.poll_interval = poll_interval
        self.stopping = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Claim what is due and handle it; how many jobs were claimed."""
        raise NotImplementedError

    async def after_pass(self) -> None:
        """Called after each pass (a periodic sweep); nothing by default."""

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.what} worker {self.worker_id}")

    def wake(self) -> None:
        """Claim now instead of at the next poll: work was just queued."""
        self._wake.set()

    async def stop(self) -> None:
        """Finish the batch in hand (`run_once` hands back what it has not started), then stop."""
        self.stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        while not self.stopping:
            self._wake.clear()
            pause = self.poll_interval
            try:
                claimed = await self.run_once()
                await self.after_pass()
            except Exception:  # the database is away: try again later, without flooding the log
                pause = max(pause, ERROR_PAUSE)
                log.exception("claiming %s failed; trying again in %g s", self.what, pause)
                claimed = 0
            if claimed >= self.batch:
                continue  # more may be waiting
            try:
                await asyncio.wait_for(self._wake.wait(), pause)
            except TimeoutError:
                pass
