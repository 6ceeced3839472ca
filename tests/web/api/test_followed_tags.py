"""Followed and featured hashtags through Mastodon.py, on one node.

In the demo company pierre follows only emma and camille. Once he follows #kaizen, marc's public
posts with it come into his home feed — not marc's unlisted or followers-only ones, nothing from
lea who blocks him, and nothing from antoine while pierre mutes him; unfollowing the hashtag takes
its posts back out. marc features #kaizen on his profile: anyone sees it with his count of public
and unlisted posts carrying it; suggestions offer the hashtags he used and has not featured.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from essaim.outbox.limits import MAX_FEATURED_TAGS
from tests.api_helpers import call, mastodon
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("tags"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    return {name: await person(http, node, name) for name in ("pierre", "marc", "lea", "antoine", "emma")}


async def home_ids(who: Person) -> set[str]:
    return {s["id"] for s in await who.api("GET", "/api/v1/timelines/home", params={"limit": "40"})}


async def test_a_followed_hashtag_brings_readable_public_posts_home(people: dict[str, Person]) -> None:
    pierre, marc, lea, antoine = people["pierre"], people["marc"], people["lea"], people["antoine"]
    before = await asyncio.to_thread(pierre.app.tag, "Kaizen")
    assert before["name"] == "Kaizen" and before["following"] is False, "a hashtag nobody used yet"
    early = await marc.post("Before the follow #kaizen", "public")

    followed = await asyncio.to_thread(pierre.app.tag_follow, "Kaizen")
    assert followed["following"] is True and followed["name"] == "kaizen", "named as first written"
    assert [t["name"] for t in await asyncio.to_thread(pierre.app.followed_tags)] == ["kaizen"]
    assert (await asyncio.to_thread(pierre.app.tag, "kaizen"))["following"] is True

    await asyncio.to_thread(lea.app.account_block, (await lea.lookup("pierre"))["id"])
    await asyncio.to_thread(pierre.app.account_mute, (await pierre.lookup("antoine"))["id"])
    public = await marc.post("Small steps every day #Kaizen", "public")
    unlisted = await marc.post("Quiet note #kaizen", "unlisted")
    private = await marc.post("For my followers #kaizen", "private")
    blocked = await lea.post("From someone who blocks pierre #kaizen", "public")
    muted = await antoine.post("From someone pierre mutes #kaizen", "public")
    other = await marc.post("Nothing to do with it #lean", "public")
    home = await home_ids(pierre)
    assert public["id"] in home
    assert not {early["id"], unlisted["id"], private["id"], blocked["id"], muted["id"], other["id"]} & home
    assert (await people["emma"].home("Small steps")) is None, "only the hashtag's followers get it"

    await asyncio.to_thread(pierre.app.account_unmute, (await pierre.lookup("antoine"))["id"])
    assert muted["id"] in await home_ids(pierre), "the mute filtered on read"
    gone = await asyncio.to_thread(pierre.app.tag_unfollow, "kaizen")
    assert gone["following"] is False
    assert not {public["id"], muted["id"]} & await home_ids(pierre), "unfollowing takes the posts out"
    await marc.post("After the unfollow #kaizen", "public")
    assert await pierre.home("After the unfollow") is None
    assert await asyncio.to_thread(pierre.app.followed_tags) == []


async def test_followed_hashtags_page_newest_first(people: dict[str, Person]) -> None:
    emma = people["emma"]
    for name in ("alpha", "beta", "gamma"):
        await emma.api("POST", f"/api/v1/tags/{name}/follow")
    page = await asyncio.to_thread(emma.app.followed_tags, limit=2)
    assert [t["name"] for t in page] == ["gamma", "beta"]
    older = await asyncio.to_thread(emma.app.fetch_next, page)
    assert older is not None and [t["name"] for t in older] == ["alpha"]


async def test_hashtag_endpoints_refuse_bad_requests(
    node: Node, people: dict[str, Person], http: aiohttp.ClientSession
) -> None:
    emma = people["emma"]
    for bad in ("123", "no-dash", "x" * 101):
        assert await emma.api("GET", f"/api/v1/tags/{bad}", status=404) == {"error": "Record not found"}
        await emma.api("POST", f"/api/v1/tags/{bad}/follow", status=404)
    await call(http, "POST", f"{node.base_url}/api/v1/tags/kaizen/follow", status=401)
    await call(http, "GET", f"{node.base_url}/api/v1/followed_tags", status=401)
    anonymous = await call(http, "GET", f"{node.base_url}/api/v1/tags/kaizen")
    assert anonymous["name"] == "kaizen" and "following" not in anonymous


async def test_featured_hashtags_show_on_the_profile(node: Node, people: dict[str, Person]) -> None:
    marc, emma = people["marc"], people["emma"]
    for text, visibility in (("One #Retro", "public"), ("Two #retro", "unlisted"), ("Three #retro", "private")):
        await marc.post(text, visibility)
    latest = await marc.post("Also #planning and #planning2 and #retro", "public")
    featured = await asyncio.to_thread(marc.app.featured_tag_create, "#Retro")
    assert featured["name"] == "Retro" and featured["statuses_count"] == "3", "public and unlisted posts count"
    again = await marc.api("POST", "/api/v1/featured_tags", data={"name": "retro"})
    assert again["id"] == featured["id"], "featuring again changes nothing"
    assert again["last_status_at"] == latest["created_at"][:10], "the day of the latest"

    marc_id = (await emma.lookup("marc"))["id"]
    anonymous = await asyncio.to_thread(mastodon(node).account_featured_tags, marc_id)
    assert [t["name"] for t in anonymous] == ["Retro"]
    assert [t["id"] for t in await asyncio.to_thread(marc.app.featured_tags)] == [featured["id"]]
    suggested = {t["name"] for t in await asyncio.to_thread(marc.app.featured_tag_suggestions)}
    assert {"planning", "planning2"} <= suggested and "Retro" not in suggested and "retro" not in suggested
    assert (await marc.api("GET", "/api/v1/tags/retro"))["featuring"] is True

    await emma.api("DELETE", f"/api/v1/featured_tags/{featured['id']}", status=404)
    await asyncio.to_thread(marc.app.featured_tag_delete, featured["id"])
    assert await asyncio.to_thread(marc.app.featured_tags) == []
    await marc.api("DELETE", f"/api/v1/featured_tags/{featured['id']}", status=404)


async def test_featured_hashtags_are_limited(people: dict[str, Person]) -> None:
    emma = people["emma"]
    for number in range(MAX_FEATURED_TAGS):
        await emma.api("POST", "/api/v1/featured_tags", data={"name": f"topic{number}"})
    refused = await emma.api("POST", "/api/v1/featured_tags", data={"name": "onemore"}, status=422)
    assert refused == {"error": f"You can feature at most {MAX_FEATURED_TAGS} hashtags"}
    for bad in ({"name": "123"}, {"name": ""}, {}):
        assert set(await emma.api("POST", "/api/v1/featured_tags", data=bad, status=422)) == {"error"}
    assert len(await asyncio.to_thread(emma.app.featured_tags)) == MAX_FEATURED_TAGS
    await emma.api("GET", "/api/v1/accounts/99999999999/featured_tags", status=404)
