"""Load everything a page of accounts or posts shows, in a fixed number of queries per page.

Renderers (Mastodon entities, pages) get plain data from here and never query:
counts, media, polls, mentions, tags and the viewer's own flags are loaded for
the whole page at once (Takahē's `map_from_post` idea), not once per post.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from essaim.actors.communities import hidden_community
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


# Every statement is built once, the page's ids and the viewer as parameters: building them cost more
# than running them. Counts and the viewer's marks each come in one UNION ALL, tagged by kind.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_VIEWER = bindparam("viewer", type_=BigInteger)


def _tagged(kind: int, *columns: ColumnElement[Any] | InstrumentedAttribute[Any]) -> Select[Any]:
    return select(literal_column(str(kind)), *columns)


def _counted(kind: int, key: InstrumentedAttribute[Any], *extra: ColumnElement[Any]) -> Select[Any]:
    return _tagged(kind, key, func.count(), *extra).where(key.in_(_IDS)).group_by(key)


_ACTORS = with_profile(select(Actor).where(Actor.id.in_(_IDS)))
_ACCEPTED = Follow.accepted.is_(True)
_POSTED, _FOLLOWERS, _FOLLOWING = range(3)
_ACCOUNT_COUNTS = union_all(  # posts first: the union takes its columns' types (`published`) from it
    _counted(_POSTED, Status.actor_id, func.max(Status.published)),
    _counted(_FOLLOWERS, Follow.followee_id, null()).where(_ACCEPTED),
    _counted(_FOLLOWING, Follow.follower_id, null()).where(_ACCEPTED, ~hidden_community(Follow.followee_id)),
)
_STATUSES = select(Status).where(Status.id.in_(_IDS))
_MEDIA = select(MediaAttachment).where(MediaAttachment.status_id.in_(_IDS)).order_by(MediaAttachment.position)
_POLLS = select(Poll).where(Poll.status_id.in_(_IDS))
_VOTES = (
    select(PollVote.poll_id, PollVote.choice)
    .where(PollVote.poll_id.in_(_IDS), PollVote.actor_id == _VIEWER)
    .order_by(PollVote.choice)
)
_MENTIONS = (
    select(Mention.status_id, Actor).join(Actor, Actor.id == Mention.actor_id).where(Mention.status_id.in_(_IDS))
)
_TAGS = select(StatusTag.status_id, Tag).join(Tag, Tag.id == StatusTag.tag_id).where(StatusTag.status_id.in_(_IDS))
_APPLICATIONS = select(OAuthApplication).where(OAuthApplication.id.in_(_IDS))
_REPLIES, _REBLOGS, _FAVOURITES = range(3)
_STATUS_COUNTS = union_all(
    _counted(_REPLIES, Status.in_reply_to_id),
    _counted(_REBLOGS, Status.reblog_of_id),
    _counted(_FAVOURITES, Favourite.status_id),
)


def _marked(kind: int, model: type[Favourite] | type[Bookmark] | type[StatusPin]) -> Select[Any]:
    return _tagged(kind, model.status_id).where(model.actor_id == _VIEWER, model.status_id.in_(_IDS))


_FAVOURITED, _BOOKMARKED, _PINNED, _REBLOGGED, _MUTED = range(5)
_VIEWER_MARKS = union_all(
    _marked(_FAVOURITED, Favourite),
    _marked(_BOOKMARKED, Bookmark),
    _marked(_PINNED, StatusPin),
    _tagged(_REBLOGGED, Status.reblog_of_id).where(Status.actor_id == _VIEWER, Status.reblog_of_id.in_(_IDS)),
    _tagged(_MUTED, Status.id).where(Status.id.in_(_IDS), in_muted_thread(_VIEWER, Status.id)),
)


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
    ids = list(set(actor_ids))
    if not ids:
        return {}
    actors = (await session.scalars(_ACTORS, {"ids": ids})).all()
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    last_posts: dict[int, datetime | None] = {}
    for kind, actor_id, n, last in (await session.execute(_ACCOUNT_COUNTS, {"ids": ids})).all():
        counts[kind][actor_id] = n
        if kind == _POSTED:
            last_posts[actor_id] = last
    codes = {actor.id: profile_shortcodes(actor) for actor in actors}
    emojis = await emojis_by_key(session, ((actor.domain, codes[actor.id]) for actor in actors))
    return {
        actor.id: AccountData(
            actor,
            followers=counts[_FOLLOWERS].get(actor.id, 0),
            following=counts[_FOLLOWING].get(actor.id, 0),
            statuses=counts[_POSTED].get(actor.id, 0),
            last_status_at=last_posts.get(actor.id),
            emojis=used(emojis, actor.domain, codes[actor.id]),
        )
        for actor in actors
    }


async def load_statuses(session: AsyncSession, statuses: Sequence[Status], viewer_id: int | None) -> list[StatusData]:
    """`StatusData` for each post, in order; boosts carry the boosted post's data in `reblog`."""
    page = await load_posts(session, statuses)
    return page if viewer_id is None else await with_viewer_marks(session, page, viewer_id)


