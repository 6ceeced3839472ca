"""`/api/v1/timelines/*`: home (precomputed feed), public, hashtag, list and direct timelines.

The home feed applies `visible_to` again on read: a feed row written before an unfollow or a
block must not show a followers-only post afterwards; it leaves out members of the viewer's
exclusive lists. A list timeline is read from its members' posts (actors/lists.py), with the
same `visible_to` for its owner. Public and tag timelines keep public
posts only, none across a block with the viewer, and never those of silenced or suspended
servers, even for their followers. Every timeline leaves out what the viewer's mutes hide
(`mutes.unmuted_for`), checked on read so a mute's expiry takes effect at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import BigInteger, ColumnElement, Exists, Select, and_, bindparam, exists, or_, select

from essaim.actors.community_lists import community_list, community_posts
from essaim.actors.domain_blocks import limited_author
from essaim.actors.lists import exclusively_listed, list_posts
from essaim.actors.models import (
    Actor,
    HomeFeedEntry,
    List,
    MediaAttachment,
    Mention,
    Status,
    StatusTag,
    Tag,
    Visibility,
)
from essaim.actors.mutes import unmuted_for, unmuted_home_for
from essaim.actors.paging import Window, newest_first, windowed
from essaim.actors.queries import pinned_posts
from essaim.actors.visibility import visible_to
from essaim.outbox.actions.lists import owned_list
from essaim.web.api.auth import authenticate, optional_account
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response, statuses_json
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


async def _respond(
    request: web.Request,
    query: Select[Status],
    window: Window,
    viewer_id: int | None,
    context: str | None,
    pinned: Sequence[Status] = (),
) -> web.Response:
    """A page of the timeline; the cursors are the rows read, so posts the viewer's filters hide still page on.
    `pinned` posts (kept out of `query`) come first on the first page and are no cursors."""
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(query, Status.id, window))).all())
        statuses = newest_first(rows, window, key=lambda s: s.id)
        first_page = window.max_id is None and window.min_id is None and window.since_id is None
        shown = [*pinned, *statuses] if first_page else statuses
        items = await statuses_json(request, session, shown, viewer_id, context)
    return page_response(request, items, [s.id for s in statuses])


# Built once with the viewer as a parameter: building it (aliases, a dozen subqueries) cost more than
# running it, per request.
_VIEWER = bindparam("home_viewer", type_=BigInteger)
_HOME_POSTS = (
    select(Status)
    .join(HomeFeedEntry, HomeFeedEntry.status_id == Status.id)
    .where(HomeFeedEntry.owner_id == _VIEWER, visible_to(_VIEWER), unmuted_home_for(_VIEWER))
    .where(~exclusively_listed(_VIEWER))
)


def home_posts(viewer: int) -> Select[Status]:
    """The viewer's home timeline before paging (the bench times this very query)."""
    return _HOME_POSTS.params(home_viewer=viewer)


@routes.get("/api/v1/timelines/home")
async def home(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    viewer = token.user.actor_id
    return await _respond(request, home_posts(viewer), page_request(await Params.of(request)), viewer, "home")


def public_posts(viewer_id: int | None, *, local: bool, remote: bool, only_media: bool) -> ColumnElement[bool]:
    """Public posts only (never unlisted, followers-only or direct), originals only, no silenced or suspended
    server's, none across a block with the viewer, by place and media. Live streams use it too."""
    rules = [
        Status.visibility == Visibility.PUBLIC.value,
        Status.reblog_of_id.is_(None),
        ~limited_author(Status.actor_id),
        visible_to(viewer_id),
        unmuted_for(viewer_id),
    ]
    if local or remote:
        author_domain = select(Actor.domain).where(Actor.id == Status.actor_id).scalar_subquery()
        rules.append(author_domain.is_(None) if local else author_domain.is_not(None))
    if only_media:
        rules.append(exists().where(MediaAttachment.status_id == Status.id))
    return and_(*rules)


def _public_filters(query: Select[Status], params: Params, viewer_id: int | None) -> Select[Status]:
    local, remote, media = params.boolean("local"), params.boolean("remote"), params.boolean("only_media")
    return query.where(public_posts(viewer_id, local=local, remote=remote, only_media=media))


@routes.get("/api/v1/timelines/public")
async def public(request: web.Request) -> web.Response:
    params = await Params.of(request)
    viewer = await optional_account(request, "read:statuses")
    viewer_id = viewer.actor_id if viewer else None
    query = _public_filters(select(Status), params, viewer_id)
    return await _respond(request, query, page_request(params), viewer_id, "public")


def tag_names(names: list[str]) -> list[str]:
    return [n.strip().lstrip("#").lower() for n in names if isinstance(n, str) and n.strip().lstrip("#")]


def has_tag(names: list[str]) -> Exists:
    return exists().where(StatusTag.status_id == Status.id, StatusTag.tag_id == Tag.id, Tag.name.in_(names))


@routes.get("/api/v1/timelines/tag/{hashtag}")
async def tag(request: web.Request) -> web.Response:
    params = await Params.of(request)
    viewer = await optional_account(request, "read:statuses")
    viewer_id = viewer.actor_id if viewer else None
    any_of = tag_names([request.match_info["hashtag"], *params.many("any")])
    if not any_of[0:1]:
        raise ApiError(404, "Record not found")
    query = _public_filters(select(Status), params, viewer_id).where(has_tag(any_of))
    for name in tag_names(params.many("all")):
        query = query.where(has_tag([name]))
    none_of = tag_names(params.many("none"))
    if none_of:
        query = query.where(~has_tag(none_of))
    return await _respond(request, query, page_request(params), viewer_id, "public")


@routes.get("/api/v1/timelines/direct")
async def direct(request: web.Request) -> web.Response:
    """Direct posts the caller wrote or was addressed in, newest first (Mastodon's deprecated direct timeline)."""
    token = await authenticate(request, "read:statuses")
    viewer = token.user.actor_id
    addressed = select(Mention.status_id).where(Mention.actor_id == viewer)
    query = select(Status).where(
        Status.visibility == Visibility.DIRECT.value,
        or_(Status.actor_id == viewer, Status.id.in_(addressed)),
        visible_to(viewer),
    )
    return await _respond(request, query, page_request(await Params.of(request)), viewer, None)


@routes.get("/api/v1/timelines/list/{list_id}")
async def list_timeline(request: web.Request) -> web.Response:
    """Posts of the list's members, as its owner may read them; another person's list is not found. A
    community's list (actors/community_lists.py) holds the community's posts, its pinned ones first."""
    token = await authenticate(request, "read:lists")
    viewer = token.user.actor_id
    list_id = parse_id(request.match_info["list_id"])
    async with request.app[DATABASE].session() as session:
        pinned: Sequence[Status] = ()
        if await community_list(session, viewer, list_id) is not None:
            pinned = await pinned_posts(session, list_id, viewer)
            posts = community_posts(viewer, list_id).where(Status.id.not_in([s.id for s in pinned]))
        else:
            await owned_list(session, viewer, list_id)
            posts = list_posts().where(List.id == list_id)
    query = posts.where(visible_to(viewer), unmuted_home_for(viewer))
    return await _respond(request, query, page_request(await Params.of(request)), viewer, "home", pinned)
