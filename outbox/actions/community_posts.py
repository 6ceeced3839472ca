"""Posting into a community: which community a new post goes into, and the audience that follows from it.

A reply goes where its parent is; any other post goes into the first Group it mentions (how every
Mastodon app posts into a community). Only members post into a live community; a post into a
members-only one (closed or secret, or a remote Group that approves its followers) is for members
only, whatever visibility the app asked for.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import community_of, may_see_community, membership, posting_refusal
from essaim.actors.models import Actor, ActorType, Follow, Status, Visibility
from essaim.outbox.actions import Forbidden, Invalid


async def community_for(
    session: AsyncSession, author: Actor, mentioned: list[Actor], reply_to: Status | None
) -> Actor | None:
    """The Group a new post goes into, checked: Forbidden (403) for a non-member, Invalid (422) when archived.

    A secret community the author may not see is treated as no community at all (no existence leak).
    """
    if reply_to is not None and reply_to.community_id is not None:
        group = await session.get(Actor, reply_to.community_id)
    else:
        group = next((a for a in mentioned if a.type == ActorType.GROUP.value), None)
    if group is None:
        return None
    if not group.is_local:
        follows = select(Follow.id).where(
            Follow.follower_id == author.id, Follow.followee_id == group.id, Follow.accepted.is_(True)
        )
        if await session.scalar(follows) is None:
            raise Forbidden("Only members can post in this community")
        return group
    community = await community_of(session, group.id)
    if community is None or not await may_see_community(session, community, author.id):
        return None
    refusal = posting_refusal(community, await membership(session, community.actor_id, author.id))
    if refusal is not None:
        raise Invalid(refusal) if community.archived_at is not None else Forbidden(refusal)
    return group


async def community_visibility(session: AsyncSession, group: Actor, visibility: str) -> str:
    """A members-only community makes the post followers-only (its followers: the members); a direct post
    into an open one is for its members too."""
    community = await community_of(session, group.id) if group.is_local else None
    members_only = community.members_only if community is not None else group.manually_approves_followers
    if members_only or visibility == Visibility.DIRECT.value:
        return Visibility.PRIVATE.value
    return visibility