async def load_posts(session: AsyncSession, statuses: Sequence[Status]) -> list[StatusData]:
    """`load_statuses` for nobody in particular: what every reader sees alike (live streams share it)."""
    reblog_ids = list({s.reblog_of_id for s in statuses if s.reblog_of_id is not None})
    boosted = {s.id: s for s in (await session.scalars(_STATUSES, {"ids": reblog_ids})).all()} if reblog_ids else {}
    every = [*statuses, *boosted.values()]
    ids = {"ids": list({s.id for s in every})}
    accounts = await load_accounts(session, {s.actor_id for s in every})

    media: dict[int, list[MediaAttachment]] = defaultdict(list)
    for item in await session.scalars(_MEDIA, ids):
        media[item.status_id or 0].append(item)
    polls = {p.status_id: p for p in await session.scalars(_POLLS, ids)}
    mentions: dict[int, list[Actor]] = defaultdict(list)
    for status_id, actor in (await session.execute(_MENTIONS, ids)).all():
        mentions[status_id].append(actor)
    tags: dict[int, list[Tag]] = defaultdict(list)
    for status_id, tag in (await session.execute(_TAGS, ids)).all():
        tags[status_id].append(tag)
    domains = {s.id: accounts[s.actor_id].actor.domain for s in every}
    codes = {s.id: status_shortcodes(s, polls.get(s.id)) for s in every}
    emojis = await emojis_by_key(session, ((domains[status_id], found) for status_id, found in codes.items()))
    app_ids = list({s.application_id for s in every if s.application_id is not None})
    applications = {a.id: a for a in await session.scalars(_APPLICATIONS, {"ids": app_ids})} if app_ids else {}
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for kind, status_id, n in (await session.execute(_STATUS_COUNTS, ids)).all():
        if status_id is not None:
            counts[kind][status_id] = n
    replies, reblogs, favourites = counts[_REPLIES], counts[_REBLOGS], counts[_FAVOURITES]

    def data(status: Status) -> StatusData:
        return StatusData(
            status=status,
            account=accounts[status.actor_id],
            reblog=data(boosted[status.reblog_of_id]) if status.reblog_of_id in boosted else None,
            application=applications.get(status.application_id or 0),
            media=media.get(status.id, []),
            poll=polls.get(status.id),
            mentions=mentions.get(status.id, []),
            tags=tags.get(status.id, []),
            emojis=used(emojis, domains[status.id], codes[status.id]),
            replies=replies.get(status.id, 0),
            reblogs=reblogs.get(status.id, 0),
            favourites=favourites.get(status.id, 0),
        )

    return [data(status) for status in statuses]


async def with_viewer_marks(session: AsyncSession, page: Sequence[StatusData], viewer_id: int) -> list[StatusData]:
    """Copies of `page` (from `load_posts`, left as it is) with the viewer's own marks and poll votes."""
    every = [*page, *(data.reblog for data in page if data.reblog is not None)]
    found = await session.execute(_VIEWER_MARKS, {"ids": list({d.status.id for d in every}), "viewer": viewer_id})
    marks: dict[int, set[int]] = defaultdict(set)
    for kind, status_id in found.all():
        if status_id is not None:
            marks[kind].add(status_id)
    own_votes: dict[int, list[int]] = defaultdict(list)
    poll_ids = {d.poll.id: d.status.id for d in every if d.poll is not None}
    if poll_ids:
        for poll_id, choice in (await session.execute(_VOTES, {"ids": list(poll_ids), "viewer": viewer_id})).all():
            own_votes[poll_ids[poll_id]].append(choice)

    def marked(data: StatusData) -> StatusData:
        status = data.status
        own = status.reblog_of_id or status.id  # a boost shows the viewer's marks on the boosted post
        return replace(
            data,
            reblog=marked(data.reblog) if data.reblog is not None else None,
            own_votes=own_votes.get(status.id, []),
            favourited=own in marks[_FAVOURITED],
            reblogged=own in marks[_REBLOGGED],
            bookmarked=own in marks[_BOOKMARKED],
            pinned=status.id in marks[_PINNED],
            muted=own in marks[_MUTED],
        )

    return [marked(data) for data in page]
