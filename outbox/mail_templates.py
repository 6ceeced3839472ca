"""What each mail the node sends says (see essaim.outbox.mail): written at sending time from the rows its
job names, or None when there is nothing to say any more."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Account, Actor, Community
from essaim.outbox.mail import Letter, template
from essaim.uris import LocalURIs

COMMUNITY_ENDING = "community_ending"


@template(COMMUNITY_ENDING)
async def community_ending(session: AsyncSession, payload: dict[str, Any], uris: LocalURIs) -> Letter | None:
    """To an owner of a project community whose end date is near, unless it was archived or renewed past
    the reminder since (`reminded_for` then differs from `ends_on`), or the owner's account is gone."""
    community = await session.get(Community, payload.get("community_id"))
    group = await session.get(Actor, payload.get("community_id"))
    email = await session.scalar(
        select(Account.email).where(Account.actor_id == payload.get("owner_id"), Account.disabled_at.is_(None))
    )
    if community is None or group is None or email is None or community.ends_on is None:
        return None
    if community.archived_at is not None or community.reminded_for != community.ends_on:
        return None
    name = group.display_name or group.username
    return Letter(
        to=email,
        subject=f"{name} ends on {community.ends_on.isoformat()}",
        body=(
            f"The project community {name} (@{group.username}) ends on {community.ends_on.isoformat()}.\n\n"
            "On that day it becomes a read-only archive: its members can still read and search it, "
            "nobody can post in it.\n"
            "If the project goes on, renew the community before then (a new end date), "
            "from its page or with `essaim community renew`.\n\n"
            f"{uris.profile_page(group.username)}\n"
        ),
    )
