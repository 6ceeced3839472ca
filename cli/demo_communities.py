"""The demo company's communities: one of every kind (open trade, closed site, secret project, external customer),
with members and posts.

Posts go through the real posting path (`@community` in the text, as an app posts into one), so their
audience, home feeds and notifications are those of a live post. A community that exists is left as
it is, so `essaim demo` stays idempotent. The project ends a few days after the demo is loaded, so its
owner is reminded at once and it archives itself soon after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors import accounts
from essaim.actors.communities import TEMPLATES
from essaim.actors.models import Account, Actor
from essaim.actors.models.base import utcnow
from essaim.outbox.actions import LocalNode
from essaim.outbox.actions.communities import CommunityDraft, do_create_community, do_invite, do_join
from essaim.outbox.actions.community_rules import do_add_rule
from essaim.outbox.actions.statuses import StatusDraft, check_create_status, do_create_status


async def seed_communities(session: AsyncSession, node: LocalNode, communities: list[dict[str, Any]]) -> int:
    """Create the communities not there yet; how many were created."""
    created = 0
    for data in communities:
        if await accounts.local_actor_by_handle(session, data["username"]) is None:
            await _create(session, node, data)
            created += 1
    return created


async def _create(session: AsyncSession, node: LocalNode, data: dict[str, Any]) -> None:
    owner = await _person(session, data["owner"])
    ends_in = data.get("ends_in_days")
    draft = CommunityDraft(
        data["username"],
        data["name"],
        data["template"],
        access=data.get("access"),
        ends_on=utcnow().date() + timedelta(days=ends_in) if ends_in is not None else None,
        charter=data.get("charter"),
        welcome_message="",  # the demo's members were there from the start: nobody is welcomed while seeding
        external=data.get("external", False),
        partner_domains=tuple(data.get("partners", ())),
    )
    community, group = await do_create_community(session, node.uris, owner, draft)
    for attribute, value in data.get("rules", {}).items():
        await do_add_rule(session, community, attribute, value)
    for name in data.get("members", []):
        person = await _person(session, name)
        await do_invite(session, community, owner, person)
        await do_join(session, community, group, person)
    for post in data.get("posts", []):
        author = await session.scalar(
            select(Account).join(Account.actor).where(Actor.username == post["by"]).options(selectinload(Account.actor))
        )
        assert author is not None, post["by"]
        text = f"@{group.username} {post['text']}"
        checked = await check_create_status(session, author, StatusDraft(text=text, visibility="public"), node)
        await do_create_status(session, checked, node)
    # Newcomers from now on are welcomed with the template's message.
    community.welcome_message = data.get("welcome_message", TEMPLATES[draft.template].welcome_message)


async def _person(session: AsyncSession, handle: str) -> Actor:
    actor = await accounts.local_actor_by_handle(session, handle)
    assert actor is not None, f"demo_data.toml names {handle!r}, who is not in it"
    return actor
