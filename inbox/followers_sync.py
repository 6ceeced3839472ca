"""FEP-8fcf, receiving side: compare a peer's `Collection-Synchronization` digest with our follows of it, and
repair a difference from its partial followers collection.

`check_header` runs in the transaction that queues an inbound activity: it costs one query, and on a
mismatch queues one `SYNC_FOLLOWERS` peer job per sender (never two waiting at once, at most one run per
`MIN_INTERVAL`), so the inbox never waits on the peer. The job (`sync_followers`) fetches the list signed
as this node, then:

- a local person's accepted follow of the sender that the list no longer names is removed here (the
  peer lost it, or never got our Follow's Accept right): row, notifications and home-feed entries;
- a local person the list names who does not follow the sender here gets an `Undo{Follow}` sent, so the
  peer forgets the follow we lost (a pending request of ours is left alone: it is on its way).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Actor, Follow, Job
from essaim.actors.models.base import utcnow
from essaim.actors.queries import follower_uris, with_profile
from essaim.federation.followers_sync import followers_digest, parse_sync_header
from essaim.federation.keys import url_authority
from essaim.federation.vocab import id_of
from essaim.ids import new_id
from essaim.inbox.peer_jobs import PeerJobContext, runs
from essaim.inbox.remote_collections import read_collection
from essaim.inbox.resolve import ResolveError
from essaim.outbox.actions.follows import end_follow
from essaim.outbox.federate_follows import send_undo_follow

SYNC_FOLLOWERS = "followers.sync"  # payload: {"actor_id": the remote sender, "url": its partial collection}
MIN_INTERVAL = timedelta(seconds=60)  # between two fetches of one peer's list
MAX_FOLLOWERS = 10_000  # a list longer than this is not read past it

log = logging.getLogger(__name__)


async def check_header(session: AsyncSession, sender: Actor, value: str | None, now: datetime) -> bool:
    """Queue a repair when the header's digest differs from our local follows of `sender`; whether one was."""
    header = parse_sync_header(value)
    if header is None or sender.domain is None or header.collection_id != sender.followers_uri:
        return False
    ours = await follower_uris(session, sender.id, domain=None)
    if followers_digest(ours) == header.digest:
        return False
    waiting = select(Job.id).where(Job.kind == SYNC_FOLLOWERS, Job.group_key == str(sender.id), Job.run_at.is_not(None))
    if await session.scalar(waiting.limit(1)) is not None:
        return False
    last = sender.followers_synced_at
    run_at = max(now, last + MIN_INTERVAL) if last is not None else now
    payload = {"actor_id": sender.id, "url": header.url}
    await jobs.enqueue(session, SYNC_FOLLOWERS, payload, run_at, group_key=str(sender.id), now=now)
    log.info("followers of %s differ from its digest: synchronising from %s", sender.uri, header.url)
    return True


@runs(SYNC_FOLLOWERS)
async def sync_followers(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    """Fetch the peer's list of our people following it, and make our side agree (module docstring)."""
    resolver = ctx.resolver
    actor_id, url = payload.get("actor_id"), payload.get("url")
    if not isinstance(actor_id, int) or not isinstance(url, str):
        return
    async with resolver.database.session() as session:
        sender = await session.get(Actor, actor_id)
    if sender is None or sender.followers_uri is None or url_authority(url) != url_authority(sender.followers_uri):
        return
    try:
        items, whole = await read_collection(resolver, url, limit=MAX_FOLLOWERS, max_pages=100)
    except ResolveError as error:
        log.info("the partial followers collection of %s could not be read: %s", sender.uri, error)
        return
    listed = {uri for item in items if (uri := id_of(item)) is not None}
    async with resolver.database.transaction() as session:
        sender = await session.scalar(with_profile(select(Actor).where(Actor.id == actor_id)))
        if sender is None:
            return
        sender.followers_synced_at = utcnow()
        await _repair(session, sender, listed, whole)


async def _repair(session: AsyncSession, sender: Actor, listed: set[str], whole: bool) -> None:
    """`whole`: the list was read to its end, so a follow it does not name is really gone there."""
    follows = select(Follow, Actor).join(Actor, Actor.id == Follow.follower_id)
    follows = follows.where(Follow.followee_id == sender.id, Actor.domain.is_(None))
    ours = {follower.uri: (row, follower) for row, follower in (await session.execute(follows)).all()}
    for uri, (row, follower) in ours.items():
        if whole and row.accepted and uri not in listed:
            log.info("%s no longer lists %s among its followers: the follow is removed here", sender.uri, uri)
            await end_follow(session, follower, sender.id)
    strangers = [uri for uri in listed - ours.keys()]
    if not strangers:
        return
    local = await session.scalars(select(Actor).where(Actor.uri.in_(strangers), Actor.domain.is_(None)))
    for follower in local:
        log.info("%s lists %s among its followers, unknown here: sending Undo{Follow}", sender.uri, follower.uri)
        lost = Follow(id=new_id(), follower_id=follower.id, followee_id=sender.id, accepted=False)
        await send_undo_follow(session, lost, follower, sender)
