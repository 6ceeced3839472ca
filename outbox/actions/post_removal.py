"""Removing posts that are not one's own: a remote post forgotten (its author deleted it, or its community's
moderators removed it), and a moderator's removal of a post in their community.

A moderator removes any post of their local community, everywhere it went: a local author's post is
deleted as its author would delete it (their `Delete`, which the Group announces to its members); a
remote member's post is dropped here and the Group announces its own `Delete` of it to its members and to
the author's server (FEP-1b12), which deletes it there too. Anyone else is told the post does not exist
(404), as for someone else's post.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import community_of, may_moderate, membership
from essaim.actors.models import Actor, MediaAttachment, Status, Tombstone
from essaim.actors.models.base import utcnow
from essaim.federation.render.community import render_group_delete
from essaim.outbox.actions import NotFound, insert_ignoring_duplicates, readable_status
from essaim.outbox.actions.media import detach_media
from essaim.outbox.actions.statuses import do_delete_status
from essaim.outbox.federate_communities import announce_to_members
from essaim.outbox.federate_posts import remote_followers


async def forget_post(session: AsyncSession, status: Status, now: datetime) -> None:
    """A remote post deleted: its media freed, its row gone, a tombstone so it is not stored again."""
    await detach_media(session, MediaAttachment.status_id == status.id)
    await session.delete(status)
    await insert_ignoring_duplicates(session, Tombstone, uri=status.uri, deleted_at=now)


async def moderated_post(session: AsyncSession, moderator_id: int, status_id: int) -> Status:
    """A post (not a boost) of a local community the caller moderates and may read; NotFound otherwise."""
    status = await readable_status(session, status_id, moderator_id)
    community = await community_of(session, status.community_id) if status.community_id is not None else None
    if community is None or status.reblog_of_id is not None:
        raise NotFound()
    if not may_moderate(await membership(session, community.actor_id, moderator_id)):
        raise NotFound()
    return status


async def do_remove_post(session: AsyncSession, status: Status, internal_domains: Iterable[str]) -> None:
    """A moderator's removal of a post in their community (checked by `moderated_post`), everywhere."""
    author = await session.get(Actor, status.actor_id)
    group = await session.get(Actor, status.community_id)
    assert author is not None and group is not None, "foreign keys"
    if author.is_local:
        await do_delete_status(session, status, internal_domains)
        return
    members = await remote_followers(session, group.id)
    told = members if author in members else [*members, author]  # the author's server, even after they left
    removal = render_group_delete(group, status)
    await announce_to_members(session, group, told, status, removal, internal_domains)
    await forget_post(session, status, utcnow())
    await session.flush()
