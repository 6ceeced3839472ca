"""The welcome message's durability (outbox/actions/community_welcome.py) on a real, migrated database: a sweep
that crashes before its commit loses nothing, a finished one is never repeated, and each membership is welcomed
once (someone who left before the sweep is not; someone who comes back is, again).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from essaim.actors.models import Actor, Community, Job, Mention, Notification, Status
from essaim.db import Database
from essaim.outbox.actions import LocalNode
from essaim.outbox.actions.communities import CommunityDraft, do_create_community, do_join, do_leave
from essaim.outbox.actions.community_welcome import WELCOME, send_welcomes
from essaim.uris import LocalURIs
from tests.outbox.test_community_edit import new_person

NODE = LocalNode(LocalURIs("https://essaim.example"), "essaim.example")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class Crash(Exception):
    """Stands for the process dying after the welcome was written, before the commit."""


async def _counts(database: Database, member_id: int) -> tuple[int, int, int]:
    """(welcome jobs waiting, welcomes addressed to the member, the member's notifications)."""
    async with database.session() as session:
        waiting = await session.scalar(select(func.count()).select_from(Job).where(Job.kind == WELCOME))
        addressed = select(func.count()).select_from(Status).join(Mention, Mention.status_id == Status.id)
        welcomes = await session.scalar(addressed.where(Mention.actor_id == member_id))
        notified = await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.recipient_id == member_id)
        )
    return int(waiting or 0), int(welcomes or 0), int(notified or 0)


async def _sweep(database: Database) -> int:
    async with database.transaction() as session:
        return await send_welcomes(session, NODE, NOW)


@pytest.fixture
async def community(database: Database) -> tuple[int, int]:
    """An open community `atelier` owned by ana; (its Group's id, amina's id)."""
    owner_id, amina_id = await new_person(database, "ana"), await new_person(database, "amina")
    async with database.transaction() as session:
        owner = await session.get_one(Actor, owner_id)
        _, group = await do_create_community(session, NODE.uris, owner, CommunityDraft("atelier", "Atelier"))
        return group.id, amina_id


async def _join(database: Database, group_id: int, actor_id: int, *, leave: bool = False) -> None:
    async with database.transaction() as session:
        group, actor = await session.get_one(Actor, group_id), await session.get_one(Actor, actor_id)
        community = await session.get_one(Community, group_id)
        await (do_leave if leave else do_join)(session, community, group, actor)


async def test_a_crash_loses_nothing_and_nothing_is_repeated(database: Database, community: tuple[int, int]) -> None:
    group_id, amina = community
    assert await _counts(database, amina) == (0, 0, 0)  # no job: the owner who created it is not welcomed
    await _join(database, group_id, amina)
    await _join(database, group_id, amina)  # already a member: no second welcome
    assert await _counts(database, amina) == (1, 0, 0)

    with pytest.raises(Crash):
        async with database.transaction() as session:
            assert await send_welcomes(session, NODE, NOW) == 1
            raise Crash
    assert await _counts(database, amina) == (1, 0, 0)  # rolled back: the job waits, nothing was sent

    assert await _sweep(database) == 1
    assert await _counts(database, amina) == (0, 1, 1)
    assert await _sweep(database) == 0
    assert await _counts(database, amina) == (0, 1, 1)


async def test_each_membership_is_welcomed_once(database: Database, community: tuple[int, int]) -> None:
    group_id, amina = community
    await _join(database, group_id, amina)
    await _join(database, group_id, amina, leave=True)
    assert await _sweep(database) == 0  # she left before it ran
    await _join(database, group_id, amina)
    assert await _sweep(database) == 1  # she came back: a new membership
    assert await _counts(database, amina) == (0, 1, 1)


async def test_a_message_emptied_before_the_sweep_sends_nothing(database: Database, community: tuple[int, int]) -> None:
    group_id, amina = community
    await _join(database, group_id, amina)
    async with database.transaction() as session:
        (await session.get_one(Community, group_id)).welcome_message = "  "
    assert await _sweep(database) == 0
    assert await _counts(database, amina) == (0, 0, 0), "the job is done, nothing was posted"
