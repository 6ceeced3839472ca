"""Who is calling the API: bearer tokens and the OAuth scopes each endpoint requires.

Scopes follow Mastodon (docs `api/oauth-scopes.md`): `read` and `write` include every
`read:*` / `write:*` scope, the legacy `follow` includes the follow, block and mute ones,
and `profile` only allows `verify_credentials`. The admin scopes stand apart: `read` and
`write` never include them, `admin:read` and `admin:write` include their own `admin:read:*` /
`admin:write:*`, and an admin endpoint also wants the account's role (`authenticate_staff`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors.models import Account, OAuthToken
from essaim.actors.models.account import STAFF_ROLES
from essaim.actors.oauth import digest
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

TOP_SCOPES = ("read", "write", "follow", "push", "profile")
READ = (
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
)
WRITE = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
)
FOLLOW = ("read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes")
ADMIN = (
    "accounts",
    "canonical_email_blocks",
    "domain_allows",
    "domain_blocks",
    "email_domain_blocks",
    "ip_blocks",
    "reports",
)
ADMIN_SCOPES = (
    "admin:read",
    "admin:write",
    *(f"admin:read:{s}" for s in ADMIN),
    *(f"admin:write:{s}" for s in ADMIN),
)
KNOWN_SCOPES = frozenset((*TOP_SCOPES, *(f"read:{s}" for s in READ), *(f"write:{s}" for s in WRITE), *ADMIN_SCOPES))
STAFF = STAFF_ROLES  # roles that may moderate (reports, deliveries); domain blocks are for admins alone

_TOKEN_KEY = web.RequestKey[object]("api_token")


def parse_scopes(text: str | None, default: str = "read") -> frozenset[str]:
    """Scopes from a space- (or `+`-) separated string; unknown ones are refused."""
    scopes = frozenset((text or default).replace("+", " ").split())
    unknown = scopes - KNOWN_SCOPES
    if unknown:
        raise ApiError(422, f"Unknown scope {sorted(unknown)[0]!r}")
    return scopes


def grants(granted: frozenset[str], required: str) -> bool:
    if required in granted:
        return True
    if required.startswith("admin:"):
        return required.rsplit(":", 1)[0] in granted  # admin:read:reports in admin:read
    top = required.split(":", 1)[0]
    if top in ("read", "write") and top in granted:
        return True
    if required == "profile":
        return "read" in granted or "read:accounts" in granted
    return "follow" in granted and required in FOLLOW


@dataclass(frozen=True)
class Token:
    """A valid access token: its application, its scopes, and the account it acts for (None: the app itself)."""

    id: int
    application_id: int
    scopes: frozenset[str]
    account: Account | None

    @property
    def user(self) -> Account:
        assert self.account is not None, "checked by authenticate(user=True)"
        return self.account


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query.get("access_token") or None


async def current_token(request: web.Request) -> Token | None:
    """The request's token, looked up once; None if none was sent; 401 if one was sent but is not valid."""
    if _TOKEN_KEY in request:
        return request[_TOKEN_KEY]  # type: ignore[return-value]
    secret = _bearer(request)
    token = await token_for(request, secret) if secret else None
    request[_TOKEN_KEY] = token
    return token


async def token_for(request: web.Request, secret: str) -> Token:
    """The valid token whose secret is `secret` (however the caller sent it); 401 otherwise."""
    async with request.app[DATABASE].session() as session:
        row = await session.scalar(
            select(OAuthToken).where(OAuthToken.token_hash == digest(secret), OAuthToken.revoked_at.is_(None))
        )
        account = None
        if row is not None and row.account_id is not None:
            account = await session.scalar(
                select(Account).where(Account.id == row.account_id).options(selectinload(Account.actor))
            )
    if row is None or (row.account_id is not None and (account is None or account.is_disabled)):
        raise ApiError(401, "The access token is invalid")
    return Token(row.id, row.application_id, frozenset(row.scopes.split()), account)


async def token_still_valid(session: AsyncSession, token: Token) -> bool:
    """Whether a token looked up earlier still stands (not revoked, its account not disabled): long-lived
    connections such as live streams ask again from time to time."""
    query = (
        select(OAuthToken.id)
        .outerjoin(Account, Account.id == OAuthToken.account_id)
        .where(OAuthToken.id == token.id, OAuthToken.revoked_at.is_(None), Account.disabled_at.is_(None))
    )
    return await session.scalar(query) is not None


async def authenticate(request: web.Request, scope: str, *, user: bool = True) -> Token:
    """The caller's token, which must hold `scope` (403 otherwise) and, if `user`, act for an account."""
    token = await current_token(request)
    if token is None:
        raise ApiError(401, "The access token is invalid")
    if user and token.account is None:
        raise ApiError(422, "This method requires an authenticated user")
    if not grants(token.scopes, scope):
        raise ApiError(403, "This action is outside the authorized scopes")
    return token


async def optional_account(request: web.Request, scope: str) -> Account | None:
    """The signed-in account for endpoints anyone may read; a token without `scope` reads as anonymous."""
    token = await current_token(request)
    if token is None or token.account is None or not grants(token.scopes, scope):
        return None
    return token.account


async def authenticate_staff(request: web.Request, scope: str, roles: tuple[str, ...] = STAFF) -> Token:
    """`authenticate`, for an account whose role is one of `roles` (403 for anyone else, as Mastodon)."""
    token = await authenticate(request, scope)
    if token.user.role not in roles:
        raise ApiError(403, "This action is not allowed")
    return token
