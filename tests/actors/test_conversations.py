"""Filing direct posts into conversations (essaim.actors.conversations, through fan_out) on a real database."""

from __future__ import annotations

from sqlalchemy import select

from essaim.actors.feeds import fan_out
from essaim.actors.models import Actor, Conversation, ConversationStatus, Mention, Status, Visibility
from essaim.db import Database
from tests.actors.test_feeds import _actor


async def _filed(database: Database) -> dict[str, list[tuple[int, int]]]:
    """Per person: (thread root, post id) of every post in their conversations."""
    async with database.session() as session:
        query = (
            select(Actor.username, Conversation.root_id, ConversationStatus.status_id)
            .join(Conversation, Conversation.actor_id == Actor.id)
            .join(ConversationStatus, ConversationStatus.conversation_id == Conversation.id)
            .order_by(ConversationStatus.status_id)
        )
        filed: dict[str, list[tuple[int, int]]] = {}
        for username, root, status_id in await session.execute(query):
            filed.setdefault(username, []).append((root, status_id))
        return filed


async def test_a_remote_direct_thread_reaches_only_the_local_people_it_addresses(database: Database) -> None:
    async with database.transaction() as session:
        ana, bea, cid, rob = (
            _actor("ana", None),
            _actor("bea", None),
            _actor("cid", None),
            _actor("rob", "peer.example"),
        )
        session.add_all([ana, bea, cid, rob])
        await session.flush()

        async def post(author: Actor, n: int, to: list[Actor], reply_to: Status | None = None, **kw: str) -> Status:
            status = Status(
                actor_id=author.id,
                uri=f"https://x.example/s/{n}",
                content="<p>psst</p>",
                visibility=kw.get("visibility", Visibility.DIRECT.value),
                in_reply_to_id=reply_to.id if reply_to else None,
            )
            session.add(status)
            await session.flush()
            session.add_all([Mention(status_id=status.id, actor_id=a.id) for a in to])
            await session.flush()
            await fan_out(session, status)
            return status

        first = await post(rob, 1, [ana, bea])
        reply = await post(ana, 2, [rob], first)
        deeper = await post(rob, 3, [ana], reply)
        public = await post(rob, 4, [cid], visibility=Visibility.PUBLIC.value)
        last = await post(ana, 5, [rob], deeper)
    filed = await _filed(database)
    thread = [(first.id, first.id), (first.id, reply.id), (first.id, deeper.id), (first.id, last.id)]
    assert filed["ana"] == thread, "one thread"
    assert filed["bea"] == [(first.id, first.id)], "only the post that addressed her"
    assert "cid" not in filed and "rob" not in filed, "a public mention makes none; remote people have none here"
    assert public.id not in {s for posts in filed.values() for _, s in posts}
    async with database.session() as session:
        rows = await session.execute(select(Actor.username, Conversation.unread).join(Actor))
        unread = {username: flag for username, flag in rows}
    assert unread == {"ana": False, "bea": True}, "ana wrote in it last; bea has not read"
