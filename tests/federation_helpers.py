"""People on running nodes, seen only through their Mastodon client API, for tests that span servers.

Deliveries between servers are asynchronous, so a check on another server polls (`eventually`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from mastodon import Mastodon
from sqlalchemy import select

from essaim.actors.models import Status
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node
from tests.helpers import database
from tests.signed_fetch import SigningKey, stored_key

T = TypeVar("T")
TIMEOUT = 10.0


async def eventually(probe: Callable[[], Awaitable[T]], what: str, timeout: float = TIMEOUT) -> T:
    """Poll every 0.2 s until `probe` returns something truthy (returned), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (found := await probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.2)
    return found


class Person:
    """Someone on a node, with a token for its client API (None: an anonymous caller)."""

    def __init__(self, http: aiohttp.ClientSession, node: Node, username: str, token: str | None) -> None:
        self.http, self.node, self.username, self.token = http, node, username, token

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.node.domain}"

    @property
    def app(self) -> Mastodon:
        """The real Mastodon.py client, signed in as this person: for what people do, as an app does it."""
        return mastodon(self.node, self.token)

    async def api(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> Any:
        return await call(self.http, method, f"{self.node.base_url}{path}", self.token, status=status, **kwargs)

    async def post(self, text: str, visibility: str, **fields: str) -> dict[str, Any]:
        return dict(
            await self.api("POST", "/api/v1/statuses", data={"status": text, "visibility": visibility} | fields)
        )

    async def me(self) -> dict[str, Any]:
        """This person's own account."""
        return dict(await self.api("GET", "/api/v1/accounts/verify_credentials"))

    async def lookup(self, handle: str) -> dict[str, Any]:
        """The account of `handle` on this person's node (resolved from its server when unknown)."""
        return dict(await self.api("GET", "/api/v1/accounts/lookup", params={"acct": handle}))

    async def relationship(self, account_id: str) -> dict[str, Any]:
        return dict((await self.api("GET", "/api/v1/accounts/relationships", params={"id[]": account_id}))[0])

    async def follower_handles(self, account_id: str) -> list[str]:
        return [a["acct"] for a in await self.api("GET", f"/api/v1/accounts/{account_id}/followers")]

    async def request_handles(self) -> list[str]:
        return [a["acct"] for a in await self.api("GET", "/api/v1/follow_requests")]

    async def notifications(self, kind: str) -> list[str]:
        """Who the notifications of one kind come from."""
        found = await self.api("GET", "/api/v1/notifications", params={"types[]": kind})
        return [n["account"]["acct"] for n in found]

    async def home(self, marker: str) -> dict[str, Any] | None:
        """The post containing `marker` in the home timeline (the newest 40), if there."""
        timeline = await self.api("GET", "/api/v1/timelines/home", params={"limit": "40"})
        return next((s for s in timeline if marker in s["content"]), None)

    async def notified(self, kind: str, marker: str) -> dict[str, Any] | None:
        found = await self.api("GET", "/api/v1/notifications", params={"types[]": kind})
        return next((n for n in found if n.get("status") and marker in n["status"]["content"]), None)

    async def search(self, marker: str) -> list[dict[str, Any]]:
        found = await self.api("GET", "/api/v2/search", params={"q": marker, "type": "statuses"})
        return list(found["statuses"])

    async def status(self, status_id: str, *, status: int = 200) -> Any:
        return await self.api("GET", f"/api/v1/statuses/{status_id}", status=status)

    async def can_read(self, status_id: str | int) -> bool:
        """Whether the post is shown to this person (200) or hidden from them (404, as if it did not exist)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.get(f"{self.node.base_url}/api/v1/statuses/{status_id}", headers=headers) as response:
            assert response.status in (200, 404), f"status {status_id}: {response.status} {await response.text()}"
            return response.status == 200

    async def key(self) -> SigningKey:
        """Their real key, to sign GETs as their node would on their behalf."""
        return await stored_key(self.node.database_url, self.username)


async def person(http: aiohttp.ClientSession, node: Node, username: str) -> Person:
    return Person(http, node, username, await api_token(node, username))


async def follow(follower: Person, followee: Person) -> str:
    """`follower` follows `followee` on another node and waits for the Accept; the followee's account id there."""
    account = await follower.lookup(followee.handle)
    await follower.api("POST", f"/api/v1/accounts/{account['id']}/follow")

    async def accepted() -> bool:
        return (await follower.relationship(account["id"]))["following"] is True

    await eventually(accepted, f"{followee.handle} accepting {follower.handle}")
    return str(account["id"])


async def stored_status(node: Node, uri: str) -> Status | None:
    """The node's copy of a post, read from its database: for a copy nobody there may see, or must not exist."""
    async with database(node.database_url) as session:
        return await session.scalar(select(Status).where(Status.uri == uri))
