"""The peer job that sends a local poll's counts a few seconds after a vote (planned, once per burst of
votes, by `outbox.federate_posts.plan_poll_counts`): the counts of that moment, in one transaction."""

from __future__ import annotations

from typing import Any

from essaim.inbox.peer_jobs import PeerJobContext, runs
from essaim.outbox.federate_posts import POLL_COUNTS, send_poll_counts


@runs(POLL_COUNTS)
async def poll_counts(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    poll_id = payload.get("poll_id")
    if isinstance(poll_id, int):
        async with ctx.database.transaction() as session:
            await send_poll_counts(session, poll_id, ctx.node)
