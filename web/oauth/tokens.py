"""`/oauth/token` and `/oauth/revoke`: the machine side of OAuth, answering in RFC 6749 JSON.

Parameters arrive as a form, JSON (Elk, masto.js) or a query string; clients
authenticate with `client_id`/`client_secret` parameters or HTTP Basic. Grants:
`authorization_code` (with PKCE when the authorization request used it),
`client_credentials` (a token for the app itself) and `refresh_token` (rotating).
The password grant is refused: Mastodon removed it in 4.4.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import oauth
from essaim.actors.models import OAuthApplication
from essaim.actors.oauth import GrantError, IssuedToken
from essaim.web.api.params import Params
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE
from essaim.web.oauth import scopes as scope_rules

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
ERROR_STATUS = {"invalid_client": 401, "unauthorized_client": 403}  # every other error is a 400

Grant = Callable[[AsyncSession, OAuthApplication, Params], Awaitable[IssuedToken]]


def oauth_error(error: str, description: str) -> web.Response:
    status = ERROR_STATUS.get(error, 400)
    headers = NO_STORE | ({"WWW-Authenticate": 'Basic realm="oauth"'} if status == 401 else {})
    return web.json_response({"error": error, "error_description": description}, status=status, headers=headers)


def _text(params: Params, name: str) -> str | None:
    try:
        return params.text(name)
    except ApiError as exc:  # e.g. a file where text belongs
        raise GrantError("invalid_request", exc.message) from None


def _required(params: Params, name: str) -> str:
    value = _text(params, name)
    if not value:
        raise GrantError("invalid_request", f"{name} is required.")
    return value


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    """`Authorization: Basic` client credentials (RFC 6749 §2.3.1: each part form-encoded)."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise GrantError("invalid_client", "Malformed HTTP Basic credentials.") from None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise GrantError("invalid_client", "Malformed HTTP Basic credentials.")
    return unquote_plus(client_id), unquote_plus(secret)


async def _client_request(request: web.Request) -> tuple[Params, str | None, str | None]:
    """The parameters and the client credentials, wherever the client put them."""
    try:
        params = await Params.of(request)
    except ApiError as exc:  # a body that is not JSON, a broken form
        raise GrantError("invalid_request", exc.message) from None
    basic = _basic_credentials(request)
    client_id, secret = basic if basic else (_text(params, "client_id"), _text(params, "client_secret"))
    return params, client_id, secret


async def _authorization_code(session: AsyncSession, application: OAuthApplication, params: Params) -> IssuedToken:
    # `scope` is ignored here, as on Mastodon: the code carries the scopes the person granted.
    return await oauth.exchange_code(
        session,
        application,
        code=_required(params, "code"),
        redirect_uri=_required(params, "redirect_uri"),
        code_verifier=_text(params, "code_verifier"),
    )


async def _client_credentials(session: AsyncSession, application: OAuthApplication, params: Params) -> IssuedToken:
    requested = scope_rules.scope_list(_text(params, "scope")) or [scope_rules.DEFAULT]
    if scope_rules.unknown_scopes(requested) or not scope_rules.allowed(application.scopes, requested):
        raise GrantError("invalid_scope", "The requested scope is unknown or wider than the application's scopes.")
    return await oauth.issue_token(session, application_id=application.id, account_id=None, scopes=" ".join(requested))


async def _refresh_token(session: AsyncSession, application: OAuthApplication, params: Params) -> IssuedToken:
    requested = scope_rules.scope_list(_text(params, "scope")) or None
    return await oauth.refresh(session, application, refresh_token=_required(params, "refresh_token"), scopes=requested)


GRANTS: dict[str, Grant] = {
    "authorization_code": _authorization_code,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
}


def _token_json(issued: IssuedToken) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.row.scopes,
        "created_at": int(issued.row.created_at.timestamp()),
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return body


async def token(request: web.Request) -> web.Response:
    try:
        params, client_id, secret = await _client_request(request)
        grant_type = _required(params, "grant_type")
        if grant_type == "password":
            raise GrantError(
                "unsupported_grant_type",
                "The password grant is not supported (Mastodon removed it in 4.4): use the authorization code flow.",
            )
        grant = GRANTS.get(grant_type)
        if grant is None:
            raise GrantError("unsupported_grant_type", f"Unsupported grant_type {grant_type[:50]!r}.")
        async with request.app[DATABASE].transaction() as session:
            application = await oauth.authenticate_client(session, client_id, secret)
            issued = await grant(session, application, params)
            body = _token_json(issued)
    except GrantError as exc:
        return oauth_error(exc.error, exc.description)
    return web.json_response(body, headers=NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    """Idempotent: revoking an unknown or already revoked token answers 200 `{}` too (RFC 7009 §2.2)."""
    try:
        params, client_id, secret = await _client_request(request)
        token_value = _required(params, "token")
        async with request.app[DATABASE].transaction() as session:
            application = await oauth.authenticate_client(session, client_id, secret)
            await oauth.revoke(session, application, token_value)
    except GrantError as exc:
        return oauth_error(exc.error, exc.description)
    return web.json_response({}, headers=NO_STORE)
