"""Discovery: WebFinger, host-meta and NodeInfo."""

from __future__ import annotations

from aiohttp import web

from essaim.actors import node, queries
from essaim.federation import nodeinfo, webfinger
from essaim.federation.vocab import JRD_JSON, XRD_XML
from essaim.web.ap.authorized import local_actor_for
from essaim.web.ap.responses import CORS, json_document
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()


@routes.get("/.well-known/webfinger")
async def webfinger_lookup(request: web.Request) -> web.Response:
    config, uris = request.app[CONFIG], request.app[URIS]
    try:
        query = webfinger.parse_resource(request.query.get("resource"), domain=config.domain, base_url=config.base_url)
    except webfinger.BadResource as exc:
        raise ApiError(400, str(exc)) from None
    if query is None:
        raise ApiError(404, "No such resource on this node")
    async with request.app[DATABASE].session() as session:
        if query.instance:
            actor = await node.instance_actor(session)
            return json_document(
                webfinger.render_instance_jrd(domain=config.domain, actor_uri=actor.uri, base_url=config.base_url),
                JRD_JSON,
            )
    person = await local_actor_for(request, actor_id=query.actor_id, handle=query.handle)
    if person is None:
        raise ApiError(404, "No such resource on this node")
    document = webfinger.render_jrd(
        username=person.username,
        domain=config.domain,
        actor_uri=person.uri,
        profile_url=person.url,
        avatar_url=person.avatar_url or uris.default_avatar,
        base_url=config.base_url,
    )
    return json_document(document, JRD_JSON)


@routes.get("/.well-known/host-meta")
async def host_meta(request: web.Request) -> web.Response:
    return web.Response(
        text=webfinger.render_host_meta(request.app[CONFIG].base_url), headers=CORS | {"Content-Type": XRD_XML}
    )


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_links(request: web.Request) -> web.Response:
    uris = request.app[URIS]
    return web.json_response(nodeinfo.render_links(uris.base_url, uris.instance_actor), headers=CORS)


@routes.get(r"/nodeinfo/{version:2\.[01]}")
async def nodeinfo_document(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    config = request.app[CONFIG]
    async with request.app[DATABASE].session() as session:
        usage = await queries.usage(session)
        staff = await queries.staff_actor_uris(session)
    document = nodeinfo.render_nodeinfo(
        version,
        node_name=config.node.name,
        node_description=config.node.description,
        open_registrations=config.accounts.registrations == "open",
        users=usage.users,
        active_month=usage.active_month,
        active_halfyear=usage.active_halfyear,
        local_posts=usage.local_posts,
        staff_accounts=list(staff),
    )
    return json_document(document, nodeinfo.content_type(version))
