"""Partner communities on a real database: who may join, who hears the Group, and what a change of partners does.

The ledger of planned deliveries shows which servers the Group talks to; no HTTP here
(tests/e2e/test_partner_communities.py sends them between real nodes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from essaim.actors.accounts import create_person
from essaim.actors.communities import membership
from essaim.actors.models import Actor, Community, CommunityMember, Delivery, Follow
from essaim.db import Database
from essaim.outbox.actions import Forbidden, Invalid, LocalNode
from essaim.outbox.actions.communities import CommunityDraft, do_approve, do_create_community, do_join
from essaim.outbox.actions.community_partners import do_change_partners
from essaim.outbox.actions.statuses import StatusDraft, check_create_status, do_create_status
from essaim.uris import LocalURIs
from tests.outbox.test_federate_posts import account, remote

INTERNAL = ("essaim.example", "b.example")
NODE = LocalNode(LocalURIs("https://essaim.example"), "essaim.example", internal_domains=INTERNAL)


@dataclass
class Scene:
    db: Database
    ana_id: int
    group_id: int
    colleague: Actor  # on b.example, an internal node
    customer: Actor  # on acme.example, the partner
    rival: Actor  # on rival.example, neither


@pytest.fixture
async def scene(database: Database) -> Scene:
    async with database.transaction() as session:
        ana = await create_person(
            session,
            NODE.uris,
            username="ana",
            email="ana@x.example",
            password="a long passphrase",
            min_password_length=8,
        )
        owner = await session.get(Actor, ana.actor_id)
        assert owner is not None
        draft = CommunityDraft("clients", "Clients", "site", external=True, partner_domains=("https://ACME.example/",))
        community, group = await do_create_community(session, NODE.uris, owner, draft)
        assert community.partner_domains == ["acme.example"]
        people = remote("bob", "b.example"), remote("carl", "acme.example"), remote("eve", "rival.example")
        session.add_all(people)
        await session.flush()
    return Scene(database, ana.actor_id, group.id, *people)


async def join(scene: Scene, actor: Actor) -> str:
    async with scene.db.transaction() as session:
        community, group = await session.get(Community, scene.group_id), await session.get(Actor, scene.group_id)
        assert community is not None and group is not None
        return await do_join(session, community, group, actor, internal_domains=INTERNAL)


async def hosts(scene: Scene, kind: str) -> set[str]:
    """The servers the Group's `kind` activities are planned to."""
    async with scene.db.session() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.actor_id == scene.group_id))
        return {row.host for row in rows if json.loads(row.activity)["type"] == kind}


async def test_insiders_and_partners_ask_to_join_and_others_are_refused(scene: Scene) -> None:
    assert await join(scene, scene.colleague) == "requested"
    assert await join(scene, scene.customer) == "requested"
    with pytest.raises(Forbidden, match="rival.example is not a partner domain of this community"):
        await join(scene, scene.rival)
    async with scene.db.transaction() as session:
        community, group = await session.get(Community, scene.group_id), await session.get(Actor, scene.group_id)
        ana = await session.get(Actor, scene.ana_id)
        assert community is not None and group is not None and ana is not None
        await do_approve(session, community, group, ana, scene.customer, internal_domains=INTERNAL)
        with pytest.raises(Forbidden, match="b.example is not a partner"):  # left out, the boundary holds nobody remote
            await do_approve(session, community, group, ana, scene.colleague)
        assert await membership(session, scene.group_id, scene.rival.id) is None
    assert await hosts(scene, "Accept") == {"acme.example"}


async def test_the_group_never_announces_outside_its_boundary(scene: Scene) -> None:
    async with scene.db.transaction() as session:  # eve is a member as if the partners had changed behind our back
        for actor in (scene.colleague, scene.customer, scene.rival):
            session.add(CommunityMember(community_id=scene.group_id, actor_id=actor.id))
            session.add(Follow(follower_id=actor.id, followee_id=scene.group_id, accepted=True))
    async with scene.db.transaction() as session:
        author = await account(session, scene.ana_id)
        draft = StatusDraft(text="@clients the new release is out", visibility="public")
        await do_create_status(session, await check_create_status(session, author, draft, NODE), NODE)
    assert await hosts(scene, "Announce") == {"b.example", "acme.example"}


async def test_a_partner_removed_takes_its_people_out(scene: Scene) -> None:
    await join(scene, scene.customer)
    async with scene.db.transaction() as session:
        community, group = await session.get(Community, scene.group_id), await session.get(Actor, scene.group_id)
        assert community is not None and group is not None
        with pytest.raises(Invalid, match="not a domain"):
            await do_change_partners(session, community, group, INTERNAL, add=["*"])
        left = await do_change_partners(session, community, group, INTERNAL, remove=["acme.example"])
        assert [a.id for a in left] == [scene.customer.id]
        assert community.partner_domains == [] and community.external
        assert await membership(session, scene.group_id, scene.customer.id) is None
        with pytest.raises(Invalid, match="only an external community has partner domains"):
            await do_change_partners(session, community, group, INTERNAL, external=False, add=["acme.example"])
    assert await hosts(scene, "Reject") == {"acme.example"}


async def test_an_internal_community_refuses_partners(scene: Scene) -> None:
    async with scene.db.transaction() as session:
        ana = await session.get(Actor, scene.ana_id)
        assert ana is not None
        with pytest.raises(Invalid, match="only an external community has partner domains"):
            await do_create_community(
                session, NODE.uris, ana, CommunityDraft("x", "X", partner_domains=("acme.example",))
            )
        community, group = await do_create_community(session, NODE.uris, ana, CommunityDraft("staff", "Staff"))
        with pytest.raises(Forbidden, match="company's own servers only"):
            await do_join(session, community, group, scene.customer, internal_domains=INTERNAL)
        assert await do_join(session, community, group, scene.colleague, internal_domains=INTERNAL) == "member"
