"""Grouped notifications (`/api/v2/notifications`) through Mastodon.py and plain HTTP.

In the demo company hugo posts; amina, lucas and camille favourite the post, amina and lucas boost
it, camille mentions him twice, camille and nathalie follow him. His grouped notifications hold one
favourite group of three, one boost group of two, one follow group, and each mention alone; the
v1 notifications carry the same keys. A group is read whole, its accounts listed, dismissed; paging
by groups never skips a notification. Nobody else reaches hugo's groups by their keys, and a
followers-only post's favourite stays with its author.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("grouped"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    names = ("hugo", "amina", "lucas", "camille", "sofia", "nathalie")
    return {name: await person(http, node, name) for name in names}


def groups_about(results: Any, status_id: str) -> dict[str, Any]:
    """The groups of a GroupedNotificationsResults about one post, by type."""
    found = [g for g in results["notification_groups"] if g.get("status_id") == status_id]
    return {g["type"]: g for g in found}


async def test_favourites_boosts_and_follows_group_and_mentions_stand_alone(people: dict[str, Person]) -> None:
    hugo, amina, lucas, camille, nathalie = (people[n] for n in ("hugo", "amina", "lucas", "camille", "nathalie"))
    post = await hugo.post("Quarterly plan, comments welcome", "public")
    for fan in (amina, lucas, camille):
        await fan.api("POST", f"/api/v1/statuses/{post['id']}/favourite")
    for booster in (amina, lucas):
        await booster.api("POST", f"/api/v1/statuses/{post['id']}/reblog")
    mentions = [await camille.post(f"@hugo question {n} on the plan", "public") for n in (1, 2)]
    for follower in (nathalie, camille):
        await follower.api("POST", f"/api/v1/accounts/{(await follower.lookup('hugo'))['id']}/follow")

    results = await asyncio.to_thread(hugo.app.grouped_notifications, limit=40)
    about = groups_about(results, post["id"])
    assert set(about) == {"favourite", "reblog"}
    ids = {name: (await hugo.lookup(name))["id"] for name in ("amina", "lucas", "camille", "nathalie")}
    assert about["favourite"]["notifications_count"] == 3
    assert set(about["favourite"]["sample_account_ids"]) == {ids["amina"], ids["lucas"], ids["camille"]}
    assert about["reblog"]["notifications_count"] == 2
    follows = [g for g in results["notification_groups"] if g["type"] == "follow"]
    assert len(follows) == 1 and {ids["nathalie"], ids["camille"]} <= set(follows[0]["sample_account_ids"])
    mention_groups = [g for g in results["notification_groups"] if g.get("status_id") in {m["id"] for m in mentions}]
    assert len(mention_groups) == 2 and all(g["group_key"].startswith("ungrouped-") for g in mention_groups)
    assert [s["id"] for s in results["statuses"] if s["id"] == post["id"]] == [post["id"]]
    given = {a["id"] for a in results["accounts"]} | {a["id"] for a in results.get("partial_accounts", [])}
    assert set(ids.values()) <= given

    v1 = await hugo.api("GET", "/api/v1/notifications", params={"types[]": "favourite", "limit": "30"})
    assert {n["group_key"] for n in v1 if n["status"]["id"] == post["id"]} == {about["favourite"]["group_key"]}

    apart = await hugo.api("GET", "/api/v2/notifications", params={"grouped_types[]": "reblog", "limit": "40"})
    favourites = [
        g for g in apart["notification_groups"] if g.get("status_id") == post["id"] and g["type"] == "favourite"
    ]
    assert len(favourites) == 3 and all(g["notifications_count"] == 1 for g in favourites)
    only = await hugo.api("GET", "/api/v2/notifications", params={"types[]": "reblog", "expand_accounts": "full"})
    assert {g["type"] for g in only["notification_groups"]} == {"reblog"} and "partial_accounts" not in only


async def test_a_group_is_read_listed_and_dismissed_by_its_owner_only(people: dict[str, Person]) -> None:
    lucas, hugo, sofia, camille = people["lucas"], people["hugo"], people["sofia"], people["camille"]
    post = await lucas.post("Offsite venue shortlist", "private")  # followers-only: hugo and sofia follow lucas
    for fan in (hugo, sofia):
        await fan.api("POST", f"/api/v1/statuses/{post['id']}/favourite")
    await camille.api("POST", f"/api/v1/statuses/{post['id']}/favourite", status=404)
    key = groups_about(await lucas.api("GET", "/api/v2/notifications"), post["id"])["favourite"]["group_key"]

    whole = await asyncio.to_thread(lucas.app.grouped_notification, key)
    assert whole["notification_groups"][0]["notifications_count"] == 2
    accounts = await asyncio.to_thread(lucas.app.grouped_notification_accounts, key)
    assert {a["acct"] for a in accounts} == {"hugo", "sofia"}

    for other in (camille, hugo):
        await other.api("GET", f"/api/v2/notifications/{key}", status=404)
        assert await other.api("GET", f"/api/v2/notifications/{key}/accounts") == []
        await other.api("POST", f"/api/v2/notifications/{key}/dismiss")
        seen = await other.api("GET", "/api/v2/notifications", params={"limit": "80"})
        assert not groups_about(seen, post["id"]) and post["id"] not in {s["id"] for s in seen["statuses"]}
    assert (await lucas.api("GET", f"/api/v2/notifications/{key}"))["notification_groups"][0][
        "notifications_count"
    ] == 2

    before = await asyncio.to_thread(lucas.app.unread_grouped_notifications_count)
    await asyncio.to_thread(lucas.app.dismiss_grouped_notification, key)
    await lucas.api("GET", f"/api/v2/notifications/{key}", status=404)
    assert await asyncio.to_thread(lucas.app.unread_grouped_notifications_count) == before - 1
    await lucas.api("GET", "/api/v2/notifications/nonsense-key", status=404)
    await lucas.api("GET", f"/api/v2/notifications/ungrouped-{2**64}", status=404)
    anonymous = Person(lucas.http, lucas.node, "anonymous", None)
    await anonymous.api("GET", "/api/v2/notifications", status=401)


async def test_paging_by_groups_skips_nothing(people: dict[str, Person]) -> None:
    lucas, camille = people["lucas"], people["camille"]
    posts = [await lucas.post(f"Paging note {n}", "public") for n in range(5)]
    for post in posts:
        await camille.api("POST", f"/api/v1/statuses/{post['id']}/favourite")
    await camille.post("@lucas ping about the notes", "public")

    seen: list[str] = []
    page = await asyncio.to_thread(lucas.app.grouped_notifications, limit=2, types=["favourite"])
    for _ in range(10):  # follows the `Link` header, as apps do
        if not page or not page["notification_groups"]:
            break
        assert len(page["notification_groups"]) <= 2
        seen += [g["status_id"] for g in page["notification_groups"]]
        page = await asyncio.to_thread(lucas.app.fetch_next, page)
    assert [p["id"] for p in reversed(posts)] == [s for s in seen if s in {p["id"] for p in posts}]
    since = {"min_id": min(p["id"] for p in posts), "types[]": "favourite", "limit": "2"}
    forward = await lucas.api("GET", "/api/v2/notifications", params=since)
    assert [g["status_id"] for g in forward["notification_groups"]] == [posts[1]["id"], posts[0]["id"]]
