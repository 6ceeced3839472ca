"""The thread backfill: the runners of the jobs `inbox/threads.py` plans — `thread.parent`, one missing
parent each, and `thread.replies`, the replies a remote post's `replies` collection lists.

A job whose parent is stored by now only links the reply to it (storing the parent linked it already,
unless both arrived at the same moment). Otherwise the parent is fetched for anyone (`PostFetcher` with
no reader: public and unlisted posts only, so a backfill never stores what the reply's readers could not
read) and stored, which links the replies waiting for it and plans the next level up when it too answers
an unknown post. A lasting refusal (gone, not a post, not public, on a refused server) ends the job; a
peer that does not answer raises `TryLater`, so the peer-job worker asks again after `jobs.backoff` and
gives up after its last attempt. The jobs are leased rows, so a node that dies loses none.

A `thread.replies` job reads the first pages of the post's collection (`PostFetcher.reply_ids`: at most
20 ids) and fetches each reply not stored yet, for anyone again (public and unlisted only), without
fetching their own parents further; a reply that cannot be had is skipped, and after `MAX_MISSES`
peers that did not answer, or `REPLIES_BUDGET` seconds, the job stops.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from essaim.actors.models import Status
from essaim.inbox.fetch_post import FetchRefused, PostFetcher
from essaim.inbox.peer_jobs import PeerJobContext, TryLater, runs
from essaim.inbox.remote_posts import status_by_uri
from essaim.inbox.threads import MAX_DEPTH, PARENT_FETCH, REPLIES_FETCH, link_reply

REPLIES_BUDGET = 120.0  # seconds; well within the peer-job lease
MAX_MISSES = 3

log = logging.getLogger(__name__)


def _settle(refusal: FetchRefused, what: str) -> None:
    """A refused fetch: the job is over for a lasting refusal, else tried again later."""
    if not refusal.lasting:
        raise TryLater(str(refusal)) from None
    log.info("%s: %s", what, refusal)


@runs(PARENT_FETCH)
async def fetch_parent(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    reply_id, parent_uri, depth = payload.get("reply_id"), payload.get("parent_uri"), payload.get("depth")
    if not (isinstance(reply_id, int) and isinstance(parent_uri, str) and isinstance(depth, int)):
        log.warning("dropping a %s job with an unusable payload", PARENT_FETCH)
        return
    async with ctx.database.session() as session:
        reply = await session.get(Status, reply_id)
        parent = await status_by_uri(session, parent_uri)
    if reply is None:
        return
    if parent is None:
        try:
            parent = await PostFetcher(ctx.resolver).fetch(parent_uri, reader=None, depth=depth + 1)
        except FetchRefused as refusal:
            _settle(refusal, f"not backfilling the parent of status {reply_id}")
            return
    async with ctx.database.transaction() as session:
        await link_reply(session, reply_id, parent)


@runs(REPLIES_FETCH)
async def fetch_replies(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    status_id = payload.get("status_id")
    async with ctx.database.session() as session:
        post = await session.get(Status, status_id) if isinstance(status_id, int) else None
    if post is None:
        return
    fetcher = PostFetcher(ctx.resolver)
    try:
        reply_ids = await fetcher.reply_ids(post.uri)
    except FetchRefused as refusal:
        _settle(refusal, f"not reading the replies of {post.uri}")
        return
    misses, deadline = 0, time.monotonic() + REPLIES_BUDGET
    for reply_id in reply_ids:
        if time.monotonic() > deadline:
            break
        async with ctx.database.session() as session:
            if await status_by_uri(session, reply_id) is not None:
                continue
        try:
            await fetcher.fetch(reply_id, reader=None, depth=MAX_DEPTH)
        except FetchRefused as refusal:
            log.info("not backfilling a reply to %s: %s", post.uri, refusal)
            misses += 0 if refusal.lasting else 1
            if misses >= MAX_MISSES:
                break
