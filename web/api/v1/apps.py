"""`/api/v1/apps`: register an OAuth application, and let an app check its own token.

Registration is open, as on Mastodon: every app registers itself per server. Redirect
URIs may be web URLs, custom schemes of native apps (`com.tapbots.Ivory.1:/request_token`,
`mastodon-android-auth://callback`) or `urn:ietf:wg:oauth:2.0:oob`, sent as one
whitespace-separated string or as an array; schemes that run code (`javascript:`,
`data:`…) are refused.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from essaim.actors.models import OAuthApplication
from essaim.actors.oauth import OOB, redirect_uris, register_application
from essaim.web.api.auth import current_token
from essaim.web.api.params import Params
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE
from essaim.web.oauth.scopes import DEFAULT, scope_list, unknown_scopes

routes = web.RouteTableDef()

MAX_NAME = 255
MAX_URI = 2048
MAX_REDIRECT_URIS = 20
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def render_application(application: OAuthApplication, client_secret: str | None = None) -> dict[str, Any]:
    """The Application entity; with the secret, the CredentialApplication returned once at registration."""
    uris = redirect_uris(application)
    rendered: dict[str, Any] = {
        "id": str(application.id),
        "name": application.name,
        "website": application.website,
        "scopes": application.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": "",
    }
    if client_secret is not None:
        rendered |= {"client_id": application.client_id, "client_secret": client_secret, "client_secret_expires_at": 0}
    return rendered


def valid_redirect_uri(uri: str) -> bool:
    """An absolute URI without fragment whose scheme cannot run code in a browser; http(s) needs a host."""
    if uri == OOB:
        return True
    if len(uri) > MAX_URI or _CONTROL.search(uri) or "#" in uri:
        return False
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:  # e.g. a broken IPv6 literal
        return False
    if not parts.scheme or parts.scheme.lower() in FORBIDDEN_SCHEMES:
        return False
    return bool(host) if parts.scheme.lower() in ("http", "https") else True  # `icecubesapp://` is fine


def _redirect_uris(params: Params) -> list[str]:
    values = params.many("redirect_uris")
    if any(not isinstance(value, str) for value in values):
        raise ApiError(422, "redirect_uris must be text")
    uris = list(dict.fromkeys(uri for value in values for uri in value.split()))
    if not uris:
        raise ApiError(422, "Validation failed: Redirect URI can't be blank")
    if len(uris) > MAX_REDIRECT_URIS:
        raise ApiError(422, f"Validation failed: at most {MAX_REDIRECT_URIS} redirect URIs")
    for uri in uris:
        if not valid_redirect_uri(uri):
            raise ApiError(422, f"Validation failed: Redirect URI must be an absolute URI ({uri[:100]!r} is not)")
    return uris


def _scopes(params: Params) -> str:
    values = params.many("scopes")
    if any(not isinstance(value, str) for value in values):
        raise ApiError(422, "scopes must be text")
    scopes = scope_list(" ".join(values)) or [DEFAULT]
    unknown = unknown_scopes(scopes)
    if unknown:
        raise ApiError(422, f"Validation failed: Scopes: unknown scope {unknown[0]!r}")
    return " ".join(scopes)


def _website(params: Params) -> str | None:
    website = (params.text("website") or "").strip()
    if not website:
        return None
    try:
        parts = urlsplit(website)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or len(website) > MAX_URI or _CONTROL.search(website):
        raise ApiError(422, "Validation failed: Website is not a valid http(s) URL")
    return website


@routes.post("/api/v1/apps")
async def create_app(request: web.Request) -> web.Response:
    params = await Params.of(request)
    name = (params.text("client_name", max_length=MAX_NAME) or "").strip()
    if not name:
        raise ApiError(422, "Validation failed: Application name can't be blank")
    uris, scopes, website = _redirect_uris(params), _scopes(params), _website(params)
    async with request.app[DATABASE].transaction() as session:
        registered = await register_application(session, name=name, redirect_uris=uris, scopes=scopes, website=website)
    return web.json_response(render_application(registered.row, registered.client_secret))


@routes.get("/api/v1/apps/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    """Any valid token of the app, user or app-only, whatever its scopes (Mastodon 4.3)."""
    token = await current_token(request)
    if token is None:
        raise ApiError(401, "The access token is invalid")
    async with request.app[DATABASE].session() as session:
        application = await session.get(OAuthApplication, token.application_id)
    if application is None:
        raise ApiError(401, "The access token is invalid")
    return web.json_response(render_application(application))
