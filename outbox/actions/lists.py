"""A person's lists: create, change and delete them, add and remove members.

Only accounts the owner follows (an accepted follow) may be added, and each membership names
that follow, so it ends with it (actors/models/lists.py). Lists are private: another person's
list is not found, never forbidden, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Follow, List, ListAccount, RepliesPolicy
from essaim.ids import new_id
from essaim.outbox.actions import Invalid, NotFound, insert_ignoring_duplicates
from essaim.outbox.limits import LIST_TITLE_LIMIT, MAX_LISTS

POLICIES = tuple(p.value for p in RepliesPolicy)


async def owned_list(session: AsyncSession, owner_id: int, list_id: int) -> List:
    """The list if `owner_id` owns it; NotFound otherwise (another person's list does not exist for them)."""
    found = await session.scalar(select(List).where(List.id == list_id, List.owner_id == owner_id))
    if found is None:
        raise NotFound()
    return found


def check_list(title: str | None, replies_policy: str | None) -> None:
    """A title is required (when given, it must not be blank) and the replies policy one Mastodon knows."""
    if title is not None and not title.strip():
        raise Invalid("Title can't be blank")
    if title is not None and len(title) > LIST_TITLE_LIMIT:
        raise Invalid(f"Title is too long (maximum is {LIST_TITLE_LIMIT} characters)")
    if replies_policy is not None and replies_policy not in POLICIES:
        raise Invalid(f"Replies policy must be one of {', '.join(POLICIES)}")


async def do_create_list(
    session: AsyncSession, owner: Actor, title: str | None, replies_policy: str | None, exclusive: bool
) -> List:
    if title is None:
        raise Invalid("Title can't be blank")
    check_list(title, replies_policy)
    count = await session.scalar(select(func.count()).select_from(List).where(List.owner_id == owner.id))
    if (count or 0) >= MAX_LISTS:
        raise Invalid(f"You cannot have more than {MAX_LISTS} lists")
    made = List(
        id=new_id(),
        owner_id=owner.id,
        title=title.strip(),
        replies_policy=replies_policy or RepliesPolicy.LIST.value,
        exclusive=exclusive,
    )
    session.add(made)
    await session.flush()
    return made


async def do_update_list(
    session: AsyncSession, changed: List, title: str | None, replies_policy: str | None, exclusive: bool | None
) -> None:
    """Change what is given; what is not given stays."""
    check_list(title, replies_policy)
    if title is not None:
        changed.title = title.strip()
    if replies_policy is not None:
        changed.replies_policy = replies_policy
    if exclusive is not None:
        changed.exclusive = exclusive
    await session.flush()


async def do_delete_list(session: AsyncSession, gone: List) -> None:
    await session.delete(gone)  # members go with it (ON DELETE CASCADE)
    await session.flush()


async def do_add_accounts(session: AsyncSession, target: List, actor_ids: Sequence[int]) -> None:
    """Add the accounts, all or none: each must be followed by the list's owner; members already in stay."""
    follows = select(Follow.followee_id, Follow.id).where(
        Follow.follower_id == target.owner_id, Follow.followee_id.in_(actor_ids), Follow.accepted.is_(True)
    )
    followed: dict[int, int] = dict((await session.execute(follows)).all())
    missing = [i for i in actor_ids if i not in followed]
    if missing:
        known = await session.scalar(select(func.count()).select_from(Actor).where(Actor.id.in_(missing)))
        if known != len(missing):
            raise NotFound()
        raise Invalid("You must follow an account before adding it to a list")
    for actor_id in actor_ids:
        values = {"id": new_id(), "list_id": target.id, "actor_id": actor_id, "follow_id": followed[actor_id]}
        await insert_ignoring_duplicates(session, ListAccount, **values)


async def do_remove_accounts(session: AsyncSession, target: List, actor_ids: Sequence[int]) -> None:
    """Remove the accounts from the list; accounts not in it are ignored."""
    await session.execute(
        delete(ListAccount).where(ListAccount.list_id == target.id, ListAccount.actor_id.in_(actor_ids))
    )
