"""Personal blocks on one node, through the client API (Mastodon.py where an app would use it).

In the demo company hugo and amina follow each other and hugo follows lucas. When hugo blocks
amina, the follows end both ways and every read path keeps them apart: amina cannot read,
favourite, boost or answer hugo's posts, nor follow him; hugo no longer sees her posts,
lucas's boost of them, her replies in threads, her notifications — and her new mention of him
does not notify him. Unblocking lets them read each other again; the follows stay ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory


class Person:
    def __init__(self, http: aiohttp.ClientSession, node: Node, token: str) -> None:
        self.http, self.node, self.token = http, node, token
        self.app: Mastodon = mastodon(node, token)

    async def api(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> Any:
        return await call(self.http, method, f"{self.node.base_url}{path}", self.token, status=status, **kwargs)

    async def post(self, text: str, **fields: str) -> dict[str, Any]:
        return dict(await self.api("POST", "/api/v1/statuses", data={"status": text} | fields))

    async def ids(self, path: str, **params: str) -> set[str]:
        return {s["id"] for s in await self.api("GET", path, params=params)}

    async def relationship(self, account_id: str) -> dict[str, Any]:
        return dict((await self.api("GET", "/api/v1/accounts/relationships", params={"id[]": account_id}))[0])


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("blocks"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    return {name: Person(http, node, await api_token(node, name)) for name in ("hugo", "amina", "lucas", "camille")}


async def account_id(person: Person, username: str) -> str:
    return str((await person.api("GET", "/api/v1/accounts/lookup", params={"acct": username}))["id"])


async def test_a_block_keeps_two_people_apart_on_every_path(people: dict[str, Person]) -> None:
    hugo, amina, lucas, camille = people["hugo"], people["amina"], people["lucas"], people["camille"]
    amina_id, hugo_id = await account_id(hugo, "amina"), await account_id(amina, "hugo")
    assert (await hugo.relationship(amina_id))["following"] and (await hugo.relationship(amina_id))["followed_by"]

    his = await hugo.post("Quarterly roadmap #blocktest")
    hers = await amina.post("Budget figures for the roadmap #blocktest kumquat")
    await amina.api("POST", f"/api/v1/statuses/{his['id']}/favourite")
    boost = await lucas.api("POST", f"/api/v1/statuses/{hers['id']}/reblog")
    thread = await camille.post("Where do we stand on hiring?")
    reply = await amina.post("Two offers out", in_reply_to_id=thread["id"])
    assert hers["id"] in await hugo.ids("/api/v1/timelines/home")
    assert any(n["account"]["acct"] == "amina" for n in await hugo.api("GET", "/api/v1/notifications"))

    blocked = await asyncio.to_thread(hugo.app.account_block, amina_id)
    assert blocked["blocking"] is True and blocked["following"] is False and blocked["followed_by"] is False
    assert (await amina.relationship(hugo_id))["blocked_by"] is True
    assert [a["acct"] for a in await asyncio.to_thread(hugo.app.blocks)] == ["amina"]

    # amina: hugo's posts are gone for her, and she can do nothing with them.
    await amina.api("GET", f"/api/v1/statuses/{his['id']}", status=404)
    for action in ("favourite", "reblog", "bookmark"):
        await amina.api("POST", f"/api/v1/statuses/{his['id']}/{action}", status=404)
    await amina.api("POST", "/api/v1/statuses", data={"status": "hm", "in_reply_to_id": his["id"]}, status=404)
    refused = await amina.api("POST", f"/api/v1/accounts/{hugo_id}/follow", status=403)
    assert refused == {"error": "This action is not allowed"}
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/tag/blocktest"):
        assert his["id"] not in await amina.ids(path), path
    assert await amina.ids(f"/api/v1/accounts/{hugo_id}/statuses") == set()
    found = await amina.api("GET", "/api/v2/search", params={"q": "Quarterly roadmap", "type": "statuses"})
    assert found["statuses"] == []

    # hugo: amina's posts, lucas's boost of one, her reply in a thread, her notifications are gone.
    home = await hugo.ids("/api/v1/timelines/home")
    assert hers["id"] not in home and boost["id"] not in home
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/blocktest"):
        assert hers["id"] not in await hugo.ids(path), path
    await hugo.api("GET", f"/api/v1/statuses/{hers['id']}", status=404)
    context = await hugo.api("GET", f"/api/v1/statuses/{thread['id']}/context")
    assert reply["id"] not in {s["id"] for s in context["descendants"]}
    assert reply["id"] in {
        s["id"] for s in (await camille.api("GET", f"/api/v1/statuses/{thread['id']}/context"))["descendants"]
    }
    found = await hugo.api("GET", "/api/v2/search", params={"q": "kumquat", "type": "statuses"})
    assert found["statuses"] == []
    assert not any(n["account"]["acct"] == "amina" for n in await hugo.api("GET", "/api/v1/notifications"))
    mention = await amina.post("@hugo are you there?")
    assert mention["mentions"][0]["acct"] == "hugo"
    assert not any(n["account"]["acct"] == "amina" for n in await hugo.api("GET", "/api/v1/notifications"))
    assert mention["id"] not in await hugo.ids("/api/v1/timelines/home")

    # Unblocking: they read each other again; the follows do not come back.
    lifted = await asyncio.to_thread(hugo.app.account_unblock, amina_id)
    assert lifted["blocking"] is False and lifted["following"] is False
    assert (await amina.api("GET", f"/api/v1/statuses/{his['id']}"))["id"] == his["id"]
    assert (await hugo.api("GET", f"/api/v1/statuses/{hers['id']}"))["id"] == hers["id"]
    assert await asyncio.to_thread(hugo.app.blocks) == []
    again = await hugo.api("POST", f"/api/v1/accounts/{amina_id}/unblock")
    assert again["blocking"] is False, "unblocking someone not blocked answers the relationship"


async def test_the_block_list_pages_newest_first(people: dict[str, Person]) -> None:
    camille = people["camille"]
    first, second = await account_id(camille, "lucas"), await account_id(camille, "hugo")
    for target in (first, second):
        await camille.api("POST", f"/api/v1/accounts/{target}/block")
    page = await asyncio.to_thread(camille.app.blocks, limit=1)
    assert [a["id"] for a in page] == [second]
    older = await asyncio.to_thread(camille.app.fetch_next, page)
    assert older is not None and [a["id"] for a in older] == [first]
    assert not await asyncio.to_thread(camille.app.fetch_next, older)


async def test_blocking_refuses_bad_requests(
    node: Node, people: dict[str, Person], http: aiohttp.ClientSession
) -> None:
    lucas = people["lucas"]
    me = (await lucas.api("GET", "/api/v1/accounts/verify_credentials"))["id"]
    assert await lucas.api("POST", f"/api/v1/accounts/{me}/block", status=422) == {"error": "You cannot block yourself"}
    await lucas.api("POST", "/api/v1/accounts/99999999999/block", status=404)
    reader = await api_token(node, "lucas", "read")
    sofia = await account_id(lucas, "sofia")
    url = f"{node.base_url}/api/v1/accounts/{sofia}/block"
    await call(http, "POST", url, reader, status=403)
    await call(http, "GET", f"{node.base_url}/api/v1/blocks", status=401)
    assert (await lucas.relationship(sofia))["blocking"] is False
