"""A list with a remote member: hugo on node one, in a list of sofia's on node two.

His posts arrive by federation and must show in her list timeline as in her home, each only if
she may read it; an exclusive list takes them out of her home; unfollowing him empties the list.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from essaim.actors.lists import lists_receiving
from essaim.actors.models import Status
from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, follow, person, stored_status
from tests.helpers import database


async def _in_list(reader: Person, list_id: str, marker: str) -> dict[str, Any] | None:
    timeline = await reader.api("GET", f"/api/v1/timelines/list/{list_id}", params={"limit": "40"})
    return next((s for s in timeline if marker in s["content"]), None)


async def test_remote_member_posts_reach_the_list(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")
    hugo_there = await follow(sofia, hugo)
    await hugo.lookup(camille.handle)  # so hugo's @camille@… mention resolves
    team = await asyncio.to_thread(sofia.app.list_create, "Node one", exclusive=True)
    await asyncio.to_thread(sofia.app.list_accounts_add, team["id"], [hugo_there])
    assert [a["acct"] for a in await sofia.api("GET", f"/api/v1/lists/{team['id']}/accounts")] == [hugo.handle]

    await hugo.post(f"@{camille.handle} remote-direct for camille only", "direct")
    await hugo.post("remote-private for followers", "private")
    private = await eventually(lambda: _in_list(sofia, team["id"], "remote-private"), "hugo's post in sofia's list")
    assert private["account"]["acct"] == hugo.handle and private["visibility"] == "private"
    await eventually(lambda: camille.home("remote-direct"), "the direct post at camille's")
    assert await _in_list(sofia, team["id"], "remote-direct") is None, "a direct post to someone else"
    assert await sofia.home("remote-private") is None, "an exclusive list keeps its members out of home"

    sofia_id = int((await sofia.me())["id"])
    async with database(two.database_url) as session:
        copy = await stored_status(two, private["uri"])
        assert isinstance(copy, Status)
        assert await lists_receiving(session, copy) == [(sofia_id, int(team["id"]))]

    await sofia.api("PUT", f"/api/v1/lists/{team['id']}", data={"exclusive": "false"})
    assert await sofia.home("remote-private") is not None
    await sofia.api("POST", f"/api/v1/accounts/{hugo_there}/unfollow")
    assert await sofia.api("GET", f"/api/v1/lists/{team['id']}/accounts") == []
    assert await _in_list(sofia, team["id"], "remote-private") is None
