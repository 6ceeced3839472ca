"""Which posts belong in a list's timeline, and which lists a new post belongs to.

A post belongs in a list when its author (the booster, for a boost) is a member and, for a
reply, the list's `replies_policy` admits it: replies to oneself and to the list's owner always,
replies to anyone the owner follows (`followed`), to members of the list (`list`), or no other
(`none`). On top, the owner must be allowed to read the post (`visibility.visible_to`): the rule
is applied when reading, so a post whose audience leaves the owner out never shows, whatever
happened since it was made. An exclusive list keeps its members' posts out of its owner's home
timeline (`exclusively_listed`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from essaim.actors.models import Follow, List, ListAccount, RepliesPolicy, Status
from essaim.actors.visibility import ActorId, visible_status


def _replies_fit() -> ColumnElement[bool]:
    """SQL over `List` and `Status`: the post is no reply, or a reply the list's policy shows."""
    replied_to = Status.in_reply_to_account_id
    followed = exists().where(
        Follow.follower_id == List.owner_id, Follow.followee_id == replied_to, Follow.accepted.is_(True)
    )
    other_member = aliased(ListAccount)
    in_list = exists().where(other_member.list_id == List.id, other_member.actor_id == replied_to)
    return or_(
        replied_to.is_(None),
        replied_to == Status.actor_id,
        replied_to == List.owner_id,
        and_(List.replies_policy == RepliesPolicy.FOLLOWED.value, followed),
        and_(List.replies_policy == RepliesPolicy.LIST.value, in_list),
    )


def list_posts() -> Select[Status]:
    """Posts by members of any list (restrict with `List.id`), replies filtered by the list's policy.

    Callers add `visibility.visible_to(owner)`.
    """
    return (
        select(Status)
        .join(ListAccount, ListAccount.actor_id == Status.actor_id)
        .join(List, List.id == ListAccount.list_id)
        .where(_replies_fit())
    )


async def lists_receiving(session: AsyncSession, status: Status) -> list[tuple[int, int]]:
    """`(owner_id, list_id)` of every list whose timeline `status` (just stored) belongs in.

    For live updates (streaming): the same rule as the list timelines, owners who may not read the
    post left out.
    """
    query = list_posts().where(Status.id == status.id).with_only_columns(List.owner_id, List.id)
    candidates = (await session.execute(query.order_by(List.id))).all()
    readable = {owner for owner in {o for o, _ in candidates} if await visible_status(session, status.id, owner)}
    return [(owner, list_id) for owner, list_id in candidates if owner in readable]


def exclusively_listed(owner_id: ActorId) -> ColumnElement[bool]:
    """SQL on `Status`: its author is a member of one of the owner's exclusive lists."""
    return exists().where(
        ListAccount.actor_id == Status.actor_id,
        ListAccount.list_id == List.id,
        List.owner_id == owner_id,
        List.exclusive.is_(True),
    )
