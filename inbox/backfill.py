"""The thread backfill: runs the jobs `inbox/threads.py` plans — `thread.parent`, one missing parent each,
and `thread.replies`, the replies a remote post's `replies` collection lists.

A job whose parent is stored by now only links the reply to it. Otherwise the parent is fetched for
anyone (`PostFetcher` with no reader: public and unlisted posts only, so a backfill never stores what
the reply's readers could not read), stored — which plans the next level up when it too answers an
unknown post — and the reply is linked. A lasting refusal (gone, not a post, not public, on a refused
server) ends the job; a peer that does not answer is asked again after `jobs.backoff`, and after
`MAX_ATTEMPTS` claims the job gives up. `web/federation.thread_backfill` runs the due jobs one at a
time; they are leased rows, so a node that dies loses none: the lease runs out and they run again.

A `thread.replies` job reads the first pages of the post's collection (`PostFetcher.reply_ids`: at most
20 ids) and fetches each reply not stored yet, for anyone again (public and unlisted only), without
fetching their own parents further; a reply that cannot be had is skipped, and after `MAX_MISSES`
peers that did not answer, or `REPLIES_BUDGET` seconds, the job stops.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from essaim.actors import jobs
from essaim.actors.models import Job, Status
from essaim.db import Database
from essaim.inbox.fetch_post import FetchRefused, PostFetcher
from essaim.inbox.remote_posts import status_by_uri
from essaim.inbox.threads import MAX_DEPTH, PARENT_FETCH, REPLIES_FETCH, link_reply
from essaim.outbox.worker import new_worker_id

LEASE = 300.0  # seconds; a job ends well within it (a replies job stops fetching after `REPLIES_BUDGET`)
REPLIES_BUDGET = 120.0  # seconds
MAX_ATTEMPTS = 5
MAX_MISSES = 3
WORKER_ID = new_worker_id()

log = logging.getLogger(__name__)


async def run_due(database: Database, fetcher: PostFetcher) -> bool:
    """Claim the oldest due job and run it; whether there was one."""
    async with database.transaction() as session:
        claimed = await jobs.claim(session, [PARENT_FETCH, REPLIES_FETCH], WORKER_ID, 1, LEASE)
    for job in claimed:
        if job.kind == REPLIES_FETCH:
            await _run_replies(database, fetcher, job)
        else:
            await _run(database, fetcher, job)
    return bool(claimed)


def _payload(payload: Any) -> tuple[int, str, int] | None:
    if not isinstance(payload, dict):
        return None
    reply_id, parent_uri, depth = payload.get("reply_id"), payload.get("parent_uri"), payload.get("depth")
    if isinstance(reply_id, int) and isinstance(parent_uri, str) and isinstance(depth, int):
        return reply_id, parent_uri, depth
    return None


async def _settle(database: Database, job: Job, refusal: FetchRefused, what: str) -> None:
    """A job whose fetch was refused: over for a lasting refusal or after `MAX_ATTEMPTS`, else retried later."""
    async with database.transaction() as session:
        if refusal.lasting or job.attempts >= MAX_ATTEMPTS:
            log.info("%s: %s", what, refusal)
            await jobs.complete(session, job.id)
        else:
            await jobs.retry(session, job.id, str(refusal)[:1000], jobs.backoff(job.attempts))


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
        await _settle(database, job, refusal, f"not backfilling the parent of status {reply_id}")
        return
    async with database.transaction() as session:
        if reply is not None and parent is not None:
            await link_reply(session, reply_id, parent)
        await jobs.complete(session, job.id)


async def _run_replies(database: Database, fetcher: PostFetcher, job: Job) -> None:
    status_id = job.payload.get("status_id") if isinstance(job.payload, dict) else None
    async with database.session() as session:
        post = await session.get(Status, status_id) if isinstance(status_id, int) else None
    if post is None or job.attempts > MAX_ATTEMPTS:
        async with database.transaction() as session:
            await jobs.complete(session, job.id)
        return
    try:
        reply_ids = await fetcher.reply_ids(post.uri)
    except FetchRefused as refusal:
        await _settle(database, job, refusal, f"not reading the replies of {post.uri}")
        return
    misses, deadline = 0, time.monotonic() + REPLIES_BUDGET
    for reply_id in reply_ids:
        if time.monotonic() > deadline:
            break
        async with database.session() as session:
            if await status_by_uri(session, reply_id) is not None:
                continue
        try:
            await fetcher.fetch(reply_id, reader=None, depth=MAX_DEPTH)
        except FetchRefused as refusal:
            log.info("not backfilling a reply to %s: %s", post.uri, refusal)
            misses += 0 if refusal.lasting else 1
            if misses >= MAX_MISSES:
                break
    async with database.transaction() as session:
        await jobs.complete(session, job.id)
