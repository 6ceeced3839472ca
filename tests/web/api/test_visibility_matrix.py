"""Visibility is sacred: each post reaches exactly who it was addressed to, through every read path.

sofia writes one reply of each visibility under a public post of hers, each mentioning emma and
tagged #matrix. The viewers: sofia herself, hugo (a follower), emma (mentioned, not a follower),
camille (neither) and an anonymous caller. Every path is asked by every viewer (a list's timeline by
its owner, hugo).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory
from tests.signed_fetch import SigningKey, signed_get_json

VISIBILITIES = ("public", "unlisted", "private", "direct")
VIEWERS = ("sofia", "hugo", "emma", "camille", None)
# Who may read each visibility (the rule in actors/visibility.py, written out by hand here).
READERS: dict[str, set[str | None]] = {
    "public": {"sofia", "hugo", "emma", "camille", None},
    "unlisted": {"sofia", "hugo", "emma", "camille", None},
    "private": {"sofia", "hugo", "emma"},
    "direct": {"sofia", "emma"},
}


class World:
    """The node, tokens, and the posts made for the matrix."""

    def __init__(self, node: Node, tokens: dict[str | None, str | None]) -> None:
        self.node, self.tokens = node, tokens
        self.root: dict[str, Any] = {}
        self.posts: dict[str, dict[str, Any]] = {}

    def url(self, path: str) -> str:
        return f"{self.node.base_url}{path}"

    def expected(self, viewer: str | None) -> set[str]:
        return {v for v in VISIBILITIES if viewer in READERS[v]}

    def seen(self, statuses: list[dict[str, Any]]) -> set[str]:
        ids = {s["id"]: v for v, s in self.posts.items()}
        return {ids[s["id"]] for s in statuses if s["id"] in ids}


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    factory = NodeFactory(tmp_path_factory.mktemp("matrix"))
    node = await asyncio.to_thread(factory.create, demo=True)
    tokens: dict[str | None, str | None] = {name: await api_token(node, name) for name in VIEWERS if name}
    tokens[None] = None
    w = World(node, tokens)
    async with aiohttp.ClientSession() as http:
        w.root = await call(
            http,
            "POST",
            w.url("/api/v1/statuses"),
            tokens["sofia"],
            data={"status": "Root of the matrix", "visibility": "public"},
        )
        for visibility in VISIBILITIES:
            w.posts[visibility] = await call(
                http,
                "POST",
                w.url("/api/v1/statuses"),
                tokens["sofia"],
                data={
                    "status": f"@emma {visibility} secret-{visibility} #matrix",
                    "visibility": visibility,
                    "in_reply_to_id": w.root["id"],
                },
            )
    yield w
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def http() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_single_post(world: World, http: aiohttp.ClientSession, viewer: str | None) -> None:
    for visibility, post in world.posts.items():
        status = 200 if viewer in READERS[visibility] else 404
        await call(http, "GET", world.url(f"/api/v1/statuses/{post['id']}"), world.tokens[viewer], status=status)
        for path in ("favourited_by", "reblogged_by", "context"):
            await call(
                http, "GET", world.url(f"/api/v1/statuses/{post['id']}/{path}"), world.tokens[viewer], status=status
            )


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_thread(world: World, http: aiohttp.ClientSession, viewer: str | None) -> None:
    context = await call(http, "GET", world.url(f"/api/v1/statuses/{world.root['id']}/context"), world.tokens[viewer])
    assert world.seen(context["descendants"]) == world.expected(viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_profile_posts(world: World, http: aiohttp.ClientSession, viewer: str | None) -> None:
    sofia = world.root["account"]["id"]
    statuses = await call(
        http, "GET", world.url(f"/api/v1/accounts/{sofia}/statuses"), world.tokens[viewer], params={"limit": "40"}
    )
    assert world.seen(statuses) == world.expected(viewer)


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v])
async def test_home_timeline(world: World, http: aiohttp.ClientSession, viewer: str) -> None:
    home = await call(http, "GET", world.url("/api/v1/timelines/home"), world.tokens[viewer], params={"limit": "40"})
    # Home holds what one follows, is mentioned in, or wrote; never more than one may read.
    assert world.seen(home) == world.expected(viewer) - ({"public", "unlisted"} if viewer == "camille" else set())


async def test_list_timeline(world: World, http: aiohttp.ClientSession) -> None:
    """hugo's list of sofia shows what hugo may read; emma, who does not follow sofia, cannot list her."""
    sofia = {"account_ids[]": world.root["account"]["id"]}
    lists = world.url("/api/v1/lists")
    mine = await call(http, "POST", lists, world.tokens["hugo"], data={"title": "Matrix"})
    await call(http, "POST", f"{lists}/{mine['id']}/accounts", world.tokens["hugo"], data=sofia)
    timeline = world.url(f"/api/v1/timelines/list/{mine['id']}")
    assert world.seen(await call(http, "GET", timeline, world.tokens["hugo"])) == world.expected("hugo")
    hers = await call(http, "POST", lists, world.tokens["emma"], data={"title": "Matrix"})
    await call(http, "POST", f"{lists}/{hers['id']}/accounts", world.tokens["emma"], status=422, data=sofia)
    for viewer in ("emma", "camille", "sofia"):
        await call(http, "GET", timeline, world.tokens[viewer], status=404)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_public_and_tag_timelines(world: World, http: aiohttp.ClientSession, viewer: str | None) -> None:
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/public?local=true", "/api/v1/timelines/tag/matrix"):
        statuses = await call(http, "GET", world.url(path), world.tokens[viewer])
        assert world.seen(statuses) == {"public"}, path


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v])
async def test_notifications(world: World, http: aiohttp.ClientSession, viewer: str) -> None:
    notifications = await call(http, "GET", world.url("/api/v1/notifications"), world.tokens[viewer])
    seen = world.seen([n["status"] for n in notifications if n["status"]])
    assert seen <= world.expected(viewer)
    if viewer == "emma":
        mentions = [n for n in notifications if n["type"] == "mention"]
        assert world.seen([n["status"] for n in mentions]) == set(VISIBILITIES)


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v])
async def test_conversations_and_direct_timeline(world: World, http: aiohttp.ClientSession, viewer: str) -> None:
    conversations = await call(http, "GET", world.url("/api/v1/conversations"), world.tokens[viewer])
    direct = await call(http, "GET", world.url("/api/v1/timelines/direct"), world.tokens[viewer])
    addressed = world.expected(viewer) & {"direct"}  # only direct posts make conversations
    assert world.seen([c["last_status"] for c in conversations]) == addressed
    assert world.seen(direct) == addressed


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v])
async def test_search(world: World, http: aiohttp.ClientSession, viewer: str) -> None:
    result = await call(
        http, "GET", world.url("/api/v2/search"), world.tokens[viewer], params={"q": "secret-", "type": "statuses"}
    )
    assert world.seen(result["statuses"]) == world.expected(viewer)


