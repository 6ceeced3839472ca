"""A remote post into a community: admitted when its author is a member of the local community, then
announced by the Group to its remote members (the member's activity unchanged, FEP-1b12).

A post from a non-member, or into an archived community, is answered with `Reject` and not stored.
A post into a remote community is stored in it as it comes (its Group judged it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import community_of, membership, posting_refusal
from essaim.actors.models import Actor, Status
from essaim.federation.render.activity import answer_id, render_answer
from essaim.ids import new_id
from essaim.outbox.federate_communities import announce_to_members
from essaim.outbox.federate_follows import send_to_actor
from essaim.outbox.federate_posts import remote_followers


async def refusal_of(session: AsyncSession, group: Actor, author: Actor) -> str | None:
    """Why the local community does not take the author's post; None when it does (or the Group is remote)."""
    community = await community_of(session, group.id) if group.is_local else None
    if community is None:
        return None
    return posting_refusal(community, await membership(session, community.actor_id, author.id))


async def reject_post(session: AsyncSession, group: Actor, author: Actor, activity: Mapping[str, Any]) -> None:
    """Tell the author's server the Group refused the activity (`Reject` naming it)."""
    refused = {"id": activity.get("id"), "type": activity.get("type"), "actor": author.uri}
    reject = render_answer("Reject", answer_id(group.uri, "Reject", new_id()), group.uri, refused)
    await send_to_actor(session, reject, group, author)


async def redistribute(
    session: AsyncSession, group: Actor, status: Status, activity: Mapping[str, Any], internal_domains: Iterable[str]
) -> None:
    """A local Group announces an admitted post to its remote members (those inside its boundary)."""
    if group.is_local:
        members = await remote_followers(session, group.id)
        await announce_to_members(session, group, members, status, activity, internal_domains)
