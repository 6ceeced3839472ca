"""`/oauth/authorize`: the page where a signed-in person lets an app act for them.

Order of checks (RFC 6749 §4.1.2.1): an unknown `client_id` or a `redirect_uri` the app
did not register gets an error page and never a redirect, so the server cannot be used
to send people to arbitrary sites; once the redirect URI is trusted, other errors go
back to the app (`?error=…&state=…`), or are shown for `urn:ietf:wg:oauth:2.0:oob`.
People who are not signed in — or whose app asked for `force_login` — sign in first
and come back here. The decision is a CSRF-protected POST; consent and code pages
cannot be framed and are never cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import oauth
from essaim.actors.models import Account, OAuthApplication
from essaim.web.keys import DATABASE
from essaim.web.oauth import scopes as scope_rules
from essaim.web.sessions import check_csrf, current_account, end_session

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
MAX_STATE = 2048
_TRUE = ("1", "true", "on", "yes")


class _PageError(Exception):
    """Nothing can be sent back to the app: show the person a page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _AppError(Exception):
    """An error for the app, delivered to its (registered) redirect URI."""

    def __init__(self, auth: AuthorizationRequest, error: str, description: str) -> None:
        super().__init__(description)
        self.auth, self.error, self.description = auth, error, description


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request: the app, where to answer, and what it may get."""

    application: OAuthApplication
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None

    def fields(self) -> list[tuple[str, str]]:
        """The request as query or form fields, to carry it through the sign-in and consent pages."""
        values = {
            "response_type": "code",
            "client_id": self.application.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": oauth.PKCE_METHOD if self.code_challenge else None,
        }
        return [(name, value) for name, value in values.items() if value is not None]

    def url(self, **extra: str) -> str:
        return f"/oauth/authorize?{urlencode([*self.fields(), *extra.items()])}"


def _text(values: Mapping[str, Any], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) and value != "" else None


async def _checked(request: web.Request, values: Mapping[str, Any]) -> AuthorizationRequest:
    client_id = _text(values, "client_id")
    application = None
    if client_id:
        async with request.app[DATABASE].session() as session:
            application = await oauth.application_by_client_id(session, client_id)
    if application is None:
        raise _PageError("This application is not registered here (unknown client_id).")
    registered = oauth.redirect_uris(application)
    redirect_uri = _text(values, "redirect_uri")
    if redirect_uri is None and len(registered) == 1:
        redirect_uri = registered[0]  # RFC 6749 §3.1.2.3: optional when only one is registered
    if redirect_uri is None or redirect_uri not in registered:
        raise _PageError("The redirect_uri is not one this application registered; nothing was sent to it.")
    state = _text(values, "state")
    too_long = state is not None and len(state) > MAX_STATE
    base = AuthorizationRequest(application, redirect_uri, [], None if too_long else state, None)

    def refuse(error: str, description: str) -> _AppError:
        return _AppError(base, error, description)

    if too_long:
        raise refuse("invalid_request", f"state is longer than {MAX_STATE} characters.")
    if _text(values, "response_type") != "code":
        raise refuse("unsupported_response_type", "Only response_type=code is supported.")
    requested = scope_rules.scope_list(_text(values, "scope")) or scope_rules.default_for(application.scopes)
    if scope_rules.unknown_scopes(requested):
        raise refuse("invalid_scope", f"Unknown scope {scope_rules.unknown_scopes(requested)[0]!r}.")
    if not scope_rules.allowed(application.scopes, requested):
        raise refuse("invalid_scope", "The requested scope is wider than the scopes the application registered.")
    challenge, method = _text(values, "code_challenge"), _text(values, "code_challenge_method")
    if challenge is None and method is not None:
        raise refuse("invalid_request", "code_challenge_method without code_challenge.")
    if challenge is not None:
        if method != oauth.PKCE_METHOD:
            raise refuse("invalid_request", "code_challenge_method must be S256 (plain is not supported).")
        if not oauth.PKCE_RE.match(challenge):
            raise refuse("invalid_request", "code_challenge is not a valid S256 challenge.")
    return replace(base, scopes=requested, code_challenge=challenge)


def _page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context)
    response.set_status(status)
    response.headers.update(PAGE_HEADERS)
    return response


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    return _page(request, "error.html", {"status": status, "message": message}, status)


def _answer(
    request: web.Request, redirect_uri: str, state: str | None, application: str, answer: dict[str, str]
) -> web.Response:
    """Send the code (or the error) to the app: a redirect, or a page to copy it from for out-of-band apps."""
    if redirect_uri == oauth.OOB:
        return _page(request, "oauth/code.html", {"application_name": application} | answer)
    # %20 rather than + for spaces (not every app decodes +); the URI is kept byte for byte: no
    # normalising, which would lower-case `com.tapbots.Ivory.1:` or add a slash to `app://callback`.
    query = urlencode(answer | ({"state": state} if state is not None else {}), quote_via=quote)
    location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"
    return web.Response(status=302, headers=PAGE_HEADERS | {"Location": location})


async def _checked_or_answer(request: web.Request, values: Mapping[str, Any]) -> AuthorizationRequest | web.Response:
    """The checked request, or the answer to a bad one: an error page, or an error sent back to the app."""
    try:
        return await _checked(request, values)
    except _PageError as exc:
        return _error_page(request, 400, exc.message)
    except _AppError as exc:
        answer = {"error": exc.error, "error_description": exc.description}
        return _answer(request, exc.auth.redirect_uri, exc.auth.state, exc.auth.application.name, answer)


def _sign_in_redirect(auth: AuthorizationRequest) -> web.HTTPFound:
    return web.HTTPFound(f"/auth/sign_in?{urlencode({'next': auth.url()})}")


def _site(uri: str) -> str:
    """Where the answer goes, as a person can judge it: a web host, an app's scheme, or this page."""
    if uri == oauth.OOB:
        return "The code will be shown on this page for you to copy into the application."
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"You will then be sent to {parts.hostname}."
    return f"You will then go back to the application ({parts.scheme}:)."


