"""Browser sign-in and CSRF protection for the node's own pages.

The session cookie carries a random token; the database keeps only its SHA-256,
so a leaked database cannot be replayed as cookies and signing out really ends
the session. Forms carry a CSRF token: an HMAC, under the node's secret, of a
random value held in its own cookie (the signed double-submit pattern), checked
together with the Origin header on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from essaim.actors.models import Account, WebSession
from essaim.actors.models.base import utcnow
from essaim.web.keys import ACCOUNT, CONFIG, DATABASE, SECRET

SESSION_COOKIE = "essaim_session"
CSRF_COOKIE = "essaim_csrf"
SESSION_LIFETIME = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cookie_options(request: web.Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "Lax", "secure": request.app[CONFIG].secure_cookies, "path": "/"}


async def current_account(request: web.Request) -> Account | None:
    """The signed-in, enabled account of this browser, looked up once per request."""
    if ACCOUNT in request:
        return request[ACCOUNT]
    account = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with request.app[DATABASE].session() as session:
            query = (
                select(Account)
                .join(WebSession, WebSession.account_id == Account.id)
                .where(WebSession.token_hash == _digest(token), WebSession.expires_at > utcnow())
                .options(selectinload(Account.actor))
            )
            account = await session.scalar(query)
        if account is not None and account.is_disabled:
            account = None
    request[ACCOUNT] = account
    return account


async def start_session(request: web.Request, response: web.StreamResponse, account: Account) -> None:
    token = secrets.token_urlsafe(32)
    async with request.app[DATABASE].transaction() as session:
        session.add(
            WebSession(
                account_id=account.id,
                token_hash=_digest(token),
                expires_at=utcnow() + SESSION_LIFETIME,
                user_agent=request.headers.get("User-Agent", "")[:255],
            )
        )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        **_cookie_options(request),  # type: ignore[arg-type]
    )


async def end_session(request: web.Request, response: web.StreamResponse) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with request.app[DATABASE].transaction() as session:
            await session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
    response.del_cookie(SESSION_COOKIE, path="/")


def _csrf_for(request: web.Request, seed: str) -> str:
    return hmac.new(request.app[SECRET], seed.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: web.Request) -> str:
    """The token to embed in a form; `csrf_cookie_middleware` sends its seed if the browser has none."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed:
        seed = request.get("csrf_seed") or secrets.token_urlsafe(24)
        request["csrf_seed"] = seed
    return _csrf_for(request, seed)


@web.middleware
async def csrf_cookie_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Send the CSRF seed chosen while a form was rendered, if this browser had none."""
    response = await handler(request)
    seed = request.get("csrf_seed")
    if seed and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, seed, **_cookie_options(request))  # type: ignore[arg-type]
    return response


def check_csrf(request: web.Request, submitted: str | None) -> None:
    """Refuse a form POST that did not come from one of our own pages (403)."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.rstrip("/") != request.app[CONFIG].base_url:
        raise web.HTTPForbidden(reason="This form was sent from another site.")
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not submitted or not hmac.compare_digest(_csrf_for(request, seed), submitted):
        raise web.HTTPForbidden(reason="This form has expired. Reload the page and try again.")
