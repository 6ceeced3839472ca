"""Periodic sweeps in the server process (APScheduler): today, closing polls whose time is up.

The state the sweeps act on lives in the database, so nothing is lost on restart: a poll that
expired while the node was down is closed by the first sweep after it starts. Added to the
application with `app.cleanup_ctx.append(scheduler)`, after the database context.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from essaim.actors.models.base import utcnow
from essaim.outbox.actions.polls import close_expired_polls
from essaim.web.keys import DATABASE

POLL_SWEEP_SECONDS = 10

log = logging.getLogger(__name__)


async def sweep_polls(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        closed = await close_expired_polls(session, utcnow())
    if closed:
        log.info("closed %d expired poll(s)", closed)


async def scheduler(app: web.Application) -> AsyncIterator[None]:
    """Run the sweeps while the application runs; one run of each at a time, missed runs merged."""
    jobs = AsyncIOScheduler(timezone=UTC)
    jobs.add_job(
        sweep_polls,
        "interval",
        seconds=POLL_SWEEP_SECONDS,
        args=[app],
        max_instances=1,
        coalesce=True,
        id="polls",
        next_run_time=utcnow(),  # at start-up too: polls that ended while the node was down
    )
    jobs.start()
    try:
        yield
    finally:
        jobs.shutdown(wait=False)
