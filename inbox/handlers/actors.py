"""Inbound Update of an actor: a peer's person edited their profile; refresh the stored copy.

Only the sender may update itself: the object's id must be the verified sender's id. The key
that signed stays the stored one: a key change is only taken from a fetch of the actor document
(essaim.inbox.resolve), never from an embedded copy. The person's featured collection is read again
afterwards (a queued peer job, essaim.inbox.featured): their pins may have changed with their profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from essaim.actors.remote import RemoteActorConflict
from essaim.federation.errors import FederationError
from essaim.federation.parse_actor import RemoteKey, parse_actor
from essaim.federation.vocab import as_list
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.posts import ignore, refuse
from essaim.inbox.resolve import read_featured_later, save_remote_actor

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


def _actor_object(ctx: InboxContext) -> Mapping[str, Any] | None:
    obj = ctx.activity.get("object")
    if isinstance(obj, Mapping) and any(t in ACTOR_TYPES for t in as_list(obj.get("type"))):
        return obj
    return None


@handles("Update")
async def update_actor(ctx: InboxContext) -> bool:
    """New name, bio (and their emoji), fields, avatar, header, lock or discoverability of the sender itself."""
    obj = _actor_object(ctx)
    if obj is None:
        return False
    if obj.get("id") != ctx.sender.uri or ctx.sender.domain is None:
        return refuse(ctx, "an Update of another actor than its sender")
    try:
        remote = parse_actor(obj)
    except FederationError as error:
        return refuse(ctx, f"unusable actor document: {error}")
    key = RemoteKey(id=ctx.sender.key_id, owner=ctx.sender.uri, pem=ctx.sender.public_key_pem)
    try:
        actor = await save_remote_actor(ctx.session, remote, key, ctx.now)
    except RemoteActorConflict as error:
        return ignore(ctx, str(error))
    await read_featured_later(ctx.session, actor, ctx.now)  # pins may have changed too (Mastodon rereads them)
    return True
