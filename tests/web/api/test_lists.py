"""Lists through Mastodon.py: members, their timeline (replies, visibility), exclusive lists and home, privacy.

hugo (demo company) follows sofia, lucas, amina, thomas and claire, not mehdi nor nathalie. Every
check reads what an app would read: the list timeline, the home timeline, the members.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from mastodon import Mastodon
from sqlalchemy import select

from essaim.actors.lists import lists_receiving
from essaim.actors.models import Status
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.helpers import database

PEOPLE = ("hugo", "sofia", "lucas", "amina", "thomas", "mehdi")


def _markers(statuses: list[Any]) -> set[str]:
    """The marker (first word) of each post of a page."""
    return {re.sub(r"<[^>]+>", "", s["content"]).split()[0] for s in statuses}


def _list_markers(client: Mastodon, list_id: str) -> set[str]:
    return _markers(client.timeline_list(list_id, limit=40))


def _home_markers(client: Mastodon) -> set[str]:
    return _markers(client.timeline_home(limit=40))


def _accounts(client: Mastodon, *names: str) -> list[str]:
    return [str(client.account_lookup(name)["id"]) for name in names]


async def _clients(node: Node) -> dict[str, Mastodon]:
    return {name: mastodon(node, await api_token(node, name)) for name in PEOPLE}


# sofia (a member of hugo's list) replies to each of these; the marker of her reply.
REPLIES = {"sofia": "to-self", "hugo": "to-owner", "lucas": "to-member", "amina": "to-followed", "mehdi": "to-stranger"}


def _replies_follow_the_policy(app: dict[str, Mastodon], team: str) -> None:
    """Replies to oneself and to the owner always show; to members (`list`), to followed people (`followed`)."""
    hugo = app["hugo"]
    for name, marker in REPLIES.items():
        parent = app[name].status_post(f"parent-of-{marker} by {name}")
        app["sofia"].status_post(f"{marker} a reply", in_reply_to_id=parent["id"])

    def shown(policy: str) -> set[str]:
        assert hugo.list_update(team, "Team", replies_policy=policy)["replies_policy"] == policy
        return _list_markers(hugo, team) & set(REPLIES.values())

    always = {"to-self", "to-owner"}
    assert shown("list") == always | {"to-member"}
    assert shown("followed") == always | {"to-member", "to-followed"}, "hugo follows lucas and amina, not mehdi"
    assert shown("none") == always
    shown("list")


def _journey(app: dict[str, Mastodon]) -> tuple[str, str]:
    hugo = app["hugo"]
    sofia_id, lucas_id, amina_id, thomas_id = _accounts(hugo, "sofia", "lucas", "amina", "thomas")
    team = hugo.list_create("Team")
    assert (team["title"], team["replies_policy"], team["exclusive"]) == ("Team", "list", False)
    hugo.list_accounts_add(team, [sofia_id, lucas_id])
    assert [a["acct"] for a in hugo.list_accounts(team)] == ["lucas", "sofia"], "most recently added first"
    assert [x["id"] for x in hugo.account_lists(sofia_id)] == [team["id"]]
    assert hugo.account_lists(amina_id) == []

    app["sofia"].status_post("sofia-public in the team")
    app["lucas"].status_post("lucas-private for followers", visibility="private")
    app["sofia"].status_post("sofia-direct @lucas only", visibility="direct")
    app["amina"].status_post("amina-public not a member")
    listed = _list_markers(hugo, team["id"])
    assert {"sofia-public", "lucas-private"} <= listed
    assert not listed & {"sofia-direct", "amina-public"}, "a direct post to someone else, a non-member's post"
    _replies_follow_the_policy(app, team["id"])

    # Exclusive: thomas's posts leave hugo's home; sofia's (in a plain list) stay.
    quiet = hugo.list_create("Quiet", exclusive=True)
    assert quiet["exclusive"] is True
    hugo.list_accounts_add(quiet, [thomas_id])
    app["thomas"].status_post("thomas-post only in quiet")
    assert "thomas-post" in _list_markers(hugo, quiet["id"])
    assert "thomas-post" not in _home_markers(hugo) and "sofia-public" in _home_markers(hugo)
    hugo.list_update(quiet, "Quiet", exclusive=False)
    assert "thomas-post" in _home_markers(hugo), "no longer exclusive: back in home"
    hugo.list_update(quiet, "Quiet", exclusive=True)

    # Unfollowing lucas takes him out of the list, and his followers-only post with him.
    hugo.account_unfollow(lucas_id)
    assert [a["acct"] for a in hugo.list_accounts(team)] == ["sofia"]
    assert hugo.account_lists(lucas_id) == []
    assert "lucas-private" not in _list_markers(hugo, team["id"])
    return team["id"], quiet["id"]


async def test_lists_timelines_and_home(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    app = await _clients(node)
    team, quiet = await asyncio.to_thread(_journey, app)
    hugo = (await asyncio.to_thread(app["hugo"].account_verify_credentials))["id"]
    async with database(node.database_url) as session:
        stored = {
            s.content.split()[0].removeprefix("<p>"): s
            for s in (await session.scalars(select(Status).where(Status.reblog_of_id.is_(None)))).all()
        }
        assert await lists_receiving(session, stored["sofia-public"]) == [(int(hugo), int(team))]
        assert await lists_receiving(session, stored["thomas-post"]) == [(int(hugo), int(quiet))]
        assert await lists_receiving(session, stored["to-stranger"]) == [], "replies_policy list"
        assert await lists_receiving(session, stored["sofia-direct"]) == [], "hugo may not read it"
        assert await lists_receiving(session, stored["amina-public"]) == []

    # Another person's list does not exist for them, on any path.
    sofia = await api_token(node, "sofia")
    base = f"{node.base_url}/api/v1/lists/{team}"
    for method, url in [("GET", base), ("PUT", base), ("DELETE", base), ("GET", f"{base}/accounts")] + [
        ("GET", f"{node.base_url}/api/v1/timelines/list/{team}")
    ]:
        await call(http, method, url, sofia, status=404, data={"title": "mine now"})
    await call(http, "POST", f"{base}/accounts", sofia, status=404, data={"account_ids[]": hugo})
    # sofia's own lists are only her communities (which hugo shares with her), never hugo's lists.
    for path in ("/api/v1/lists", f"/api/v1/accounts/{hugo}/lists"):
        assert not {x["id"] for x in await call(http, "GET", f"{node.base_url}{path}", sofia)} & {team, quiet}

    # Deleting a list: gone for its owner too.
    owner = await api_token(node, "hugo")
    assert await call(http, "DELETE", f"{node.base_url}/api/v1/lists/{quiet}", owner) == {}
    await call(http, "GET", f"{node.base_url}/api/v1/timelines/list/{quiet}", owner, status=404)
    remaining = {x["id"] for x in await call(http, "GET", f"{node.base_url}/api/v1/lists", owner)}
    assert team in remaining and quiet not in remaining


async def test_bad_input_scopes_and_paging(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    token = await api_token(node, "claire")
    lists = f"{node.base_url}/api/v1/lists"
    for fields in ({}, {"title": "   "}, {"title": "x" * 256}, {"title": "ok", "replies_policy": "everyone"}):
        answer = await call(http, "POST", lists, token, status=422, data=fields)
        assert set(answer) == {"error"}
    await call(http, "POST", lists, token, status=422, data={"title": "ok", "exclusive": "maybe"})
    made = await call(http, "POST", lists, token, json={"title": "Friends", "replies_policy": "none"})
    assert made["replies_policy"] == "none"
    members = f"{lists}/{made['id']}/accounts"
    claire = mastodon(node, token)
    followed = await asyncio.to_thread(_accounts, claire, "mehdi", "julie", "olivia", "hugo", "marc")
    stranger = (await asyncio.to_thread(_accounts, claire, "sofia"))[0]
    await call(http, "POST", members, token, status=422, data={"account_ids[]": [followed[0], stranger]})
    await call(http, "POST", members, token, status=404, data={"account_ids[]": "999999999"})
    await call(http, "POST", members, token, status=422, data={})
    assert await call(http, "GET", members, token) == [], "a refused request adds nobody"
    await call(http, "POST", members, token, data={"account_ids[]": followed})
    await call(http, "POST", members, token, data={"account_ids[]": followed[:1]})  # again: harmless
    await call(http, "PUT", f"{lists}/{made['id']}", token, status=422, data={"title": ""})
    await call(http, "GET", f"{lists}/123", token, status=404)
    await call(http, "GET", f"{node.base_url}/api/v1/timelines/list/abc", token, status=404)

    pages = await asyncio.to_thread(lambda: claire.fetch_remaining(claire.list_accounts(made["id"], limit=2)))
    assert [a["id"] for a in pages] == followed[::-1], "paged by when added, newest first, through Link"
    async with http.get(members, params={"limit": "0"}, headers={"Authorization": f"Bearer {token}"}) as response:
        assert "Link" not in response.headers
        assert [a["id"] for a in await response.json()] == followed[::-1], "limit=0: everyone at once"
    await call(http, "DELETE", members, token, data={"account_ids[]": followed[1:]})
    assert [a["id"] for a in await call(http, "GET", members, token)] == followed[:1]

    reader = await api_token(node, "claire", "read")
    await call(http, "POST", lists, reader, status=403, data={"title": "no"})
    await call(http, "POST", members, reader, status=403, data={"account_ids[]": followed})
    titles = [x["title"] for x in await call(http, "GET", lists, await api_token(node, "claire", "read:lists"))]
    assert titles.count("Friends") == 1
    await call(http, "GET", lists, await api_token(node, "claire", "read:statuses"), status=403)
    await call(http, "GET", lists, status=401)
