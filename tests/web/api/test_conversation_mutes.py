"""Conversation mutes and the unread count, through Mastodon.py, on a node of its own with the demo company.

Hugo replies in camille's thread, then mutes it: replies below, favourites and boosts of posts in
the thread stop notifying him (and the thread's posts say `muted`), while notifications about his
other posts keep coming; unmuting brings the hidden ones back. Muting is refused for a post he may
not read. The unread count counts only notifications newer than his notifications marker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("conversation_mutes"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    return {name: await person(http, node, name) for name in ("hugo", "amina", "lucas", "camille")}


async def about(who: Person) -> set[str | None]:
    """The post ids of who's notifications (None for those without a post)."""
    return {n["status"]["id"] if n["status"] else None for n in await who.api("GET", "/api/v1/notifications")}


async def test_a_muted_thread_stops_notifying_until_unmuted(people: dict[str, Person]) -> None:
    hugo, amina, lucas, camille = people["hugo"], people["amina"], people["lucas"], people["camille"]
    thread = await camille.post("Offsite agenda?", "public")
    mine = await hugo.post("Day one: planning", "public", in_reply_to_id=thread["id"])
    elsewhere = await hugo.post("Unrelated: lunch menu", "public")

    muted = await asyncio.to_thread(hugo.app.status_mute, thread["id"])
    assert muted["id"] == thread["id"] and muted["muted"] is True
    assert (await hugo.status(mine["id"]))["muted"] is True, "the whole thread is muted"
    assert (await hugo.status(elsewhere["id"]))["muted"] is False
    assert (await amina.status(mine["id"]))["muted"] is False, "a mute is the muter's alone"

    reply = await amina.post("@hugo and day two?", "public", in_reply_to_id=mine["id"])
    await amina.api("POST", f"/api/v1/statuses/{mine['id']}/favourite")
    await lucas.api("POST", f"/api/v1/statuses/{mine['id']}/reblog")
    await amina.api("POST", f"/api/v1/statuses/{elsewhere['id']}/favourite")
    seen = await about(hugo)
    assert elsewhere["id"] in seen, "notifications outside the thread still come"
    assert not {mine["id"], reply["id"]} & seen

    unmuted = await asyncio.to_thread(hugo.app.status_unmute, mine["id"])
    assert unmuted["muted"] is False
    assert {mine["id"], reply["id"]} <= await about(hugo)


async def test_muting_needs_a_readable_post_and_a_token(people: dict[str, Person], http: aiohttp.ClientSession) -> None:
    hugo, lucas = people["hugo"], people["lucas"]
    secret = await lucas.post("Just for @camille", "direct")
    error = await hugo.api("POST", f"/api/v1/statuses/{secret['id']}/mute", status=404)
    assert error == {"error": "Record not found"}
    anonymous = Person(http, hugo.node, "nobody", None)
    assert "error" in await anonymous.api("POST", f"/api/v1/statuses/{secret['id']}/mute", status=401)


async def test_the_unread_count_starts_after_the_notifications_marker(people: dict[str, Person]) -> None:
    camille, amina = people["camille"], people["amina"]
    post = await camille.post("Counting favourites", "public")
    await amina.api("POST", f"/api/v1/statuses/{post['id']}/favourite")
    newest = (await camille.api("GET", "/api/v1/notifications", params={"limit": "1"}))[0]
    before = (await asyncio.to_thread(camille.app.notifications_unread_count))["count"]
    assert before >= 1
    await asyncio.to_thread(camille.app.markers_set, "notifications", newest["id"])
    assert (await asyncio.to_thread(camille.app.notifications_unread_count))["count"] == 0
    await amina.post("@camille ping", "public")
    assert (await asyncio.to_thread(camille.app.notifications_unread_count))["count"] == 1
