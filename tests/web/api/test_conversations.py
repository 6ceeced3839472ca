"""Conversations and the direct timeline through Mastodon.py: threads of direct posts, each person's own view.

Sofia writes to Hugo and Lucas; Hugo answers Sofia alone; Camille is never addressed. Nobody's
conversation may show a post that did not address them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from mastodon import Mastodon

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import NodeFactory


def _conversations(person: Mastodon) -> list[Any]:
    return list(person.conversations(limit=40))


def _one(person: Mastodon) -> Any:
    found = _conversations(person)
    assert len(found) == 1, found
    return found[0]


def _people(conversation: Any) -> set[str]:
    return {account.acct for account in conversation.accounts}


def _thread(sofia: Mastodon, hugo: Mastodon, lucas: Mastodon, camille: Mastodon) -> dict[str, str]:
    first = sofia.status_post("@hugo @lucas the reorg plan, between us", visibility="direct")
    mine = _one(sofia)
    assert mine.unread is False and _people(mine) == {"hugo", "lucas"} and mine.last_status.id == first.id
    theirs = _one(hugo)
    assert theirs.unread is True and _people(theirs) == {"sofia", "lucas"} and theirs.last_status.id == first.id
    assert _conversations(camille) == [], "camille was not addressed"

    reply = hugo.status_post("@sofia just between the two of us: fine", visibility="direct", in_reply_to_id=first)
    assert _one(hugo).id == theirs.id and _one(hugo).last_status.id == reply.id, "the same thread, newest post"
    assert _one(hugo).unread is False, "one's own post leaves the conversation read"
    assert _one(sofia).last_status.id == reply.id and _one(sofia).unread is True
    lucas_view = _one(lucas)
    assert lucas_view.last_status.id == first.id, "the reply did not address lucas: his conversation never shows it"
    assert _people(lucas_view) == {"sofia", "hugo"}
    assert _conversations(camille) == []

    read = sofia.conversations_read(_one(sofia))
    assert read.unread is False and _one(sofia).unread is False
    sofia.status_post("@hugo a public word", visibility="public")
    assert len(_conversations(hugo)) == 1, "only direct posts make conversations"
    return {"first": str(first.id), "reply": str(reply.id), "hugo_conversation": str(theirs.id)}


async def test_conversations_show_each_person_only_what_addressed_them(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    node = nodes.create(demo=True)
    names = ("sofia", "hugo", "lucas", "camille")
    tokens = {name: await api_token(node, name) for name in names}
    apps = [mastodon(node, tokens[name]) for name in names]
    ids = await asyncio.to_thread(_thread, *apps)
    url = f"{node.base_url}/api/v1"

    direct = f"{url}/timelines/direct"
    assert [s["id"] for s in await call(http, "GET", direct, tokens["hugo"])] == [ids["reply"], ids["first"]]
    assert [s["id"] for s in await call(http, "GET", direct, tokens["lucas"])] == [ids["first"]]
    assert await call(http, "GET", direct, tokens["camille"]) == []
    await call(http, "GET", direct, status=401)
    await call(http, "GET", f"{url}/conversations", status=401)

    hugos = ids["hugo_conversation"]
    await call(http, "POST", f"{url}/conversations/{hugos}/read", tokens["lucas"], status=404)
    assert await call(http, "DELETE", f"{url}/conversations/{hugos}", tokens["lucas"], status=404) == {
        "error": "Record not found"
    }
    assert await call(http, "DELETE", f"{url}/conversations/{hugos}", tokens["hugo"]) == {}
    assert await call(http, "GET", f"{url}/conversations", tokens["hugo"]) == []
    assert len(await call(http, "GET", f"{url}/conversations", tokens["sofia"])) == 1, "removal is hugo's alone"

    again = await call(
        http,
        "POST",
        f"{url}/statuses",
        tokens["sofia"],
        data={"status": "@hugo still there?", "visibility": "direct", "in_reply_to_id": ids["reply"]},
    )
    back = await call(http, "GET", f"{url}/conversations", tokens["hugo"])
    assert [c["last_status"]["id"] for c in back] == [again["id"]] and back[0]["id"] != hugos, (
        "a new post brings it back"
    )
    assert back[0]["unread"] is True
    await call(http, "DELETE", f"{url}/statuses/{again['id']}", tokens["sofia"])
    assert await call(http, "GET", f"{url}/conversations", tokens["hugo"]) == [], "nothing left to read in it"

    edit = {"status": "@hugo @lucas @camille the reorg plan, now with camille"}
    await call(http, "PUT", f"{url}/statuses/{ids['first']}", tokens["sofia"], data=edit)
    joined = await call(http, "GET", f"{url}/conversations", tokens["camille"])
    assert [(c["last_status"]["id"], c["unread"]) for c in joined] == [(ids["first"], True)], "newly addressed"
    assert await call(http, "GET", f"{url}/conversations", tokens["hugo"]) == [], "an edit revives no removed one"


async def test_conversations_page_by_newest_post(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    sofia, hugo = await api_token(node, "sofia"), await api_token(node, "hugo")
    url = f"{node.base_url}/api/v1"
    posted = [
        (
            await call(
                http, "POST", f"{url}/statuses", sofia, data={"status": f"@hugo note {n}", "visibility": "direct"}
            )
        )["id"]
        for n in range(5)
    ]
    seen: list[str] = []
    page_url: str | None = f"{url}/conversations?limit=2"
    while page_url:
        async with http.get(page_url, headers={"Authorization": f"Bearer {hugo}"}) as response:
            assert response.status == 200
            page = await response.json()
            following = response.links.get("next")
            page_url = str(following["url"]) if page and following else None
        assert len(page) <= 2
        seen += [c["last_status"]["id"] for c in page]
    assert seen == posted[::-1], "five separate threads, newest first, each once"