async def test_private_posts_cannot_be_boosted(world: World, http: aiohttp.ClientSession) -> None:
    for visibility in ("private", "direct"):
        post = world.posts[visibility]
        await call(
            http,
            "POST",
            world.url(f"/api/v1/statuses/{post['id']}/reblog"),
            world.tokens["hugo"] if visibility == "private" else world.tokens["emma"],
            status=422,
        )


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_interactions_on_unseen_posts_are_404(
    world: World, http: aiohttp.ClientSession, viewer: str | None
) -> None:
    if viewer is None:
        return
    for visibility, post in world.posts.items():
        if viewer not in READERS[visibility]:
            for action in ("favourite", "bookmark", "reblog"):
                await call(
                    http, "POST", world.url(f"/api/v1/statuses/{post['id']}/{action}"), world.tokens[viewer], status=404
                )


async def test_web_pages_and_activitypub(world: World, http: aiohttp.ClientSession, peer_reader: SigningKey) -> None:
    """Pages are for anyone; post ids answer signed GETs only (secure mode), and a stranger's only for
    what anyone may read (signed GETs by followers and mentioned people: tests/web/test_authorized_fetch.py)."""
    async with http.get(world.url("/@sofia")) as response:
        html = await response.text()
    assert "secret-public" in html
    assert not any(f"secret-{v}" in html for v in ("unlisted", "private", "direct"))
    for visibility, post in world.posts.items():
        readable_by_anyone = visibility in ("public", "unlisted")
        async with http.get(post["url"]) as response:
            assert (response.status == 200) == readable_by_anyone, visibility
        async with http.get(post["uri"], headers={"Accept": "application/activity+json"}) as response:
            assert response.status == 401, visibility
        await signed_get_json(http, post["uri"], peer_reader, status=200 if readable_by_anyone else 404)
