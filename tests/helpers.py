"""Small helpers the tests share: reading JSON responses, finding a demo user's actor, touching the database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.db import Database

ACTIVITY_JSON = "application/activity+json"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def form_token(http: aiohttp.ClientSession, url: str) -> str:
    """Open a form page as a browser would and return its CSRF token."""
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        match = CSRF_RE.search(await response.text())
    assert match, f"no CSRF token on {url}"
    return match.group(1)


async def get_json(
    http: aiohttp.ClientSession, url: str, *, status: int = 200, accept: str = ACTIVITY_JSON, **params: str
) -> Any:
    async with http.get(url, headers={"Accept": accept}, params=params or None) as response:
        body = await response.text()
        assert response.status == status, f"{url}: {response.status} {body[:500]}"
        return await response.json(content_type=None)


async def actor_uri(http: aiohttp.ClientSession, base_url: str, domain: str, username: str) -> str:
    jrd = await get_json(http, f"{base_url}/.well-known/webfinger", resource=f"acct:{username}@{domain}")
    return next(link["href"] for link in jrd["links"] if link["rel"] == "self")


@asynccontextmanager
async def database(url: str) -> AsyncIterator[AsyncSession]:
    """A transaction on a node's database, for arranging what no API can create yet."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            yield session
    finally:
        await db.close()


def remote_actor(username: str, host: str) -> Actor:
    """A peer's person as the actors table stores one (with Mastodon's URL layout), for storage-level tests."""
    uri = f"https://{host}/users/{username}"
    return Actor(
        username=username,
        domain=host,
        uri=uri,
        inbox_uri=f"{uri}/inbox",
        shared_inbox_uri=f"https://{host}/inbox",
        followers_uri=f"{uri}/followers",
        featured_uri=f"{uri}/collections/featured",
        key_id=f"{uri}#main-key",
        public_key_pem="x",
    )
