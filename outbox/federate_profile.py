"""Tell peers about a local person's account: `Update` of the edited actor document, `Move` to a new account,
both to their remote followers.

Called inside the edit's transaction, so the profile and its deliveries commit together. Each
host is reached once (shared inbox when it has one); nothing is planned without remote followers.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.models.base import utcnow
from essaim.federation.render.activity import answer_id, render_move
from essaim.federation.render.actor import render_actor, render_actor_update
from essaim.ids import new_id
from essaim.outbox.actions import LocalNode
from essaim.outbox.delivery import inboxes_for, plan_deliveries
from essaim.outbox.federate_posts import remote_followers


async def federate_profile_update(
    session: AsyncSession, actor: Actor, node: LocalNode, *, to_followers: bool = False
) -> None:
    """The edited actor (profile loaded) as an `Update` to every remote accepted follower; addressed to
    its followers rather than Public with `to_followers` (a secret community's Group)."""
    inboxes = inboxes_for(await remote_followers(session, actor.id))
    if not inboxes:
        return
    document = render_actor(actor, domain=node.domain, default_avatar=node.uris.default_avatar)
    activity = render_actor_update(document, utcnow())
    if to_followers:
        activity["to"] = [actor.followers_uri]
    await plan_deliveries(session, activity["id"], activity, actor.id, inboxes, subject=actor.uri)


async def federate_move(session: AsyncSession, origin: Actor, target: Actor) -> None:
    """`Move{origin → target}`, signed by `origin`, to every remote accepted follower's server."""
    inboxes = inboxes_for(await remote_followers(session, origin.id))
    if not inboxes:
        return
    activity = render_move(answer_id(origin.uri, "Move", new_id()), origin.uri, target.uri, origin.followers_uri)
    await plan_deliveries(session, activity["id"], activity, origin.id, inboxes, subject=origin.uri)
