"""Helpers for client-API tests: tokens made straight in a node's database, and the real Mastodon.py client.

The OAuth flow itself is tested in tests/web/api/test_oauth.py; other tests start from a token.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from mastodon import Mastodon

from essaim.actors.accounts import account_by_handle
from essaim.actors.oauth import issue_token, register_application
from tests.conftest import Node
from tests.helpers import database

ALL_SCOPES = "read write follow push"


async def api_token(node: Node, username: str, scopes: str = ALL_SCOPES) -> str:
    """An access token for `username` on `node`, as if they had authorized a test app."""
    async with database(node.database_url) as session:
        account = await account_by_handle(session, username)
        assert account is not None, username
        app = await register_application(
            session, name="Essaim tests", redirect_uris=["urn:ietf:wg:oauth:2.0:oob"], scopes=scopes, website=None
        )
        issued = await issue_token(session, application_id=app.row.id, account_id=account.id, scopes=scopes)
    return issued.access_token


def mastodon(node: Node, token: str | None = None) -> Mastodon:
    """The real Mastodon.py client pointed at the node (plain http on loopback)."""
    return Mastodon(api_base_url=node.base_url, access_token=token, version_check_mode="none", request_timeout=30)


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str | None = None,
    *,
    status: int = 200,
    **kwargs: Any,
) -> Any:
    """One API request with a bearer token; asserts the status and returns the decoded JSON body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, headers=headers, **kwargs) as response:
        text = await response.text()
        assert response.status == status, f"{method} {url}: {response.status} {text[:800]}"
        return await response.json(content_type=None) if text else None
