"""`GET /api/v2/search`: accounts, statuses and hashtags this node knows.

With `resolve=true` and a signed-in searcher (as in Mastodon), a URL or a remote `@user@host`
this node does not know yet is looked up on its server and stored: a post's id or page URL
becomes the one status found (`inbox/fetch_post.py`: only a post the searcher may read is
stored, and it is shown only if the visibility rule lets them), an actor's URL or handle is
listed first among the accounts. A URL of this node, or of a post stored already, is looked up
here, without a fetch.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import Select, and_, false, or_, select

from essaim.actors.models import Account, Actor, Status
from essaim.actors.search import search_accounts, search_statuses, search_tags
from essaim.actors.tags import tag_flags
from essaim.actors.visibility import visible_to
from essaim.federation.keys import url_authority
from essaim.inbox.fetch_post import FetchRefused, PostFetcher
from essaim.web.api.auth import optional_account
from essaim.web.api.entities.tag import render_tag
from essaim.web.api.params import Params
from essaim.web.api.render import accounts_json, statuses_json
from essaim.web.api.v1.accounts import actor_resolver, is_remote_handle, resolve_account
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()
TYPES = ("accounts", "statuses", "hashtags")

LOCAL_PAGE = re.compile(r"/@[A-Za-z0-9_]{1,30}/([0-9]{1,19})$")  # a post's page on this node (uris.status_page)

log = logging.getLogger(__name__)


def _stored(request: web.Request, url: str) -> Select[int]:
    """The stored post `url` names, by its id (indexed), or for this node's pages by the id in the path."""
    if url_authority(url) != url_authority(request.app[CONFIG].base_url):
        return select(Status.id).where(Status.uri == url, Status.reblog_of_id.is_(None))
    page = LOCAL_PAGE.search(url)
    page_id = int(page[1]) if page else 0
    by_page = and_(Status.id == page_id, Status.url == url) if 0 < page_id < 2**63 else false()
    return select(Status.id).where(or_(Status.uri == url, by_page), Status.reblog_of_id.is_(None))


async def resolve_status(request: web.Request, url: str, viewer: Account) -> tuple[bool, int | None]:
    """Whether `url` names a post (stored, or fetched now: its id or its page), and its id if `viewer` may read it."""
    database = request.app[DATABASE]
    stored = _stored(request, url)
    local = url_authority(url) == url_authority(request.app[CONFIG].base_url)
    async with database.session() as session:
        found = await session.scalar(stored.where(visible_to(viewer.actor_id)))
        if found is not None or await session.scalar(stored) is not None:
            return True, found  # known here: shown or hidden by the visibility rule, never fetched again
        reader = await session.get(Actor, viewer.actor_id)
        an_actor = await session.scalar(select(Actor.id).where(Actor.uri == url))
    if reader is None or an_actor is not None or local:
        return False, None
    try:
        status = await PostFetcher(actor_resolver(request)).fetch(url, reader=reader)
    except FetchRefused as refusal:
        log.info("could not resolve the post %s", refusal)
        return False, None
    async with database.session() as session:
        return True, await session.scalar(select(Status.id).where(Status.id == status.id, visible_to(viewer.actor_id)))


@routes.get("/api/v2/search")
async def search(request: web.Request) -> web.Response:
    params = await Params.of(request)
    viewer = await optional_account(request, "read:search")
    q = params.text("q", "", max_length=500) or ""
    kind = params.text("type")
    if kind is not None and kind not in TYPES:
        raise ApiError(422, f"type must be one of {', '.join(TYPES)}")
    limit = min(params.integer("limit", 20, minimum=1) or 20, 40)
    offset = params.integer("offset", 0, minimum=0) or 0
    if offset and viewer is None:
        raise ApiError(401, "Search queries with offset require an authenticated user")
    wanted = TYPES if kind is None else (kind,)
    result: dict[str, list[object]] = {name: [] for name in TYPES}
    following_of = viewer.actor_id if viewer and params.boolean("following") else None
    resolved = resolved_post = None
    a_post = False
    reference = q.strip()
    is_url = reference.startswith(("https://", "http://"))
    if params.boolean("resolve") and viewer is not None and not offset:
        if "statuses" in wanted and is_url:
            a_post, resolved_post = await resolve_status(request, reference, viewer)
        if "accounts" in wanted and not a_post and (is_url or is_remote_handle(request, reference)):
            resolved = await resolve_account(request, reference)
    async with request.app[DATABASE].session() as session:
        if "accounts" in wanted:
            ids = await search_accounts(
                session,
                q,
                limit=limit,
                offset=offset,
                following_of=following_of,
                local_domain=request.app[CONFIG].domain,
                viewer_id=viewer.actor_id if viewer is not None else None,
            )
            found = list(ids)
            if resolved is not None:
                found = [resolved, *(i for i in found if i != resolved)][:limit]
            result["accounts"] = list(await accounts_json(request, session, found))
        if "statuses" in wanted and viewer is not None:  # post search needs a signed-in searcher, as in Mastodon
            posts: Sequence[Status]
            if resolved_post is not None:  # the post a URL names, alone (as in Mastodon)
                posts = (await session.scalars(select(Status).where(Status.id == resolved_post))).all()
            else:
                posts = await search_statuses(
                    session, q, viewer.actor_id, limit=limit, offset=offset, author_id=params.id("account_id")
                )
            result["statuses"] = list(await statuses_json(request, session, posts, viewer.actor_id))
        if "hashtags" in wanted:
            tags = await search_tags(session, q, limit=limit, offset=offset)
            flags = await tag_flags(session, viewer.actor_id, [t.id for t in tags]) if viewer is not None else None
            result["hashtags"] = [render_tag(t, request.app[URIS], flags) for t in tags]
    return web.json_response(result)
