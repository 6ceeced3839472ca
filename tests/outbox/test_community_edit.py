"""Editing a community and archiving it by hand, on a real database: who may, what is refused, what peers are told.

The edit pages (`web/pages/communities.py`) call these actions; the browser tests drive the pages,
these check the rights and the Group's `Update` planned to a remote member's server.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from essaim.actors.accounts import create_person
from essaim.actors.models import Actor, Community, Delivery
from essaim.actors.models.base import utcnow
from essaim.actors.queries import with_profile
from essaim.db import Database
from essaim.federation.vocab import PUBLIC
from essaim.outbox.actions import Forbidden, Invalid
from essaim.outbox.actions.communities import (
    CommunityDraft,
    CommunityEdit,
    do_create_community,
    do_edit_community,
    do_join,
    do_set_role,
)
from essaim.outbox.actions.community_lifecycle import do_archive
from tests.outbox.test_federate_posts import NODE, PEER_SHARED, remote

EDIT = CommunityEdit(
    display_name="Platform team",
    charter="We run the platform.",
    rules=("Be kind.", "  ", "Page the on-call for outages."),
    welcome_message="Hello!",
    access="closed",
)


async def new_person(database: Database, username: str) -> int:
    async with database.transaction() as session:
        person = await create_person(
            session,
            NODE.uris,
            username=username,
            email=f"{username}@x.example",
            password="a long passphrase",
            min_password_length=8,
        )
        return person.actor_id


async def new_community(database: Database, owner_id: int, draft: CommunityDraft) -> int:
    async with database.transaction() as session:
        owner = await session.get(Actor, owner_id)
        assert owner is not None
        _, group = await do_create_community(session, NODE.uris, owner, draft)
        return group.id


async def _edit(database: Database, group_id: int, editor_id: int, edit: CommunityEdit) -> None:
    async with database.transaction() as session:
        group = await session.scalar(with_profile(select(Actor).where(Actor.id == group_id)))
        community, editor = await session.get(Community, group_id), await session.get(Actor, editor_id)
        assert group is not None and community is not None and editor is not None
        await do_edit_community(session, NODE, community, group, editor, edit)


async def test_moderators_edit_and_remote_members_get_the_groups_update(database: Database) -> None:
    ana, leo = await new_person(database, "ana"), await new_person(database, "leo")
    group_id = await new_community(database, ana, CommunityDraft("platform", "Platform", template="qa"))
    async with database.transaction() as session:
        group, community = await session.get(Actor, group_id), await session.get(Community, group_id)
        assert group is not None and community is not None
        bob = remote("bob", "peer.example")
        session.add(bob)
        await session.flush()
        await do_join(session, community, group, bob, internal_domains=["*"])  # open, no boundary: a member at once
        leo_actor = await session.get(Actor, leo)
        assert leo_actor is not None
        await do_join(session, community, group, leo_actor)

    with pytest.raises(Forbidden):  # a plain member may not edit
        await _edit(database, group_id, leo, EDIT)
    async with database.transaction() as session:
        community, ana_actor, leo_actor = (
            await session.get(Community, group_id),
            await session.get(Actor, ana),
            await session.get(Actor, leo),
        )
        assert community is not None and ana_actor is not None and leo_actor is not None
        await do_set_role(session, community, ana_actor, leo_actor, "moderator")
    await _edit(database, group_id, leo, EDIT)
    await _edit(database, group_id, leo, replace(EDIT, access="secret"))  # then told to its members alone

    async with database.session() as session:
        group, community = await session.get(Actor, group_id), await session.get(Community, group_id)
        assert group is not None and community is not None
        assert (group.display_name, community.access, community.rules) == (
            "Platform team",
            "secret",
            ["Be kind.", "Page the on-call for outages."],
        )
        assert group.manually_approves_followers and group.summary == "<p>We run the platform.</p>"
        updates = [
            json.loads(d.activity)
            for d in await session.scalars(
                select(Delivery).where(Delivery.inbox_url == PEER_SHARED).order_by(Delivery.id)
            )
            if json.loads(d.activity)["type"] == "Update"
        ]
    assert [(u["actor"], u["object"]["type"], u["object"]["summary"], u["to"]) for u in updates] == [
        (group.uri, "Group", "<p>We run the platform.</p>", [PUBLIC]),
        (group.uri, "Group", "<p>We run the platform.</p>", [group.followers_uri]),
    ]


async def test_bad_names_end_dates_and_archiving_by_others_are_refused(database: Database) -> None:
    ana, leo = await new_person(database, "ana"), await new_person(database, "leo")
    for name in ("new", "edit"):
        with pytest.raises(Invalid, match="reserved"):
            await new_community(database, ana, CommunityDraft(name, "Shadow", template="team"))
    ends = date.today() + timedelta(days=30)
    group_id = await new_community(database, ana, CommunityDraft("apollo", "Apollo", template="project", ends_on=ends))
    with pytest.raises(Invalid, match="end date"):
        await _edit(database, group_id, ana, EDIT)
    async with database.transaction() as session:
        community, leo_actor = await session.get(Community, group_id), await session.get(Actor, leo)
        assert community is not None and leo_actor is not None
        with pytest.raises(Forbidden):  # not even a member
            await do_archive(session, community, utcnow(), by=leo_actor)
        ana_actor = await session.get(Actor, ana)
        assert ana_actor is not None
        await do_archive(session, community, utcnow(), by=ana_actor)
        with pytest.raises(Invalid, match="archived already"):
            await do_archive(session, community, utcnow(), by=ana_actor)
