"""What a community's moderators do to its posts besides removing them: lock one (no more replies) and pin one
(an announcement, first on the community's timeline and in the Group's featured collection), and undo either.

Each step is told to the community's remote members as Lemmy tells it (FEP-1b12): the moderator's `Lock`,
`Undo{Lock}`, `Add` or `Remove` (to the Group's `featured`), inside the Group's `Announce`. A pin is a
`StatusPin` row of the Group, so its featured collection serves it like a person's pinned posts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Community, Status, StatusPin
from essaim.actors.models.base import utcnow
from essaim.federation.render.community import render_group_moderation
from essaim.ids import new_id
from essaim.outbox.actions import NotFound, insert_ignoring_duplicates, readable_status
from essaim.outbox.actions.communities import check_moderator
from essaim.outbox.federate_communities import announce_to_members
from essaim.outbox.federate_posts import remote_followers


async def community_post(session: AsyncSession, community: Community, moderator: Actor, status_id: int) -> Status:
    """A post (not a boost) of the community that its moderator may read: 403 for anyone not moderating it,
    404 for a post that is not there (or not in this community)."""
    await check_moderator(session, community, moderator)
    status = await readable_status(session, status_id, moderator.id)
    if status.community_id != community.actor_id or status.reblog_of_id is not None:
        raise NotFound()
    return status


async def do_lock(
    session: AsyncSession,
    group: Actor,
    moderator: Actor,
    status: Status,
    *,
    locked: bool,
    now: datetime,
    internal_domains: Iterable[str],
) -> None:
    """Lock or unlock the post; members' servers (inside the community's boundary) are told only of a change."""
    if (status.locked_at is not None) == locked:
        return
    status.locked_at = now if locked else None
    await session.flush()
    await _announce(session, group, moderator, status, "Lock", internal_domains, undo=not locked)


async def do_pin(
    session: AsyncSession,
    group: Actor,
    moderator: Actor,
    status: Status,
    *,
    pinned: bool,
    internal_domains: Iterable[str],
) -> None:
    """Pin the post in the community (the Group's pin) or unpin it; members' servers are told only of a change."""
    pin = select(StatusPin.id).where(StatusPin.actor_id == group.id, StatusPin.status_id == status.id)
    if (await session.scalar(pin) is not None) == pinned:
        return
    if pinned:
        await insert_ignoring_duplicates(
            session, StatusPin, id=new_id(), actor_id=group.id, status_id=status.id, created_at=utcnow()
        )
    else:
        await session.execute(delete(StatusPin).where(StatusPin.actor_id == group.id, StatusPin.status_id == status.id))
    await _announce(session, group, moderator, status, "Add" if pinned else "Remove", internal_domains)


async def _announce(
    session: AsyncSession,
    group: Actor,
    moderator: Actor,
    status: Status,
    kind: str,
    internal_domains: Iterable[str],
    *,
    undo: bool = False,
) -> None:
    activity_id = f"{group.uri}/moderation/{new_id()}"
    activity = render_group_moderation(group, moderator, status, kind, activity_id, undo=undo)
    members = await remote_followers(session, group.id)
    await announce_to_members(session, group, members, status, activity, internal_domains)
