"""FEP-8fcf, sending side: the `Collection-Synchronization` header a followers-addressed delivery carries.

Computed when the delivery is sent (not when planned), so it states the followers the author has on the
receiving host at that moment; the receiver compares it with its own follows and repairs a difference by
fetching the partial collection (`sync_url`, served by web/ap/actors.py to that host's signers only).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.queries import follower_uris
from essaim.federation.followers_sync import SyncHeader, followers_digest
from essaim.federation.vocab import as_list


def sync_url(actor: Actor, host: str) -> str:
    """Where `host` reads which of its actors follow `actor`: the followers collection with `?domain=`."""
    return f"{actor.followers_uri}?domain={quote(host, safe=':[]')}"


def addressed_to_followers(body: str, followers_uri: str) -> bool:
    """Whether the activity names the author's followers collection in `to` or `cc`."""
    try:
        activity = json.loads(body)
    except ValueError:
        return False
    if not isinstance(activity, dict):
        return False
    return followers_uri in as_list(activity.get("to")) + as_list(activity.get("cc"))


async def sync_header(session: AsyncSession, actor_id: int, host: str, body: str) -> SyncHeader | None:
    """The header for one delivery of `body` signed by local `actor_id` to `host`; None when it is not
    addressed to the actor's followers (a Like, a Follow, a direct post)."""
    actor = await session.get(Actor, actor_id)
    if actor is None or actor.followers_uri is None or not addressed_to_followers(body, actor.followers_uri):
        return None
    followers = await follower_uris(session, actor_id, domain=host)
    return SyncHeader(actor.followers_uri, sync_url(actor, host), followers_digest(followers))
