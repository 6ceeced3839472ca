"""Inbound `Move`: a peer's person moved to another account; their followers here follow the new one.

Accepted as Mastodon accepts it: the actor moves itself (`actor` = `object` = the verified sender,
so the old account's server signed it), and the new account (`target`) lists the old one in its
`alsoKnownAs`. The new account must be read fresh, not from what we stored earlier: `refresh_target`
fetches it while the inbox request is checked (network, no transaction open), before the activity is
queued; when it cannot be fetched the inbox refuses the Move. The handler then reads the stored,
just-refreshed copy (or the local account, when someone moves here). A refused Move changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from essaim.actors.remote import actor_by_uri
from essaim.federation.keys import url_authority
from essaim.federation.vocab import id_of
from essaim.inbox.authenticate import Refused
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.follows import local_person
from essaim.inbox.handlers.posts import is_local, refuse
from essaim.inbox.resolve import ActorResolver, ResolveError
from essaim.outbox.actions import ActionError
from essaim.outbox.actions.moves import apply_move, check_move


def _moved_self(activity: Mapping[str, Any], sender_uri: str) -> str | None:
    """The Move's target when the sender moves itself; None for any other activity."""
    if activity.get("type") != "Move" or id_of(activity.get("object")) != sender_uri:
        return None
    if id_of(activity.get("actor")) != sender_uri:
        return None
    return id_of(activity.get("target"))


async def refresh_target(resolver: ActorResolver, activity: Mapping[str, Any], sender_uri: str) -> None:
    """Fetch and store a Move's target afresh, so the handler checks its `alsoKnownAs` as its server says it
    now. A target on this node is read from the database by the handler. Raises Refused (400) when a
    remote target cannot be had."""
    target = _moved_self(activity, sender_uri)
    if target is None or url_authority(target) == url_authority(resolver.config.base_url):
        return
    try:
        await resolver.fetch_actor(target)
    except ResolveError as error:
        raise Refused(400, f"the Move's target could not be fetched: {error}") from None


@handles("Move")
async def move(ctx: InboxContext) -> bool:
    target_uri = _moved_self(ctx.activity, ctx.sender.uri)
    if target_uri is None:
        return refuse(ctx, "a Move of another account than its sender, or without a target")
    if is_local(ctx, target_uri):
        target = await local_person(ctx, target_uri)  # an enabled person: not the node, not a disabled account
    else:
        target = await actor_by_uri(ctx.session, target_uri)
    if target is None:
        return refuse(ctx, f"its target {target_uri} is unknown")
    try:
        check_move(ctx.sender, target)
    except ActionError as error:
        return refuse(ctx, error.message)
    await apply_move(ctx.session, ctx.sender, target)
    return True
