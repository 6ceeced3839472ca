"""People's public pages: the front page with the people directory, profiles, and the remote-follow page."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import queries
from essaim.actors.models import Actor, Status
from essaim.federation.webfinger import BadResource, parse_resource
from essaim.web.keys import CONFIG, DATABASE, URIS
from essaim.web.negotiation import Representation, negotiate

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
    response = aiohttp_jinja2.render_template(
        "profile.html",
        request,
        {
            "person": actor,
            "handle": _handle(request, actor),
            "avatar": actor.avatar_url or request.app[URIS].default_avatar,
            "posts": posts,
            "counts": counts,
        },
    )
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{actor.uri}>; rel="alternate"; type="application/activity+json"'
    return response


async def status_page(request: web.Request, actor: Actor, status: Status) -> web.Response:
    """One post on its own page; also what a browser gets at the post's ActivityPub id."""
    text = re.sub(r"<[^>]+>", " ", status.content).split()
    excerpt = " ".join(text)[:60]
    context = {"person": actor, "post": status, "handle": _handle(request, actor), "excerpt": excerpt}
    response = aiohttp_jinja2.render_template("status.html", request, context)
    response.headers["Vary"] = "Accept"
    return response


def _handle(request: web.Request, actor: Actor) -> str:
    return f"@{actor.username}@{request.app[CONFIG].domain}"


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}/{status_id:[0-9]{1,19}}")
async def status_by_handle(request: web.Request) -> web.StreamResponse:
    async with request.app[DATABASE].session() as session:
        actor = await queries.local_person_by_handle(session, request.match_info["username"])
        status = await queries.public_status(session, actor.id, int(request.match_info["status_id"])) if actor else None
    if actor is None or status is None:
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
