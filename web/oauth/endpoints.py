"""Every OAuth URL in one table: `/oauth/*` and `/.well-known/oauth-authorization-server`.

Handlers live beside it: `authorize` (the consent pages), `tokens` (token and
revocation), `discovery` (server metadata and userinfo). `/oauth/authorize/` with a
trailing slash is served too: toot asks for it.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.oauth import authorize, discovery, tokens

routes = web.RouteTableDef()

for path in ("/oauth/authorize", "/oauth/authorize/"):
    routes.get(path)(authorize.authorize_form)
    routes.post(path)(authorize.authorize_decision)
routes.post("/oauth/token")(tokens.token)
routes.post("/oauth/revoke")(tokens.revoke)
routes.get("/oauth/userinfo")(discovery.userinfo)
routes.post("/oauth/userinfo")(discovery.userinfo)  # OpenID Connect allows both
routes.get("/.well-known/oauth-authorization-server")(discovery.server_metadata)
