"""What the community pages read, on a real database: the directory's filters and a community's feed, as each viewer
may see them (a secret community only for its members, a closed one's posts only for its members)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from essaim.actors.community_directory import DirectoryQuery, community_feed, directory
from essaim.actors.models import Account, Actor, Community
from essaim.actors.models.base import utcnow
from essaim.db import Database
from essaim.outbox.actions.communities import CommunityDraft
from essaim.outbox.actions.statuses import StatusDraft, check_create_status, do_create_status
from tests.outbox.test_community_edit import new_community, new_person
from tests.outbox.test_federate_posts import NODE


async def _post(database: Database, author_id: int, text: str) -> int:
    async with database.transaction() as session:
        query = select(Account).options(selectinload(Account.actor)).where(Account.actor_id == author_id)
        author = (await session.scalars(query)).one()
        checked = await check_create_status(session, author, StatusDraft(text=text, visibility="public"), NODE)
        return (await do_create_status(session, checked, NODE)).id


async def _names(database: Database, viewer_id: int | None, wanted: DirectoryQuery) -> list[str]:
    async with database.session() as session:
        return [listing.group.username for listing in await directory(session, viewer_id, wanted)]


async def test_the_directory_filters_and_hides_secret_communities(database: Database) -> None:
    ana, leo = await new_person(database, "ana"), await new_person(database, "leo")
    await new_community(database, ana, CommunityDraft("python", "Python & co", template="trade"))
    await new_community(database, ana, CommunityDraft("lyon", "Lyon", template="site", charter="Everyone at 100% Lyon"))
    await new_community(database, ana, CommunityDraft("apollo", "Apollo", template="project", ends_on=utcnow().date()))
    async with database.transaction() as session:
        apollo = await session.scalar(select(Community).join(Actor).where(Actor.username == "apollo"))
        assert apollo is not None
        apollo.archived_at = utcnow()

    assert await _names(database, None, DirectoryQuery()) == ["lyon", "python"]
    assert await _names(database, leo, DirectoryQuery()) == ["lyon", "python"]
    assert await _names(database, ana, DirectoryQuery()) == ["apollo", "lyon", "python"]
    assert await _names(database, None, DirectoryQuery(search="PYTH")) == ["python"]
    assert await _names(database, None, DirectoryQuery(search="100%")) == ["lyon"], "found in the charter, % literal"
    assert await _names(database, None, DirectoryQuery(search="_")) == []
    assert await _names(database, None, DirectoryQuery(access="closed")) == ["lyon"]
    assert await _names(database, ana, DirectoryQuery(kind="project")) == ["apollo"]
    assert await _names(database, ana, DirectoryQuery(archived=True)) == ["apollo"]
    assert await _names(database, ana, DirectoryQuery(archived=False)) == ["lyon", "python"]
    async with database.session() as session:
        counts = {
            listing.group.username: listing.members for listing in await directory(session, ana, DirectoryQuery())
        }
    assert counts == {"apollo": 1, "lyon": 1, "python": 1}


async def test_the_feed_pages_and_keeps_members_only_posts_with_members(database: Database) -> None:
    ana, leo = await new_person(database, "ana"), await new_person(database, "leo")
    open_id = await new_community(database, ana, CommunityDraft("python", "Python & co", template="trade"))
    closed_id = await new_community(database, ana, CommunityDraft("lyon", "Lyon", template="site"))
    posted = [await _post(database, ana, f"@python tip {n}") for n in range(3)]
    inside = await _post(database, ana, "@lyon canteen closed")

    async with database.session() as session:
        first = await community_feed(session, open_id, None, None, 2)
        assert [status.id for status, _ in first.items] == posted[:0:-1] and first.next_max_id == posted[1]
        rest = await community_feed(session, open_id, None, first.next_max_id, 2)
        assert [status.id for status, _ in rest.items] == posted[:1] and rest.next_max_id is None
        assert (await community_feed(session, closed_id, None, None, 20)).items == []
        assert (await community_feed(session, closed_id, leo, None, 20)).items == []
        members_view = await community_feed(session, closed_id, ana, None, 20)
        assert [(status.id, author.username) for status, author in members_view.items] == [(inside, "ana")]
