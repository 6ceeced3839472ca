"""What an OAuth client can learn: the server metadata (RFC 8414) and who a token acts for (OpenID userinfo).

Mastodon.py reads the metadata to find the endpoints and the supported grants; the
`issuer` (with its trailing slash, as on Mastodon) is also the `iss` of userinfo.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate
from essaim.web.keys import CONFIG, URIS
from essaim.web.oauth import scopes as scope_rules
from essaim.web.oauth.tokens import GRANTS


def issuer(request: web.Request) -> str:
    return f"{request.app[CONFIG].base_url}/"


async def server_metadata(request: web.Request) -> web.Response:
    base = request.app[CONFIG].base_url
    return web.json_response(
        {
            "issuer": issuer(request),
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "scopes_supported": scope_rules.supported(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": list(GRANTS),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


async def userinfo(request: web.Request) -> web.Response:
    """OpenID claims of the token's person; `sub` is the actor URI, unique across the fediverse."""
    token = await authenticate(request, "profile")
    actor, uris = token.user.actor, request.app[URIS]
    return web.json_response(
        {
            "iss": issuer(request),
            "sub": actor.uri,
            "name": actor.display_name or actor.username,
            "preferred_username": actor.username,
            "profile": actor.url or uris.profile_page(actor.username),
            "picture": actor.avatar_url or uris.default_avatar,
        },
        headers={"Cache-Control": "no-store"},
    )
