"""Timelines, notifications lists, bookmarks and favourites: paging as Mastodon clients expect it."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from tests.api_helpers import api_token, call
from tests.conftest import NodeFactory
from tests.signed_fetch import SigningKey, signed_get_json

_NEXT = re.compile(r'<([^>]+)>; rel="next"')


async def _walk(http: aiohttp.ClientSession, url: str, token: str | None) -> list[list[dict[str, Any]]]:
    """Follow `rel="next"` (which must come first, toot reads only that) until an empty page."""
    pages = []
    while url:
        async with http.get(url, headers={"Authorization": f"Bearer {token}"} if token else {}) as response:
            assert response.status == 200, await response.text()
            page = await response.json()
            link = response.headers.get("Link", "")
        if not page:
            assert link == ""
            break
        assert link.startswith("<") and _NEXT.match(link), link
        pages.append(page)
        url = _NEXT.match(link).group(1)  # type: ignore[union-attr]
    return pages


async def _post(http: aiohttp.ClientSession, base: str, token: str, text: str, **fields: str) -> dict[str, Any]:
    return await call(http, "POST", f"{base}/api/v1/statuses", token, data={"status": text} | fields)


async def test_home_timeline_pages_newest_first(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    sofia, hugo = await api_token(node, "sofia"), await api_token(node, "hugo")
    before = await call(http, "GET", f"{node.base_url}/api/v1/timelines/home", hugo, params={"limit": "40"})
    posted = [(await _post(http, node.base_url, sofia, f"update {n}"))["id"] for n in range(25)]
    pages = await _walk(http, f"{node.base_url}/api/v1/timelines/home?limit=10", hugo)
    ids = [s["id"] for page in pages for s in page]
    assert [len(p) for p in pages][:3] == [10, 10, 10]
    assert ids[:25] == posted[::-1], "newest first, nothing skipped or repeated"
    assert len(ids) == len(set(ids)), "no post twice"
    assert {s["id"] for s in before} <= set(ids[25:]), "the demo posts hugo saw before are still there, after"
    since = await call(http, "GET", f"{node.base_url}/api/v1/timelines/home", hugo, params={"since_id": posted[20]})
    assert [s["id"] for s in since] == posted[21:][::-1]
    forward = await call(
        http, "GET", f"{node.base_url}/api/v1/timelines/home", hugo, params={"min_id": posted[4], "limit": "3"}
    )
    assert [s["id"] for s in forward] == posted[5:8][::-1], "min_id pages forward from the cursor, newest first"
    camille = await api_token(node, "camille")
    assert not {s["id"] for s in await call(http, "GET", f"{node.base_url}/api/v1/timelines/home", camille)} & set(
        posted
    ), "camille does not follow sofia"


async def test_boosts_stay_out_of_profile_pages_and_the_outbox(
    nodes: NodeFactory, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    node = nodes.create(demo=True)
    hugo, sofia = await api_token(node, "hugo"), await api_token(node, "sofia")
    original = await _post(http, node.base_url, sofia, "worth sharing across sites")
    account = await call(http, "GET", f"{node.base_url}/api/v1/accounts/verify_credentials", hugo)
    outbox_url = f"{account['uri']}/outbox"
    before = await signed_get_json(http, outbox_url, peer_reader)
    boost = await call(http, "POST", f"{node.base_url}/api/v1/statuses/{original['id']}/reblog", hugo)
    assert (await signed_get_json(http, outbox_url, peer_reader))["totalItems"] == before["totalItems"]
    boost_uri = f"{account['uri']}/statuses/{boost['id']}"
    await signed_get_json(http, boost_uri, peer_reader, status=404, accept="application/json")  # not hugo's post
    async with http.get(f"{node.base_url}/@hugo") as page:
        assert f"post-{boost['id']}" not in await page.text()


async def test_public_timeline_filters(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    hugo = await api_token(node, "hugo")
    loud = await _post(http, node.base_url, hugo, "a public note #Lyon #build", visibility="public")
    quiet = await _post(http, node.base_url, hugo, "an unlisted note #lyon", visibility="unlisted")
    public = await call(http, "GET", f"{node.base_url}/api/v1/timelines/public")
    assert loud["id"] in {s["id"] for s in public} and quiet["id"] not in {s["id"] for s in public}
    remote_only = await call(http, "GET", f"{node.base_url}/api/v1/timelines/public", params={"remote": "true"})
    assert remote_only == []
    media_only = await call(http, "GET", f"{node.base_url}/api/v1/timelines/public", params={"only_media": "true"})
    assert media_only == []
    tagged = await call(http, "GET", f"{node.base_url}/api/v1/timelines/tag/LYON")
    assert [s["id"] for s in tagged] == [loud["id"]]
    both = await call(http, "GET", f"{node.base_url}/api/v1/timelines/tag/lyon", params={"all[]": "build"})
    assert [s["id"] for s in both] == [loud["id"]]
    without = await call(http, "GET", f"{node.base_url}/api/v1/timelines/tag/lyon", params={"none[]": "build"})
    assert without == []
    async with http.get(loud["tags"][0]["url"]) as page:  # where the hashtag link in the post leads
        html = await page.text()
    assert page.status == 200 and "a public note" in html and "an unlisted note" not in html
    await call(http, "GET", f"{node.base_url}/api/v1/timelines/home", status=401)


async def test_notifications_filters_dismiss_and_clear(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    lucas, sofia = await api_token(node, "lucas"), await api_token(node, "sofia")
    mention = await _post(http, node.base_url, sofia, "@lucas have a look")
    await call(http, "POST", f"{node.base_url}/api/v1/statuses/{mention['id']}/favourite", lucas)
    own = await _post(http, node.base_url, lucas, "my own post")
    await call(http, "POST", f"{node.base_url}/api/v1/statuses/{own['id']}/favourite", sofia)
    url = f"{node.base_url}/api/v1/notifications"
    everything = await call(http, "GET", url, lucas)
    assert [n["type"] for n in everything] == ["favourite", "mention"]
    assert everything[0]["account"]["username"] == "sofia" and everything[0]["status"]["id"] == own["id"]
    only = await call(http, "GET", url, lucas, params={"types[]": "mention"})
    assert [n["type"] for n in only] == ["mention"]
    excluded = await call(http, "GET", url, lucas, params={"exclude_types[]": "mention"})
    assert [n["type"] for n in excluded] == ["favourite"]
    assert (await call(http, "GET", f"{url}/unread_count", lucas))["count"] == 2
    one = await call(http, "GET", f"{url}/{everything[1]['id']}", lucas)
    assert one["type"] == "mention"
    await call(http, "GET", f"{url}/{everything[1]['id']}", sofia, status=404)
    await call(http, "POST", f"{url}/{everything[1]['id']}/dismiss", sofia, status=404)
    await call(http, "POST", f"{url}/{everything[1]['id']}/dismiss", lucas)
    assert [n["type"] for n in await call(http, "GET", url, lucas)] == ["favourite"]
    await call(http, "POST", f"{url}/clear", lucas)
    assert await call(http, "GET", url, lucas) == []
    read_only = await api_token(node, "lucas", scopes="read")
    await call(http, "POST", f"{url}/clear", read_only, status=403)


async def test_bookmarks_and_favourites_lists(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    hugo, sofia = await api_token(node, "hugo"), await api_token(node, "sofia")
    posts = [await _post(http, node.base_url, sofia, f"worth keeping {n}") for n in range(3)]
    for post in (posts[2], posts[0]):  # marked in this order: lists show the latest mark first
        await call(http, "POST", f"{node.base_url}/api/v1/statuses/{post['id']}/bookmark", hugo)
        await call(http, "POST", f"{node.base_url}/api/v1/statuses/{post['id']}/favourite", hugo)
    for kind, flag in (("bookmarks", "bookmarked"), ("favourites", "favourited")):
        listed = await call(http, "GET", f"{node.base_url}/api/v1/{kind}", hugo)
        assert [s["id"] for s in listed] == [posts[0]["id"], posts[2]["id"]], kind
        assert all(s[flag] for s in listed)
    assert await call(http, "GET", f"{node.base_url}/api/v1/bookmarks", sofia) == []


async def test_search_finds_people_by_directory_attributes(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    hugo = await api_token(node, "hugo")
    url = f"{node.base_url}/api/v2/search"
    by_skill = await call(http, "GET", url, hugo, params={"q": "kubernetes", "type": "accounts"})
    assert [a["username"] for a in by_skill["accounts"]] == ["thomas"]
    by_site = await call(http, "GET", url, hugo, params={"q": "Montréal", "type": "accounts"})
    people = {a["username"] for a in by_site["accounts"] if not a["group"]}
    assert people == {"lucas", "olivia", "chloe"}
    assert [a["username"] for a in by_site["accounts"] if a["group"]] == ["montreal"], "the site's community, by name"
    exact = await call(http, "GET", url, hugo, params={"q": f"@sofia@{node.domain}"})
    assert [a["username"] for a in exact["accounts"]] == ["sofia"]
    await _post(http, node.base_url, hugo, "Notes on #PostgreSQL replication")
    tags = await call(http, "GET", url, hugo, params={"q": "#postgres", "type": "hashtags"})
    assert [t["name"] for t in tags["hashtags"]] == ["PostgreSQL"]
    elsewhere = await call(http, "GET", url, hugo, params={"q": "@sofia@elsewhere.example", "type": "accounts"})
    assert elsewhere["accounts"] == [], "a handle on another domain is not our sofia"
    markup = await call(http, "GET", url, hugo, params={"q": "href", "type": "statuses"})
    assert markup["statuses"] == [], "posts are searched by what people wrote, not their HTML"
    anonymous = await call(http, "GET", url, params={"q": "replication"})
    assert anonymous["statuses"] == [], "post search needs a signed-in searcher"
    await call(http, "GET", url, hugo, params={"q": "x", "type": "everything"}, status=422)
