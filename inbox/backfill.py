"""The thread backfill: runs the `thread.parent` jobs that `inbox/threads.py` plans, one missing parent each.

A job whose parent is stored by now only links the reply to it. Otherwise the parent is fetched for
anyone (`PostFetcher` with no reader: public and unlisted posts only, so a backfill never stores what
the reply's readers could not read), stored — which plans the next level up when it too answers an
unknown post — and the reply is linked. A lasting refusal (gone, not a post, not public, on a refused
server) ends the job; a peer that does not answer is asked again after `jobs.backoff`, and after
`MAX_ATTEMPTS` claims the job gives up. The scheduler (web/scheduler.py) runs the due jobs every
second; they are leased rows, so a node that dies loses none: the lease runs out and they run again.
"""

from __future__ import annotations

import logging
from typing import Any

from essaim.actors import jobs
from essaim.actors.models import Job, Status
from essaim.db import Database
from essaim.inbox.fetch_post import FetchRefused, PostFetcher
from essaim.inbox.remote_posts import status_by_uri
from essaim.inbox.threads import PARENT_FETCH, link_reply
from essaim.outbox.worker import new_worker_id

BATCH = 4  # jobs claimed at once; each may wait on a slow peer, well within the lease
LEASE = 180.0  # seconds
MAX_ATTEMPTS = 5
WORKER_ID = new_worker_id()

log = logging.getLogger(__name__)


async def run_due(database: Database, fetcher: PostFetcher) -> int:
    """Claim the due parent fetches and run them; how many were claimed."""
    async with database.transaction() as session:
        claimed = await jobs.claim(session, [PARENT_FETCH], WORKER_ID, BATCH, LEASE)
    for job in claimed:
        await _run(database, fetcher, job)
    return len(claimed)


def _payload(payload: Any) -> tuple[int, str, int] | None:
    if not isinstance(payload, dict):
        return None
    reply_id, parent_uri, depth = payload.get("reply_id"), payload.get("parent_uri"), payload.get("depth")
    if isinstance(reply_id, int) and isinstance(parent_uri, str) and isinstance(depth, int):
        return reply_id, parent_uri, depth
    return None


async def _run(database: Database, fetcher: PostFetcher, job: Job) -> None:
    payload = _payload(job.payload)
    if payload is None or job.attempts > MAX_ATTEMPTS:  # a job that keeps failing unexpectedly stops too
        async with database.transaction() as session:
            await jobs.give_up(session, job.id, "unusable payload" if payload is None else "too many attempts")
        return
    reply_id, parent_uri, depth = payload
    async with database.session() as session:
        reply = await session.get(Status, reply_id)
        parent = await status_by_uri(session, parent_uri)
    try:
        if reply is not None and parent is None:
            parent = await fetcher.fetch(parent_uri, reader=None, depth=depth + 1)
    except FetchRefused as refusal:
        async with database.transaction() as session:
            if refusal.lasting or job.attempts >= MAX_ATTEMPTS:
                log.info("not backfilling the parent of status %d: %s", reply_id, refusal)
                await jobs.complete(session, job.id)
            else:
                await jobs.retry(session, job.id, str(refusal)[:1000], jobs.backoff(job.attempts))
        return
    async with database.transaction() as session:
        if reply is not None and parent is not None:
            await link_reply(session, reply_id, parent)
        await jobs.complete(session, job.id)
