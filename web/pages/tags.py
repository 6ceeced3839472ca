"""`/tags/{name}`: the public posts of a hashtag, where posts' hashtag links lead."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import queries
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
PAGE_SIZE = 40


@routes.get(r"/tags/{name:[^/]{1,100}}")
@aiohttp_jinja2.template("tag.html")
async def tag(request: web.Request) -> dict[str, object]:
    name = request.match_info["name"].lstrip("#").lower()
    async with request.app[DATABASE].session() as session:
        posts = await queries.public_tagged_posts(session, name, PAGE_SIZE)
    return {"tag": name, "posts": posts}
