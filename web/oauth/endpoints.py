"""OAuth 2 endpoints under /oauth and /.well-known/oauth-authorization-server."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
