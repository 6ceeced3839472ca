"""`/api/v2/instance`: the current instance document (Mastodon 4.0+), built from the same facts as v1."""

from __future__ import annotations

from aiohttp import web

from essaim.federation.nodeinfo import REPOSITORY
from essaim.federation.webpush import vapid_public_key
from essaim.web.api.v1.instance import VERSION, configuration, node_facts
from essaim.web.keys import CONFIG, URIS, VAPID_KEY

routes = web.RouteTableDef()
API_VERSION = 2  # Mastodon 4.3's `api_versions.mastodon`


@routes.get("/api/v2/instance")
@routes.get("/api/v2/instance/")  # Mastodon.py asks with the trailing slash
async def instance(request: web.Request) -> web.Response:
    config, uris = request.app[CONFIG], request.app[URIS]
    facts = await node_facts(request)
    open_registrations = config.accounts.registrations == "open"
    return web.json_response(
        {
            "domain": config.domain,
            "title": config.node.name,
            "version": VERSION,
            "source_url": REPOSITORY,
            "description": config.node.description,
            "usage": {"users": {"active_month": facts.usage.active_month}},
            "thumbnail": {"url": uris.default_header, "blurhash": None, "versions": {}},
            "icon": [],
            "languages": facts.languages,
            "configuration": configuration()
            | {
                "urls": {"streaming": uris.streaming},
                "vapid": {"public_key": vapid_public_key(request.app[VAPID_KEY])},
                "translation": {"enabled": False},
                "limited_federation": config.federation.mode == "allowlist",
            },
            "registrations": {
                "enabled": open_registrations,
                "approval_required": False,
                "reason_required": False,
                "message": None,
                "min_age": None,
                "url": None,
            },
            "api_versions": {"mastodon": API_VERSION},
            "contact": {"email": "", "account": facts.contact},
            "rules": [],
        }
    )
