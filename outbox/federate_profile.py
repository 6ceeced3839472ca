"""Tell peers that a local person edited their profile: `Update` of the actor document to their followers.

Called inside the edit's transaction, so the profile and its deliveries commit together. Each
host is reached once (shared inbox when it has one); nothing is planned without remote followers.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.models.base import utcnow
from essaim.federation.render.actor import render_actor, render_actor_update
from essaim.outbox.actions import LocalNode
from essaim.outbox.delivery import inboxes_for, plan_deliveries
from essaim.outbox.federate_posts import remote_followers


async def federate_profile_update(session: AsyncSession, actor: Actor, node: LocalNode) -> None:
    """The edited actor (profile loaded) as an `Update` to every remote accepted follower."""
    inboxes = inboxes_for(await remote_followers(session, actor.id))
    if not inboxes:
        return
    document = render_actor(actor, domain=node.domain, default_avatar=node.uris.default_avatar)
    activity = render_actor_update(document, utcnow())
    await plan_deliveries(session, activity["id"], activity, actor.id, inboxes, subject=actor.uri)
