"""OAuth records: registering applications and issuing access tokens (secrets stored as digests only)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import OAuthApplication, OAuthToken


def digest(secret: str) -> str:
    """How secrets (tokens, codes, client secrets) are stored: their SHA-256, never themselves."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


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
