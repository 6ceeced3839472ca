"""A local community redistributes what its members post: the Group's Announce to its remote members.

A new post, its edits (`Update`) and its deletion (`Delete`, by its author or, as the Group's own
`Delete`, by a moderator) are each announced.

Only the inboxes of remote members (the Group's accepted followers) are planned, so a members-only
post reaches nobody else; local members have it through `fan_out`. Members the community may not have
(outside the internal boundary and its partner domains, `actors/partners.py`) are skipped too: the join
refused them, and this keeps it so if the partners or the boundary changed since. Both forms of one post share its
id as their subject, so each inbox gets the embedded activity before the compatibility form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Community, Status
from essaim.actors.partners import admits
from essaim.actors.visibility import PUBLIC_VISIBILITIES
from essaim.federation.render.community import render_group_announce
from essaim.federation.render.post_activities import document
from essaim.outbox.delivery import inboxes_for, plan_deliveries


async def announce_to_members(
    session: AsyncSession,
    group: Actor,
    members: list[Actor],
    status: Status,
    activity: Mapping[str, Any],
    internal_domains: Iterable[str],
) -> None:
    """`Announce{activity}` (and `Announce{post id}` for a new public or unlisted post) to the remote `members`'
    inboxes (the Group's accepted remote followers) that the community admits."""
    community = await session.get(Community, group.id)
    boundary = tuple(internal_domains)
    inboxes = inboxes_for(m for m in members if community is None or admits(community, boundary, m.domain))
    if not inboxes:
        return
    forms: list[Mapping[str, Any] | str] = [activity]
    if activity.get("type") == "Create" and status.visibility in PUBLIC_VISIBILITIES:
        forms.append(status.uri)
    for announced in forms:
        wrapped = render_group_announce(group, status, announced)
        await plan_deliveries(session, wrapped["id"], document(wrapped), group.id, inboxes, subject=status.uri)
