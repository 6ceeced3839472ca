"""OAuth records: applications, authorization codes, access and refresh tokens.

Client secrets, codes and tokens are stored as SHA-256 digests only. Every grant is
checked here, so the HTTP layer only turns a `GrantError` into an RFC 6749 response.
Codes live ten minutes and are deleted when exchanged; a refresh rotates both tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Account, OAuthApplication, OAuthAuthorizationCode, OAuthToken
from essaim.actors.models.base import utcnow

OOB = "urn:ietf:wg:oauth:2.0:oob"  # "show me the code" instead of a redirect (toot, Mastodon.py)
CODE_LIFETIME = timedelta(minutes=10)
PKCE_METHOD = "S256"  # the only method Mastodon supports; `plain` would defeat the point
PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1 (verifier) and the S256 challenge


class GrantError(Exception):
    """A refused OAuth request; `error` is the RFC 6749 code (`invalid_grant`, `invalid_client`…)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def digest(secret: str) -> str:
    """How secrets (tokens, codes, client secrets) are stored: their SHA-256, never themselves."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier: unpadded base64url of its SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def redirect_uris(application: OAuthApplication) -> list[str]:
    return application.redirect_uris.split()


@dataclass(frozen=True)
class IssuedToken:
    row: OAuthToken
    access_token: str
    refresh_token: str | None


@dataclass(frozen=True)
class RegisteredApplication:
    row: OAuthApplication
    client_secret: str


async def register_application(
    session: AsyncSession, *, name: str, redirect_uris: list[str], scopes: str, website: str | None
) -> RegisteredApplication:
    client_secret = new_secret()
    row = OAuthApplication(
        name=name,
        website=website,
        redirect_uris="\n".join(redirect_uris),
        scopes=scopes,
        client_id=new_secret(),
        client_secret_hash=digest(client_secret),
    )
    session.add(row)
    await session.flush()
    return RegisteredApplication(row, client_secret)


async def issue_token(
    session: AsyncSession, *, application_id: int, account_id: int | None, scopes: str, refreshable: bool = True
) -> IssuedToken:
    access, refresh = new_secret(), (new_secret() if refreshable and account_id is not None else None)
    row = OAuthToken(
        application_id=application_id,
        account_id=account_id,
        token_hash=digest(access),
        refresh_token_hash=digest(refresh) if refresh else None,
        scopes=scopes,
    )
    session.add(row)
    await session.flush()
    return IssuedToken(row, access, refresh)


async def application_by_client_id(session: AsyncSession, client_id: str) -> OAuthApplication | None:
    return await session.scalar(select(OAuthApplication).where(OAuthApplication.client_id == client_id))


async def authenticate_client(
    session: AsyncSession, client_id: str | None, client_secret: str | None
) -> OAuthApplication:
    """The application these credentials belong to; `invalid_client` for anything else."""
    application = await application_by_client_id(session, client_id) if client_id else None
    if (
        application is None
        or not client_secret
        or not hmac.compare_digest(application.client_secret_hash, digest(client_secret))
    ):
        raise GrantError("invalid_client", "Client authentication failed: unknown client or wrong secret.")
    return application


async def create_code(
    session: AsyncSession,
    *,
    application_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: str,
    code_challenge: str | None,
) -> str:
    """A single-use authorization code for one person and one redirect URI; expired codes are swept here."""
    await session.execute(delete(OAuthAuthorizationCode).where(OAuthAuthorizationCode.expires_at < utcnow()))
    code = new_secret()
    session.add(
        OAuthAuthorizationCode(
            application_id=application_id,
            account_id=account_id,
            code_hash=digest(code),
            redirect_uri=redirect_uri,
            scopes=scopes,
            code_challenge=code_challenge,
            code_challenge_method=PKCE_METHOD if code_challenge else None,
            expires_at=utcnow() + CODE_LIFETIME,
        )
    )
    await session.flush()
    return code


def _check_pkce(row: OAuthAuthorizationCode, verifier: str | None) -> None:
    if row.code_challenge is None:
        if verifier:  # refusing it prevents a PKCE downgrade (OAuth 2.0 Security BCP §2.1.1)
            raise GrantError(
                "invalid_grant", "code_verifier sent, but the authorization request had no code_challenge."
            )
        return
    if not verifier:
        raise GrantError("invalid_grant", "code_verifier is required: the authorization request used PKCE.")
    if not PKCE_RE.match(verifier) or not hmac.compare_digest(pkce_challenge(verifier), row.code_challenge):
        raise GrantError("invalid_grant", "code_verifier does not match the code_challenge.")


async def exchange_code(
    session: AsyncSession,
    application: OAuthApplication,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
) -> IssuedToken:
    """Trade an authorization code for tokens; the code is deleted, so a second exchange fails."""
    row = await session.scalar(select(OAuthAuthorizationCode).where(OAuthAuthorizationCode.code_hash == digest(code)))
    if row is None or row.application_id != application.id:
        raise GrantError("invalid_grant", "The authorization code is invalid, already used, or for another client.")
    if row.expires_at <= utcnow():
        raise GrantError("invalid_grant", "The authorization code has expired.")
    if redirect_uri != row.redirect_uri:
        raise GrantError("invalid_grant", "redirect_uri differs from the one of the authorization request.")
    _check_pkce(row, code_verifier)
    consumed = await session.execute(delete(OAuthAuthorizationCode).where(OAuthAuthorizationCode.id == row.id))
    if consumed.rowcount != 1:  # type: ignore[attr-defined]  # exchanged by a concurrent request
        raise GrantError("invalid_grant", "The authorization code was already used.")
    account = await session.get(Account, row.account_id)
    if account is None or account.is_disabled:
        raise GrantError("invalid_grant", "The account that authorized this code is disabled.")
    return await issue_token(session, application_id=application.id, account_id=row.account_id, scopes=row.scopes)


async def refresh(
    session: AsyncSession, application: OAuthApplication, *, refresh_token: str, scopes: list[str] | None
) -> IssuedToken:
    """Rotate: the old access and refresh tokens stop working, a new pair is issued (same or fewer scopes)."""
    row = await session.scalar(
        select(OAuthToken).where(
            OAuthToken.refresh_token_hash == digest(refresh_token),
            OAuthToken.application_id == application.id,
            OAuthToken.revoked_at.is_(None),
        )
    )
    if row is None or row.account_id is None:
        raise GrantError("invalid_grant", "The refresh token is invalid, revoked, or for another client.")
    granted = row.scopes.split()
    if scopes and not set(scopes) <= set(granted):
        raise GrantError("invalid_scope", "A refreshed token cannot have scopes the original did not have.")
    revoked = await session.execute(
        update(OAuthToken).where(OAuthToken.id == row.id, OAuthToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    if revoked.rowcount != 1:  # type: ignore[attr-defined]  # refreshed by a concurrent request
        raise GrantError("invalid_grant", "The refresh token was already used.")
    account = await session.get(Account, row.account_id)
    if account is None or account.is_disabled:
        raise GrantError("invalid_grant", "The account this token acts for is disabled.")
    new_scopes = " ".join(scope for scope in granted if not scopes or scope in scopes)
    return await issue_token(session, application_id=application.id, account_id=row.account_id, scopes=new_scopes)


async def revoke(session: AsyncSession, application: OAuthApplication, token: str) -> None:
    """Revoke an access token (or the token a refresh token belongs to). Unknown tokens: nothing to do (RFC 7009)."""
    hashed = digest(token)
    row = await session.scalar(
        select(OAuthToken).where(or_(OAuthToken.token_hash == hashed, OAuthToken.refresh_token_hash == hashed))
    )
    if row is None or row.revoked_at is not None:
        return
    if row.application_id != application.id:
        raise GrantError("unauthorized_client", "You are not authorized to revoke this token.")
    row.revoked_at = utcnow()