def _consent(request: web.Request, auth: AuthorizationRequest, account: Account) -> web.Response:
    website = auth.application.website
    context = {
        "application": auth.application,
        "website": website if website and website.startswith(("https://", "http://")) else None,
        "website_host": urlsplit(website).hostname if website else None,
        "user": account,
        "permissions": scope_rules.describe(auth.scopes),
        "fields": auth.fields(),
        "switch_url": auth.url(force_login="true"),
        "destination": _site(auth.redirect_uri),
    }
    return _page(request, "oauth/authorize.html", context)


async def authorize_form(request: web.Request) -> web.Response:
    """GET: check the request, make sure the right person is signed in, ask for consent."""
    auth = await _checked_or_answer(request, request.query)
    if isinstance(auth, web.Response):
        return auth
    account = await current_account(request)
    if (request.query.get("force_login") or "").lower() in _TRUE:
        response = _sign_in_redirect(auth)  # `next` drops force_login, or sign-in would loop
        if account is not None:
            await end_session(request, response)  # as Mastodon: sign out, so another person can sign in
        raise response
    if account is None:
        raise _sign_in_redirect(auth)
    return _consent(request, auth, account)


async def authorize_decision(request: web.Request) -> web.Response:
    """POST from the consent page: Authorize makes a code for the signed-in person, Deny says so to the app."""
    form = await request.post()
    try:
        check_csrf(request, _text(form, "csrf_token"))
    except web.HTTPForbidden as exc:
        return _error_page(request, 403, exc.reason)
    auth = await _checked_or_answer(request, form)
    if isinstance(auth, web.Response):
        return auth
    account = await current_account(request)
    if account is None:  # the session ended meanwhile: sign in again, then see the same question
        raise _sign_in_redirect(auth)
    name = auth.application.name
    if _text(form, "decision") != "authorize":
        denied = {"error": "access_denied", "error_description": "The person denied the authorization request."}
        return _answer(request, auth.redirect_uri, auth.state, name, denied)
    async with request.app[DATABASE].transaction() as session:
        code = await oauth.create_code(
            session,
            application_id=auth.application.id,
            account_id=account.id,
            redirect_uri=auth.redirect_uri,
            scopes=" ".join(auth.scopes),
            code_challenge=auth.code_challenge,
        )
    return _answer(request, auth.redirect_uri, auth.state, name, {"code": code})
