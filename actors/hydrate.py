"""Load everything a page of accounts or posts shows, in a fixed number of queries per page.

Renderers (Mastodon entities, pages) get plain data from here and never query:
counts, media, polls, mentions, tags and the viewer's own flags are loaded for
the whole page at once (Takahē's `map_from_post` idea), not once per post.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from essaim.actors.emojis import emojis_by_key, profile_shortcodes, status_shortcodes, used
from essaim.actors.models import (
    Actor,
    Bookmark,
    CustomEmoji,
    Favourite,
    Follow,
    MediaAttachment,
    Mention,
    OAuthApplication,
    Poll,
    PollVote,
    Status,
    StatusPin,
    StatusTag,
    Tag,
)
from essaim.actors.mutes import in_muted_thread
from essaim.actors.queries import with_profile

if TYPE_CHECKING:
    from essaim.actors.filters import FilterResult


@dataclass
class AccountData:
    actor: Actor
    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_at: datetime | None = None
    moved: AccountData | None = None  # the account it moved to, when this node knows it (its own `moved` unset)
    emojis: list[CustomEmoji] = field(default_factory=list)  # those its name, bio and fields use


@dataclass
class StatusData:
    status: Status
    account: AccountData
    reblog: StatusData | None = None
    application: OAuthApplication | None = None
    media: list[MediaAttachment] = field(default_factory=list)
    poll: Poll | None = None
    own_votes: list[int] = field(default_factory=list)
    mentions: list[Actor] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    emojis: list[CustomEmoji] = field(default_factory=list)
    replies: int = 0
    reblogs: int = 0
    favourites: int = 0
    favourited: bool = False
    reblogged: bool = False
    bookmarked: bool = False
    pinned: bool = False
    muted: bool = False  # in a thread the viewer muted
    filtered: list[FilterResult] = field(default_factory=list)  # set by actors/filters.py for a viewer's context


async def _counts(
    session: AsyncSession,
    key: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    ids: set[int],
    *where: ColumnElement[bool],
) -> dict[int, int]:
    if not ids:
        return {}
    query = select(key, func.count()).where(key.in_(ids), *where).group_by(key)
    return {k: int(n) for k, n in (await session.execute(query)).all() if k is not None}


async def load_accounts(session: AsyncSession, actor_ids: Iterable[int]) -> dict[int, AccountData]:
    """The accounts with their counts and, for those that moved, the account they moved to (one level)."""
    accounts = await _load_accounts(session, actor_ids)
    moved_to = {data.actor.moved_to_uri for data in accounts.values() if data.actor.moved_to_uri}
    if moved_to:
        found = await session.scalars(select(Actor.id).where(Actor.uri.in_(moved_to)))
        targets = {data.actor.uri: data for data in (await _load_accounts(session, found.all())).values()}
        for data in accounts.values():
            data.moved = targets.get(data.actor.moved_to_uri or "")
    return accounts


async def _load_accounts(session: AsyncSession, actor_ids: Iterable[int]) -> dict[int, AccountData]:
    ids = set(actor_ids)
    if not ids:
        return {}
    actors = (await session.scalars(with_profile(select(Actor).where(Actor.id.in_(ids))))).all()
    accepted = Follow.accepted.is_(True)
    followers = await _counts(session, Follow.followee_id, ids, accepted)
    following = await _counts(session, Follow.follower_id, ids, accepted)
    posts = select(Status.actor_id, func.count(), func.max(Status.published)).where(Status.actor_id.in_(ids))
    posted = (await session.execute(posts.group_by(Status.actor_id))).all()
    statuses, last_posts = {a: int(n) for a, n, _ in posted}, {a: last for a, _, last in posted}
    codes = {actor.id: profile_shortcodes(actor) for actor in actors}
    emojis = await emojis_by_key(session, ((actor.domain, codes[actor.id]) for actor in actors))
    return {
        actor.id: AccountData(
            actor,
            followers=followers.get(actor.id, 0),
            following=following.get(actor.id, 0),
            statuses=statuses.get(actor.id, 0),
            last_status_at=last_posts.get(actor.id),
            emojis=used(emojis, actor.domain, codes[actor.id]),
        )
        for actor in actors
    }


async def _viewer_flags(
    session: AsyncSession, model: type[Favourite] | type[Bookmark] | type[StatusPin], ids: set[int], viewer_id: int
) -> set[int]:
    query = select(model.status_id).where(model.actor_id == viewer_id, model.status_id.in_(ids))
    return set((await session.scalars(query)).all())


async def load_statuses(session: AsyncSession, statuses: Sequence[Status], viewer_id: int | None) -> list[StatusData]:
    """`StatusData` for each post, in order; boosts carry the boosted post's data in `reblog`."""
    reblog_ids = {s.reblog_of_id for s in statuses if s.reblog_of_id is not None}
    boosted = {s.id: s for s in (await session.scalars(select(Status).where(Status.id.in_(reblog_ids)))).all()}
    every = [*statuses, *boosted.values()]
    ids = {s.id for s in every}
    accounts = await load_accounts(session, {s.actor_id for s in every})

    media: dict[int, list[MediaAttachment]] = defaultdict(list)
    for item in await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id.in_(ids)).order_by(MediaAttachment.position)
    ):
        media[item.status_id or 0].append(item)
    polls = {p.status_id: p for p in await session.scalars(select(Poll).where(Poll.status_id.in_(ids)))}
    own_votes: dict[int, list[int]] = defaultdict(list)
    if viewer_id is not None and polls:
        poll_ids = {p.id: p.status_id for p in polls.values()}
        votes = select(PollVote.poll_id, PollVote.choice).where(
            PollVote.poll_id.in_(poll_ids), PollVote.actor_id == viewer_id
        )
        for poll_id, choice in (await session.execute(votes.order_by(PollVote.choice))).all():
            own_votes[poll_ids[poll_id]].append(choice)
    mentions: dict[int, list[Actor]] = defaultdict(list)
    for status_id, actor in (
        await session.execute(
            select(Mention.status_id, Actor).join(Actor, Actor.id == Mention.actor_id).where(Mention.status_id.in_(ids))
        )
    ).all():
        mentions[status_id].append(actor)
    tags: dict[int, list[Tag]] = defaultdict(list)
    for status_id, tag in (
        await session.execute(
            select(StatusTag.status_id, Tag).join(Tag, Tag.id == StatusTag.tag_id).where(StatusTag.status_id.in_(ids))
        )
    ).all():
        tags[status_id].append(tag)
    domains = {s.id: accounts[s.actor_id].actor.domain for s in every}
    codes = {s.id: status_shortcodes(s, polls.get(s.id)) for s in every}
    emojis = await emojis_by_key(session, ((domains[status_id], found) for status_id, found in codes.items()))
    app_ids = {s.application_id for s in every if s.application_id is not None}
    applications = {
        a.id: a for a in await session.scalars(select(OAuthApplication).where(OAuthApplication.id.in_(app_ids)))
    }
    replies = await _counts(session, Status.in_reply_to_id, ids)
    reblogs = await _counts(session, Status.reblog_of_id, ids)
    favourites = await _counts(session, Favourite.status_id, ids)
    favourited = bookmarked = pinned = reblogged = muted = set()
    if viewer_id is not None:
        muted = set(
            await session.scalars(select(Status.id).where(Status.id.in_(ids), in_muted_thread(viewer_id, Status.id)))
        )
        favourited = await _viewer_flags(session, Favourite, ids, viewer_id)
        bookmarked = await _viewer_flags(session, Bookmark, ids, viewer_id)
        pinned = await _viewer_flags(session, StatusPin, ids, viewer_id)
        boosts = select(Status.reblog_of_id).where(Status.actor_id == viewer_id, Status.reblog_of_id.in_(ids))
        reblogged = {i for i in (await session.scalars(boosts)).all() if i is not None}

    def data(status: Status) -> StatusData:
        own = status.reblog_of_id or status.id  # a boost shows the viewer's marks on the boosted post
        return StatusData(
            status=status,
            account=accounts[status.actor_id],
            reblog=data(boosted[status.reblog_of_id]) if status.reblog_of_id in boosted else None,
            application=applications.get(status.application_id or 0),
            media=media.get(status.id, []),
            poll=polls.get(status.id),
            own_votes=own_votes.get(status.id, []),
            mentions=mentions.get(status.id, []),
            tags=tags.get(status.id, []),
            emojis=used(emojis, domains[status.id], codes[status.id]),
            replies=replies.get(status.id, 0),
            reblogs=reblogs.get(status.id, 0),
            favourites=favourites.get(status.id, 0),
            favourited=own in favourited,
            reblogged=own in reblogged,
            bookmarked=own in bookmarked,
            pinned=status.id in pinned,
            muted=own in muted,
        )

    return [data(status) for status in statuses]
