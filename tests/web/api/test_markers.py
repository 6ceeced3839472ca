"""Read markers through Mastodon.py: saved per person and timeline, version counted, scopes enforced."""

from __future__ import annotations

import asyncio

import aiohttp
from mastodon import Mastodon

from tests.api_helpers import api_token, call
from tests.conftest import Node


def _journey(node: Node, token: str) -> None:
    client = Mastodon(api_base_url=node.base_url, access_token=token, version_check_mode="none", request_timeout=30)
    first = client.markers_set(["home", "notifications"], [111, 222])
    assert first.home.last_read_id == "111" and first.home.version == 0
    assert first.notifications.last_read_id == "222" and first.notifications.version == 0
    client.markers_set(["home"], [333])
    read = client.markers_get(["home", "notifications"])
    assert read.home.last_read_id == "333" and read.home.version == 1
    assert read.notifications.last_read_id == "222" and read.notifications.version == 0
    assert set(client.markers_get(["notifications"])) == {"notifications"}


async def test_markers_are_saved_versioned_and_private(demo_node: Node, http: aiohttp.ClientSession) -> None:
    await asyncio.to_thread(_journey, demo_node, await api_token(demo_node, "hugo"))
    url = f"{demo_node.base_url}/api/v1/markers"
    other = await api_token(demo_node, "sofia", "read:statuses")
    assert await call(http, "GET", f"{url}?timeline[]=home", other) == {}, "one person's markers are theirs alone"
    await call(http, "POST", url, other, status=403, data={"home[last_read_id]": "5"})
    await call(http, "POST", url, status=401, data={"home[last_read_id]": "5"})
    mine = await api_token(demo_node, "hugo", "read:statuses")
    assert (await call(http, "GET", f"{url}?timeline[]=home", mine))["home"]["last_read_id"] == "333"
