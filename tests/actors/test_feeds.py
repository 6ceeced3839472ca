"""Fan-out on write (essaim.actors.feeds.fan_out) on a real database: only local people get home-feed rows."""

from __future__ import annotations

from sqlalchemy import select

from essaim.actors.feeds import fan_out
from essaim.actors.models import Actor, Follow, HomeFeedEntry, Mention, Status, Visibility
from essaim.db import Database


def _actor(username: str, domain: str | None) -> Actor:
    base = f"https://{domain or 'essaim.example'}/users/{username}"
    return Actor(username=username, domain=domain, uri=base, key_id=f"{base}#main-key", public_key_pem="-")


async def _feed_owners(database: Database, status_id: int) -> set[str]:
    async with database.session() as session:
        query = (
            select(Actor.username)
            .join(HomeFeedEntry, HomeFeedEntry.owner_id == Actor.id)
            .where(HomeFeedEntry.status_id == status_id)
        )
        return set(await session.scalars(query))


async def test_a_remote_authors_post_reaches_local_followers_and_mentions_only(database: Database) -> None:
    async with database.transaction() as session:
        ana, bea, remote_author, remote_fan = (
            _actor("ana", None),
            _actor("bea", None),
            _actor("rob", "peer.example"),
            _actor("fan", "other.example"),
        )
        session.add_all([ana, bea, remote_author, remote_fan])
        await session.flush()
        session.add_all(
            [
                Follow(follower_id=ana.id, followee_id=remote_author.id),
                Follow(follower_id=remote_fan.id, followee_id=remote_author.id),
            ]
        )
        post = Status(actor_id=remote_author.id, uri="https://peer.example/statuses/1", content="<p>hi</p>")
        session.add(post)
        await session.flush()
        session.add(Mention(status_id=post.id, actor_id=bea.id))
        await session.flush()
        await fan_out(session, post)
    assert await _feed_owners(database, post.id) == {"ana", "bea"}, "not the remote author, not a remote follower"


async def test_a_local_authors_post_reaches_their_own_feed(database: Database) -> None:
    async with database.transaction() as session:
        ana, bea = _actor("ana", None), _actor("bea", None)
        session.add_all([ana, bea])
        await session.flush()
        session.add(Follow(follower_id=bea.id, followee_id=ana.id))
        post = Status(
            actor_id=ana.id, uri="https://essaim.example/statuses/2", visibility=Visibility.DIRECT.value, content="x"
        )
        session.add(post)
        await session.flush()
        await fan_out(session, post)
    assert await _feed_owners(database, post.id) == {"ana"}, "a direct post mentioning nobody: its author only"
