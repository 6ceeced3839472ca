"""People's public pages: the front page with the people directory, profiles, posts, and the remote-follow page.

Pages show what anyone may read (public and unlisted posts), except that a signed-in author
also gets their own posts of any visibility, with the delivery panel.
"""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import queries
from essaim.actors.models import Actor, ActorType, Status
from essaim.actors.remote import actor_by_uri
from essaim.actors.visibility import visible_status
from essaim.federation.webfinger import BadResource, parse_resource
from essaim.outbox.ledger import post_ledger
from essaim.web.keys import CONFIG, DATABASE, URIS
from essaim.web.negotiation import Representation, negotiate
from essaim.web.pages.communities import community_path
from essaim.web.sessions import current_account

routes = web.RouteTableDef()


async def profile_page(request: web.Request, actor: Actor) -> web.Response:
    """The HTML profile; also what a browser gets at the actor's ActivityPub id."""
    async with request.app[DATABASE].session() as session:
        posts = await queries.public_posts(session, actor.id, limit=20)
        counts = {
            "posts": await queries.count_public_posts(session, actor.id),
            "followers": await queries.count_followers(session, actor.id),
            "following": await queries.count_following(session, actor.id),
        }
        moved_to = await actor_by_uri(session, actor.moved_to_uri) if actor.moved_to_uri else None
    response = aiohttp_jinja2.render_template(
        "profile.html",
        request,
        {
            "person": actor,
            "handle": _handle(request, actor),
            "avatar": actor.avatar_url or request.app[URIS].default_avatar,
            "posts": posts,
            "counts": counts,
            "moved_to": moved_to,
            "moved_to_handle": moved_to and _handle(request, moved_to),
        },
    )
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{actor.uri}>; rel="alternate"; type="application/activity+json"'
    return response


async def status_page(request: web.Request, actor: Actor, status: Status) -> web.Response:
    """One post on its own page; also what a browser gets at the post's ActivityPub id.

    Its author, signed in, also sees where the post stands on each server it was sent to.
    """
    text = re.sub(r"<[^>]+>", " ", status.content).split()
    excerpt = " ".join(text)[:60]
    context = {"person": actor, "post": status, "handle": _handle(request, actor), "excerpt": excerpt}
    if await _is_author(request, actor):
        async with request.app[DATABASE].session() as session:
            context["deliveries"] = await post_ledger(session, status)
    response = aiohttp_jinja2.render_template("status.html", request, context)
    response.headers["Vary"] = "Accept, Cookie"
    if "deliveries" in context:
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def _is_author(request: web.Request, actor: Actor) -> bool:
    viewer = await current_account(request)
    return viewer is not None and viewer.actor_id == actor.id


def _handle(request: web.Request, actor: Actor) -> str:
    return f"@{actor.username}@{actor.domain or request.app[CONFIG].domain}"


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}/{status_id:[0-9]{1,19}}")
async def status_by_handle(request: web.Request) -> web.StreamResponse:
    status_id = int(request.match_info["status_id"])
    async with request.app[DATABASE].session() as session:
        actor = await queries.local_person_by_handle(session, request.match_info["username"])
        status = await queries.public_status(session, actor.id, status_id) if actor else None
        if actor is not None and status is None and await _is_author(request, actor):  # their own non-public post
            status = await visible_status(session, status_id, actor.id)
    if actor is None or status is None or status.actor_id != actor.id or status.reblog_of_id is not None:
        raise web.HTTPNotFound(reason="There is no such post, or it is not public.")
    if _wants_json(request):
        raise web.HTTPFound(status.uri)
    return await status_page(request, actor, status)


def _wants_json(request: web.Request) -> bool:
    """A program asking for the ActivityPub document at a page's address (it is sent to the id)."""
    return negotiate(request) is not Representation.HTML and "json" in request.headers.get("Accept", "")


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}")
async def profile_by_handle(request: web.Request) -> web.StreamResponse:
    async with request.app[DATABASE].session() as session:
        actor = await queries.local_person_by_handle(session, request.match_info["username"])
        if actor is None:  # a community's handle leads to its page (a secret one only for those inside)
            viewer = await current_account(request)
            group = await queries.local_actor_named(
                session,
                actor_id=None,
                handle=request.match_info["username"],
                viewer_id=viewer.actor_id if viewer else None,
            )
            if group is not None and group.type == ActorType.GROUP.value:
                raise web.HTTPFound(group.uri if _wants_json(request) else community_path(group))
    if actor is None:
        raise web.HTTPNotFound(reason="No one here has this username.")
    if _wants_json(request):
        raise web.HTTPFound(actor.uri)
    return await profile_page(request, actor)


@routes.get("/")
@aiohttp_jinja2.template("home.html")
async def home(request: web.Request) -> dict[str, object]:
    async with request.app[DATABASE].session() as session:
        people = await queries.local_people(session)
    return {"people": people}


@routes.get("/about")
@aiohttp_jinja2.template("about.html")
async def about(request: web.Request) -> dict[str, object]:
    config = request.app[CONFIG]
    async with request.app[DATABASE].session() as session:
        usage = await queries.usage(session)
    return {"description": config.node.description, "usage": usage}


@routes.get("/authorize_interaction")
async def authorize_interaction(request: web.Request) -> web.StreamResponse:
    """Target of WebFinger's subscribe template: an account of this node goes to its profile."""
    config = request.app[CONFIG]
    try:
        query = parse_resource(request.query.get("uri"), domain=config.domain, base_url=config.base_url)
    except BadResource:
        query = None
    actor = None
    if query is not None and not query.instance:
        async with request.app[DATABASE].session() as session:
            actor = await queries.local_person_named(session, actor_id=query.actor_id, handle=query.handle)
    if actor is None:
        raise web.HTTPNotFound(reason="This node cannot show that account: search for it in your app instead.")
    raise web.HTTPFound(actor.url or actor.uri)
