"""Conversations: file each direct post into the thread of every local person it reaches, and read them back.

A direct post reaches its author and the people it mentions. Each local one among them (who may hear
from the author) gets the post added to their own conversation for the thread, keyed by the thread's
first post; it is unread for the addressed, read for the author. Reads keep only the posts the
person may still read, so a conversation never shows a post to someone it did not address.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, delete, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Conversation, ConversationMute, ConversationStatus, Mention, Status, Visibility
from essaim.actors.visibility import heard_from, visible_to
from essaim.actors.writes import insert_ignoring_duplicates
from essaim.ids import new_id

MAX_DEPTH = 256  # replies walked up to find a thread's first post


async def thread_root(session: AsyncSession, status: Status) -> int:
    """The id of the first post of `status`'s thread (as far as this node knows it)."""
    root, parent_id = status.id, status.in_reply_to_id
    for _ in range(MAX_DEPTH):
        if parent_id is None:
            break
        parent = await session.get(Status, parent_id)
        if parent is None:
            break
        root, parent_id = parent.id, parent.in_reply_to_id
    return root


def _reached(status: Status, only: Collection[int] | None) -> Select[int]:
    """Local people a direct post reaches: its author and those it mentions who may hear from the author."""
    author = select(Actor.id.label("owner_id")).where(Actor.id == status.actor_id)
    mentioned = select(Mention.actor_id.label("owner_id")).where(Mention.status_id == status.id)
    everyone = union(author, mentioned).subquery()
    hearing = or_(everyone.c.owner_id == status.actor_id, heard_from(everyone.c.owner_id, status.actor_id))
    local = select(Actor.id).where(Actor.id == everyone.c.owner_id, Actor.domain.is_(None)).exists()
    reached = select(everyone.c.owner_id).where(hearing, local)
    return reached if only is None else reached.where(everyone.c.owner_id.in_(only))


async def add_to_conversations(session: AsyncSession, status: Status, only: Collection[int] | None = None) -> None:
    """File a direct post into the conversations of the local people it reaches (nothing for other posts);
    `only` those people (an edit's newly mentioned), when given."""
    if (
        status.visibility != Visibility.DIRECT.value
        or status.reblog_of_id is not None
        or (only is not None and not only)
    ):
        return
    root = await thread_root(session, status)
    for owner in (await session.scalars(_reached(status, only))).all():
        unread = owner != status.actor_id
        await insert_ignoring_duplicates(
            session, Conversation, actor_id=owner, root_id=root, last_status_id=status.id, unread=unread
        )
        key = and_(Conversation.actor_id == owner, Conversation.root_id == root)
        conversation = await session.scalar(select(Conversation).where(key).with_for_update())
        assert conversation is not None, "inserted or already there"
        conversation.last_status_id = max(conversation.last_status_id, status.id)
        conversation.unread = unread
        await insert_ignoring_duplicates(
            session, ConversationStatus, conversation_id=conversation.id, status_id=status.id
        )


async def rejoin_thread(session: AsyncSession, old_root: int, new_root: int) -> None:
    """The first post of a thread turned out to answer another (its parent arrived late): the conversations
    and conversation mutes keyed by `old_root` now belong to the thread of `new_root`, merged per person."""
    if old_root == new_root:
        return
    for moved in (await session.scalars(select(Conversation).where(Conversation.root_id == old_root))).all():
        key = and_(Conversation.actor_id == moved.actor_id, Conversation.root_id == new_root)
        joined = await session.scalar(select(Conversation).where(key).with_for_update())
        if joined is None:
            moved.root_id = new_root
            continue
        posts = select(ConversationStatus.status_id).where(ConversationStatus.conversation_id == moved.id)
        for status_id in (await session.scalars(posts)).all():
            row = {"conversation_id": joined.id, "status_id": status_id}
            await insert_ignoring_duplicates(session, ConversationStatus, **row)
        joined.last_status_id = max(joined.last_status_id, moved.last_status_id)
        joined.unread = joined.unread or moved.unread
        await session.delete(moved)
    muters = select(ConversationMute.actor_id).where(ConversationMute.root_id == old_root)
    for actor_id in (await session.scalars(muters)).all():
        await insert_ignoring_duplicates(session, ConversationMute, id=new_id(), actor_id=actor_id, root_id=new_root)
    await session.execute(delete(ConversationMute).where(ConversationMute.root_id == old_root))
    await session.flush()


def readable_posts(viewer_id: int) -> Select[int, int]:
    """(conversation id, post id) of the viewer's conversations, for the posts they may still read."""
    return (
        select(ConversationStatus.conversation_id, ConversationStatus.status_id)
        .join(Status, Status.id == ConversationStatus.status_id)
        .join(Conversation, Conversation.id == ConversationStatus.conversation_id)
        .where(Conversation.actor_id == viewer_id, visible_to(viewer_id))
    )


def listed(viewer_id: int) -> Select[Conversation]:
    """The viewer's conversations that still hold a post they may read."""
    posts = readable_posts(viewer_id).subquery()
    return select(Conversation).where(
        Conversation.actor_id == viewer_id, Conversation.id.in_(select(posts.c.conversation_id))
    )


@dataclass
class ConversationData:
    """What a Conversation entity shows: the other people in it, and its newest post the viewer may read."""

    conversation: Conversation
    last_status_id: int
    participant_ids: list[int] = field(default_factory=list)


async def load_conversations(
    session: AsyncSession, conversations: Sequence[Conversation], viewer_id: int
) -> list[ConversationData]:
    ids = [c.id for c in conversations]
    posts = readable_posts(viewer_id).where(ConversationStatus.conversation_id.in_(ids)).subquery()
    newest = select(posts.c.conversation_id, func.max(posts.c.status_id)).group_by(posts.c.conversation_id)
    last = {conversation_id: status_id for conversation_id, status_id in await session.execute(newest)}
    people: dict[int, set[int]] = defaultdict(set)
    authors = select(posts.c.conversation_id, Status.actor_id).join(Status, Status.id == posts.c.status_id)
    addressed = select(posts.c.conversation_id, Mention.actor_id).join(Mention, Mention.status_id == posts.c.status_id)
    for conversation_id, actor_id in await session.execute(union(authors, addressed)):
        if actor_id != viewer_id:
            people[conversation_id].add(actor_id)
    return [ConversationData(c, last[c.id], sorted(people[c.id])) for c in conversations if c.id in last]
