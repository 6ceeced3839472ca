"""`/api/v1/statuses`: posting, reading, editing, deleting, threads, and interactions, as Mastodon apps use them.

One demo node serves the whole module; each test uses its own posts (and its own pinner), so
the tests do not depend on one another. Who follows whom (cli/demo_data.toml): hugo, lucas,
julie and thomas follow sofia; camille and emma do not; lucas and amina follow hugo.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from essaim.actors.accounts import account_by_handle
from essaim.actors.models import (
    Favourite,
    HomeFeedEntry,
    MediaAttachment,
    Mention,
    Notification,
    Status,
    StatusEdit,
    StatusTag,
    Tag,
)
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.helpers import database

PEOPLE = ("sofia", "hugo", "camille", "emma", "lucas", "pierre", "julie")


@dataclass
class Site:
    node: Node
    tokens: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.node.base_url}/api/v1{path}"

    async def post(self, http: aiohttp.ClientSession, who: str, text: str, **fields: Any) -> Any:
        """A post that must succeed; `fields` are the other form fields."""
        return await call(http, "POST", self.url("/statuses"), self.tokens[who], data={"status": text} | fields)

    async def act(
        self, http: aiohttp.ClientSession, who: str | None, method: str, path: str, *, status: int = 200
    ) -> Any:
        return await call(http, method, self.url(path), self.tokens[who] if who else None, status=status)


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    factory = NodeFactory(tmp_path_factory.mktemp("statuses"))
    node = factory.create(demo=True)
    yield Site(node, {name: await api_token(node, name) for name in PEOPLE})
    await asyncio.to_thread(factory.close)  # it drops PostgreSQL databases with asyncio.run()


async def _count(site: Site, query: Any) -> int:
    async with database(site.node.database_url) as session:
        return int(await session.scalar(query) or 0)


async def _notifications(site: Site, status_id: str, kind: str) -> set[int]:
    async with database(site.node.database_url) as session:
        query = select(Notification.recipient_id).where(
            Notification.status_id == int(status_id), Notification.type == kind
        )
        return set((await session.scalars(query)).all())


async def _actor_ids(site: Site) -> dict[str, int]:
    async with database(site.node.database_url) as session:
        accounts = {name: await account_by_handle(session, name) for name in PEOPLE}
    return {name: account.actor_id for name, account in accounts.items() if account is not None}


# --- posting -------------------------------------------------------------------------------------------


async def test_post_renders_like_mastodon_and_notifies_mentions(site: Site, http: aiohttp.ClientSession) -> None:
    domain = site.node.domain
    text = f"Hi @hugo and @emma@{domain} and @nobody! #Launch <b>now</b>\nhttps://example.com/{'p' * 40}\n\nBye"
    status = await site.post(http, "sofia", text, spoiler_text="news", language="en")
    base = site.node.base_url
    assert status["content"] == (
        f'<p>Hi <span class="h-card"><a href="{base}/@hugo" class="u-url mention">@<span>hugo</span></a></span> and '
        f'<span class="h-card"><a href="{base}/@emma" class="u-url mention">@<span>emma</span></a></span> and '
        f'@nobody! <a href="{base}/tags/launch" class="mention hashtag" rel="tag">#<span>Launch</span></a> '
        f'&lt;b&gt;now&lt;/b&gt;<br><a href="https://example.com/{"p" * 40}" rel="nofollow noopener noreferrer" '
        'target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.com/'
        f'{"p" * 18}</span><span class="invisible">{"p" * 22}</span></a></p><p>Bye</p>'
    )
    assert [m["acct"] for m in status["mentions"]] == ["hugo", "emma"]
    assert status["tags"] == [{"name": "Launch", "url": f"{base}/tags/launch"}]
    assert status["visibility"] == "public" and status["language"] == "en"
    assert status["spoiler_text"] == "news" and status["sensitive"] is True, "a content warning makes a post sensitive"
    assert status["application"] == {"name": "Essaim tests", "website": None}
    account = status["account"]["id"]
    assert status["uri"] == f"{base}/users/{account}/statuses/{status['id']}"
    assert status["url"] == f"{base}/@sofia/{status['id']}"
    for key in ("in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card", "edited_at"):
        assert status[key] is None, key
    assert status["favourited"] is False and status["pinned"] is False
    ids = await _actor_ids(site)
    assert await _notifications(site, status["id"], "mention") == {ids["hugo"], ids["emma"]}
    again = await site.post(http, "hugo", "#launch again")
    assert again["tags"][0]["name"] == "Launch", "a tag keeps the spelling it was first written with"
    assert await _count(site, select(func.count()).select_from(Tag).where(Tag.name == "launch")) == 1
    shown = await site.act(http, None, "GET", f"/statuses/{status['id']}")
    assert shown["content"] == status["content"] and "favourited" not in shown, "anonymous readers get no own flags"


async def test_defaults_come_from_the_account(site: Site, http: aiohttp.ClientSession) -> None:
    async with database(site.node.database_url) as session:
        pierre = await account_by_handle(session, "pierre")
        assert pierre is not None
        pierre.default_visibility, pierre.default_language, pierre.default_sensitive = "unlisted", "fr", True
    status = await site.post(http, "pierre", "Bonjour")
    assert (status["visibility"], status["language"], status["sensitive"]) == ("unlisted", "fr", True)
    explicit = await site.post(http, "pierre", "Hello", visibility="public", language="", sensitive="false")
    assert (explicit["visibility"], explicit["language"], explicit["sensitive"]) == ("public", None, False)


async def test_idempotency_key_replays_the_first_post(site: Site, http: aiohttp.ClientSession) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['julie']}", "Idempotency-Key": "retry-1"}
    results = []
    for text in ("Once only", "Once only (retried)"):
        async with http.post(site.url("/statuses"), headers=headers, data={"status": text}) as response:
            assert response.status == 200
            results.append(await response.json())
    assert results[0]["id"] == results[1]["id"] and results[1]["content"] == "<p>Once only</p>"
    assert (
        await _count(site, select(func.count()).select_from(Status).where(Status.source_text.like("Once only%"))) == 1
    )
    headers["Idempotency-Key"] = "retry-2"
    async with http.post(site.url("/statuses"), headers=headers, data={"status": "Once only"}) as response:
        assert (await response.json())["id"] != results[0]["id"], "another key is another post"


async def _media(site: Site, owner: str, *, state: str = "ready") -> int:
    """A media row as the upload endpoint leaves it (uploading is another module's job)."""
    async with database(site.node.database_url) as session:
        account = await account_by_handle(session, owner)
        assert account is not None
        media = MediaAttachment(actor_id=account.actor_id, state=state, mime_type="image/png", file_name=f"{owner}.png")
        session.add(media)
        await session.flush()
        return media.id


async def test_bad_input_is_refused_and_nothing_is_stored(site: Site, http: aiohttp.ClientSession) -> None:
    ids = await _actor_ids(site)
    own_media, others_media = await _media(site, "camille"), await _media(site, "hugo")
    processing = await _media(site, "camille", state="processing")
    private = await site.post(http, "sofia", "followers only", visibility="private")
    before = await _count(site, select(func.count()).select_from(Status).where(Status.actor_id == ids["camille"]))
    tags_before = await _count(site, select(func.count()).select_from(Tag))
    long_url = "https://example.com/" + "u" * 200
    assert (await site.post(http, "camille", "x" * 470 + " " + long_url))["id"], "a URL counts 23 characters"
    before += 1
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"status": "x" * 501}, 422, "character limit of 500"),
        ({"status": "x" * 490, "spoiler_text": "y" * 11}, 422, "character limit of 500"),
        ({"status": "   "}, 422, "Text can't be blank"),
        ({"status": "#newtag hi", "visibility": "everyone"}, 422, "Visibility must be one of"),
        ({"status": "hi", "language": "not a language"}, 422, "BCP 47"),
        ({"status": "#newtag", "poll[options][]": list("abcde"), "poll[expires_in]": "600"}, 422, "at most 4 options"),
        ({"status": "q", "poll[options][]": ["a"], "poll[expires_in]": "600"}, 422, "at least 2 options"),
        ({"status": "q", "poll[options][]": ["a", "a"], "poll[expires_in]": "600"}, 422, "different"),
        ({"status": "q", "poll[options][]": ["a", "b" * 51], "poll[expires_in]": "600"}, 422, "50 characters"),
        ({"status": "q", "poll[options][]": ["a", "b"], "poll[expires_in]": "60"}, 422, "at least 300 seconds"),
        ({"status": "q", "poll[options][]": ["a", "b"], "poll[expires_in]": "9999999"}, 422, "at most"),
        ({"status": "q", "poll[options][]": ["a", "b"]}, 422, "poll[expires_in] is required"),
        ({"status": "q", "media_ids[]": "123456789"}, 422, "Media not found: 123456789"),
        ({"status": "q", "media_ids[]": str(others_media)}, 422, f"Media not found: {others_media}"),
        ({"status": "q", "media_ids[]": str(processing)}, 422, "not finished processing"),
        ({"status": "q", "media_ids[]": "abc"}, 422, "media_ids[] must be an id"),
        (
            {"status": "q", "media_ids[]": str(own_media), "poll[options][]": ["a", "b"], "poll[expires_in]": "600"},
            422,
            "both media and a poll",
        ),
        ({"status": "#newtag reply", "in_reply_to_id": private["id"]}, 404, "does not appear to exist"),
        ({"status": "q", "in_reply_to_id": "99999999999"}, 404, "does not appear to exist"),
    ]
    for fields, code, message in refusals:
        body = await call(http, "POST", site.url("/statuses"), site.tokens["camille"], status=code, data=fields)
        assert message in body["error"], (fields, body)
        if code == 422:
            assert body["error"].startswith("Validation failed: ") or "must be" in body["error"], body
    assert (
        await _count(site, select(func.count()).select_from(Status).where(Status.actor_id == ids["camille"])) == before
    )
    assert await _count(site, select(func.count()).select_from(Tag)) == tags_before, "no hashtag of a refused post"
    assert await _count(site, select(MediaAttachment.status_id).where(MediaAttachment.id == own_media)) == 0
    await call(http, "POST", site.url("/statuses"), None, status=401, data={"status": "anonymous"})
    read_only = await api_token(site.node, "camille", "read")
    await call(http, "POST", site.url("/statuses"), read_only, status=403, data={"status": "no write scope"})


async def test_media_are_attached_in_order_and_freed_by_delete(site: Site, http: aiohttp.ClientSession) -> None:
    first, second = await _media(site, "emma"), await _media(site, "emma")
    status = await site.post(http, "emma", "two pictures", **{"media_ids[]": [str(second), str(first)]})
    assert [m["id"] for m in status["media_attachments"]] == [str(second), str(first)]
    assert status["media_attachments"][0]["url"].endswith("/media/emma.png")
    body = await call(
        http,
        "POST",
        site.url("/statuses"),
        site.tokens["emma"],
        status=422,
        data={"status": "again", "media_ids[]": str(first)},
    )
    assert body["error"] == f"Validation failed: Media not found: {first}", "media already in a post cannot be reused"
    five = [str(await _media(site, "emma")) for _ in range(5)]
    body = await call(
        http,
        "POST",
        site.url("/statuses"),
        site.tokens["emma"],
        status=422,
        data={"status": "many", "media_ids[]": five},
    )
    assert body["error"] == "Validation failed: Cannot attach more than 4 files"
    deleted = await site.act(http, "emma", "DELETE", f"/statuses/{status['id']}")
    assert deleted["text"] == "two pictures" and len(deleted["media_attachments"]) == 2
    redraft = await site.post(http, "emma", deleted["text"], **{"media_ids[]": [str(first)]})
    assert [m["id"] for m in redraft["media_attachments"]] == [str(first)], "deleting frees media for a redraft"


# --- reading: visibility -------------------------------------------------------------------------------


async def test_private_and_direct_posts_never_leak(site: Site, http: aiohttp.ClientSession) -> None:
    private = await site.post(http, "sofia", "private words", visibility="private")
    direct = await site.post(http, "sofia", "@emma direct words", visibility="direct")
    paths = ("", "/context", "/favourited_by", "/reblogged_by", "/history")
    for post, readers, others in (
        (private, ("sofia", "hugo"), ("camille", "emma", None)),
        (direct, ("sofia", "emma"), ("hugo", "camille", None)),
    ):
        for path in paths:
            for reader in readers:
                await site.act(http, reader, "GET", f"/statuses/{post['id']}{path}")
            for other in others:
                await site.act(http, other, "GET", f"/statuses/{post['id']}{path}", status=404)
        for other in others:
            if other:
                await site.act(http, other, "GET", f"/statuses/{post['id']}/source", status=404)
                for action in ("favourite", "reblog", "bookmark", "unfavourite", "unreblog", "unbookmark", "pin"):
                    await site.act(http, other, "POST", f"/statuses/{post['id']}/{action}", status=404)
    many = await call(
        http,
        "GET",
        site.url("/statuses"),
        site.tokens["camille"],
        params=[("id[]", private["id"]), ("id[]", direct["id"])],
    )
    assert many == []
    assert [
        s["id"]
        for s in await call(
            http,
            "GET",
            site.url("/statuses"),
            site.tokens["hugo"],
            params=[("id[]", private["id"]), ("id[]", direct["id"])],
        )
    ] == [private["id"]]
    body = await site.act(http, "hugo", "POST", f"/statuses/{private['id']}/reblog", status=422)
    assert body["error"] == "Validation failed: Followers-only and direct posts cannot be boosted"
    await site.act(http, "sofia", "POST", f"/statuses/{private['id']}/reblog", status=422)
    await site.act(http, "emma", "POST", f"/statuses/{direct['id']}/reblog", status=422)
    favourited = await site.act(http, "hugo", "POST", f"/statuses/{private['id']}/favourite")
    assert favourited["favourited"] is True
    await site.act(http, None, "GET", f"/statuses/{private['id']}/favourited_by", status=404)
    assert [a["acct"] for a in await site.act(http, "sofia", "GET", f"/statuses/{private['id']}/favourited_by")] == [
        "hugo"
    ]


async def test_context_walks_the_thread_and_hides_what_the_viewer_cannot_read(
    site: Site, http: aiohttp.ClientSession
) -> None:
    root = await site.post(http, "sofia", "thread root")
    reply = await site.post(http, "hugo", "@sofia a public reply", in_reply_to_id=root["id"])
    hidden = await site.post(http, "sofia", "followers-only reply", in_reply_to_id=reply["id"], visibility="private")
    under_hidden = await site.post(http, "hugo", "public reply under it", in_reply_to_id=hidden["id"])
    second = await site.post(http, "camille", "another branch", in_reply_to_id=root["id"])
    assert reply["in_reply_to_id"] == root["id"] and reply["in_reply_to_account_id"] == root["account"]["id"]
    for viewer, expected in (
        ("hugo", [reply, hidden, under_hidden, second]),
        (None, [reply, under_hidden, second]),
        ("camille", [reply, under_hidden, second]),
    ):
        context = await site.act(http, viewer, "GET", f"/statuses/{root['id']}/context")
        assert [s["id"] for s in context["descendants"]] == [s["id"] for s in expected], viewer
        assert context["ancestors"] == []
    deep = await site.act(http, None, "GET", f"/statuses/{under_hidden['id']}/context")
    assert [s["id"] for s in deep["ancestors"]] == [root["id"], reply["id"]], "the chain goes on past a hidden post"
    deep = await site.act(http, "hugo", "GET", f"/statuses/{under_hidden['id']}/context")
    assert [s["id"] for s in deep["ancestors"]] == [root["id"], reply["id"], hidden["id"]]
    assert (await site.act(http, "sofia", "GET", f"/statuses/{root['id']}"))["replies_count"] == 2


# --- interactions --------------------------------------------------------------------------------------


async def test_favourite_boost_and_bookmark(site: Site, http: aiohttp.ClientSession) -> None:
    ids = await _actor_ids(site)
    post = await site.post(http, "sofia", "interact with me")
    for _ in range(2):
        favourited = await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/favourite")
        assert favourited["favourited"] is True and favourited["favourites_count"] == 1, "favouriting twice is once"
    assert [a["acct"] for a in await site.act(http, None, "GET", f"/statuses/{post['id']}/favourited_by")] == ["hugo"]
    assert await _notifications(site, post["id"], "favourite") == {ids["sofia"]}
    unfavourited = await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/unfavourite")
    assert unfavourited["favourited"] is False and unfavourited["favourites_count"] == 0
    assert await _notifications(site, post["id"], "favourite") == set(), "undo withdraws the notification"

    boost = await call(
        http, "POST", site.url(f"/statuses/{post['id']}/reblog"), site.tokens["hugo"], data={"visibility": "unlisted"}
    )
    assert boost["id"] != post["id"] and boost["reblog"]["id"] == post["id"] and boost["visibility"] == "unlisted"
    assert boost["reblog"]["reblogged"] is True and boost["content"] == ""
    assert (await site.act(http, "hugo", "POST", f"/statuses/{boost['id']}/reblog"))["id"] == boost["id"], (
        "boosting again (even through the boost) returns the same boost"
    )
    assert [a["acct"] for a in await site.act(http, None, "GET", f"/statuses/{post['id']}/reblogged_by")] == ["hugo"]
    assert await _notifications(site, post["id"], "reblog") == {ids["sofia"]}
    feed = select(func.count()).select_from(HomeFeedEntry).where(HomeFeedEntry.status_id == int(boost["id"]))
    lucas_feed = feed.where(HomeFeedEntry.owner_id == ids["lucas"])
    assert await _count(site, lucas_feed) == 1, "lucas follows hugo: the boost is in his home feed"
    assert await _count(site, feed.where(HomeFeedEntry.owner_id == ids["camille"])) == 0
    shown = await site.act(http, "hugo", "GET", f"/statuses/{post['id']}")
    assert shown["reblogs_count"] == 1 and shown["reblogged"] is True
    unboosted = await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/unreblog")
    assert unboosted["id"] == post["id"] and unboosted["reblogged"] is False and unboosted["reblogs_count"] == 0
    await site.act(http, "hugo", "GET", f"/statuses/{boost['id']}", status=404)
    assert await _notifications(site, post["id"], "reblog") == set()
    bad = await call(
        http,
        "POST",
        site.url(f"/statuses/{post['id']}/reblog"),
        site.tokens["hugo"],
        status=422,
        data={"visibility": "direct"},
    )
    assert "visibility" in bad["error"]

    bookmarked = await site.act(http, "camille", "POST", f"/statuses/{post['id']}/bookmark")
    assert bookmarked["bookmarked"] is True
    assert (await site.act(http, "hugo", "GET", f"/statuses/{post['id']}"))["bookmarked"] is False, (
        "bookmarks are private"
    )
    assert (await site.act(http, "camille", "POST", f"/statuses/{post['id']}/unbookmark"))["bookmarked"] is False


async def test_pins_own_posts_but_direct_ones_up_to_five(site: Site, http: aiohttp.ClientSession) -> None:
    posts = [await site.post(http, "lucas", f"pin me {n}", visibility="unlisted" if n else "public") for n in range(6)]
    for post in posts[:5]:
        assert (await site.act(http, "lucas", "POST", f"/statuses/{post['id']}/pin"))["pinned"] is True
    assert (await site.act(http, "lucas", "POST", f"/statuses/{posts[0]['id']}/pin"))["pinned"] is True, "again: fine"
    body = await site.act(http, "lucas", "POST", f"/statuses/{posts[5]['id']}/pin", status=422)
    assert body["error"] == "Validation failed: You have already pinned the maximum number of posts"
    assert (await site.act(http, "lucas", "POST", f"/statuses/{posts[0]['id']}/unpin"))["pinned"] is False
    assert (await site.act(http, "lucas", "POST", f"/statuses/{posts[5]['id']}/pin"))["pinned"] is True
    direct = await site.post(http, "lucas", "mine, direct", visibility="direct")
    body = await site.act(http, "lucas", "POST", f"/statuses/{direct['id']}/unpin")
    assert body["pinned"] is False
    body = await site.act(http, "lucas", "POST", f"/statuses/{direct['id']}/pin", status=422)
    assert body["error"] == "Validation failed: Direct posts cannot be pinned"
    assert (await site.act(http, "lucas", "POST", f"/statuses/{posts[5]['id']}/unpin"))["pinned"] is False
    private = await site.post(http, "lucas", "mine, followers only", visibility="private")
    assert (await site.act(http, "lucas", "POST", f"/statuses/{private['id']}/pin"))["pinned"] is True, (
        "followers-only posts can be pinned, as on Mastodon"
    )
    others = await site.post(http, "hugo", "not lucas's")
    body = await site.act(http, "lucas", "POST", f"/statuses/{others['id']}/pin", status=422)
    assert body["error"] == "Validation failed: Someone else's post cannot be pinned"
    assert "pinned" not in await site.act(http, "lucas", "GET", f"/statuses/{others['id']}"), "only on one's own posts"


# --- edit and delete -----------------------------------------------------------------------------------


async def test_edit_keeps_history_and_tells_boosters(site: Site, http: aiohttp.ClientSession) -> None:
    ids = await _actor_ids(site)
    post = await site.post(http, "sofia", "first #draft @camille")
    await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/reblog")
    history = await site.act(http, None, "GET", f"/statuses/{post['id']}/history")
    assert [v["content"] for v in history] == [post["content"]], "never edited: one version"
    edited = await call(
        http,
        "PUT",
        site.url(f"/statuses/{post['id']}"),
        site.tokens["sofia"],
        data={"status": "second #final @emma", "spoiler_text": "cw", "language": "en"},
    )
    assert edited["id"] == post["id"] and edited["edited_at"] is not None and edited["created_at"] == post["created_at"]
    assert "second" in edited["content"] and edited["spoiler_text"] == "cw" and edited["sensitive"] is True
    assert [t["name"] for t in edited["tags"]] == ["final"] and [m["acct"] for m in edited["mentions"]] == ["emma"]
    history = await site.act(http, "hugo", "GET", f"/statuses/{post['id']}/history")
    assert [v["content"] for v in history] == [post["content"], edited["content"]]
    assert history[0]["created_at"] == post["created_at"] and history[1]["created_at"] == edited["edited_at"]
    assert history[1]["spoiler_text"] == "cw" and history[0]["account"]["acct"] == "sofia" and "poll" not in history[0]
    source = await site.act(http, "sofia", "GET", f"/statuses/{post['id']}/source")
    assert source == {"id": post["id"], "text": "second #final @emma", "spoiler_text": "cw"}
    assert await _notifications(site, post["id"], "update") == {ids["hugo"]}
    assert await _notifications(site, post["id"], "mention") == {ids["camille"], ids["emma"]}
    async with database(site.node.database_url) as session:
        mentioned = set(
            (await session.scalars(select(Mention.actor_id).where(Mention.status_id == int(post["id"])))).all()
        )
        tagged = await session.scalar(
            select(func.count()).select_from(StatusTag).where(StatusTag.status_id == int(post["id"]))
        )
    assert mentioned == {ids["emma"]} and tagged == 1

    for who, code in (("hugo", 404), ("camille", 404)):
        await call(
            http, "PUT", site.url(f"/statuses/{post['id']}"), site.tokens[who], status=code, data={"status": "hijack"}
        )
    body = await call(
        http, "PUT", site.url(f"/statuses/{post['id']}"), site.tokens["sofia"], status=422, data={"status": "x" * 501}
    )
    assert "character limit" in body["error"]
    assert (await site.act(http, "sofia", "GET", f"/statuses/{post['id']}"))["content"] == edited["content"]
    assert (
        await _count(site, select(func.count()).select_from(StatusEdit).where(StatusEdit.status_id == int(post["id"])))
        == 2
    )


async def test_delete_own_posts_only(site: Site, http: aiohttp.ClientSession) -> None:
    post = await site.post(http, "sofia", "short-lived @hugo")
    boost = await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/reblog")
    await site.act(http, "hugo", "POST", f"/statuses/{post['id']}/favourite")
    await site.act(http, "hugo", "DELETE", f"/statuses/{post['id']}", status=404)
    await site.act(http, "camille", "DELETE", f"/statuses/{post['id']}", status=404)
    deleted = await site.act(http, "sofia", "DELETE", f"/statuses/{post['id']}")
    assert deleted["id"] == post["id"] and deleted["text"] == "short-lived @hugo" and deleted["favourites_count"] == 1
    for path in (f"/statuses/{post['id']}", f"/statuses/{boost['id']}"):
        await site.act(http, "sofia", "GET", path, status=404)
    assert (
        await _count(site, select(func.count()).select_from(Favourite).where(Favourite.status_id == int(post["id"])))
        == 0
    )
    assert await _notifications(site, post["id"], "mention") == set()
    await site.act(http, "sofia", "DELETE", f"/statuses/{post['id']}", status=404)


# --- a real client -------------------------------------------------------------------------------------


def test_mastodon_py_drives_posting_and_interactions(site: Site) -> None:
    sofia, hugo = mastodon(site.node, site.tokens["sofia"]), mastodon(site.node, site.tokens["hugo"])
    post = sofia.status_post(
        "Lunch poll, @hugo?", poll=sofia.make_poll(["Pizza", "Sushi", "Salad"], expires_in=3600), visibility="unlisted"
    )
    assert post.visibility == "unlisted" and [o.title for o in post.poll.options] == ["Pizza", "Sushi", "Salad"]
    assert hugo.status_favourite(post.id).favourited is True
    boost = hugo.status_reblog(post.id)
    assert str(boost.reblog.id) == str(post.id)
    voted = hugo.poll_vote(post.poll.id, [1])
    assert voted.voted is True and voted.own_votes == [1] and voted.options[1].votes_count == 1
    reply = hugo.status_post("@sofia Sushi!", in_reply_to_id=post.id)
    context = sofia.status_context(post.id)
    assert [str(s.id) for s in context.descendants] == [str(reply.id)]
    assert [a.acct for a in sofia.status_favourited_by(post.id)] == ["hugo"]
    assert [a.acct for a in sofia.status_reblogged_by(post.id)] == ["hugo"]
    edited = sofia.status_update(
        post.id, "Lunch poll, @hugo? (Friday)", poll=sofia.make_poll(["Pizza", "Sushi", "Salad"], expires_in=3600)
    )
    assert edited.poll.options[1].votes_count == 1, "same options: votes are kept"
    assert len(sofia.status_history(post.id)) == 2
    assert sofia.status_source(post.id).text == "Lunch poll, @hugo? (Friday)"
    assert sofia.status_bookmark(post.id).bookmarked is True
    assert sofia.status_pin(post.id).pinned is True
    deleted = sofia.status_delete(post.id)
    assert deleted.text == "Lunch poll, @hugo? (Friday)" and deleted.poll is not None


async def test_concurrent_favourites_count_once_each(site: Site, http: aiohttp.ClientSession) -> None:
    post = await site.post(http, "sofia", "race me")
    await asyncio.gather(
        *(
            site.act(http, who, "POST", f"/statuses/{post['id']}/favourite")
            for who in ("hugo", "hugo", "lucas", "julie")
        )
    )
    assert (await site.act(http, "sofia", "GET", f"/statuses/{post['id']}"))["favourites_count"] == 3


async def test_favourited_by_pages_with_link_headers(site: Site, http: aiohttp.ClientSession) -> None:
    post = await site.post(http, "sofia", "page my fans")
    for who in ("hugo", "lucas", "julie"):
        await site.act(http, who, "POST", f"/statuses/{post['id']}/favourite")
    headers = {"Authorization": f"Bearer {site.tokens['sofia']}"}
    async with http.get(site.url(f"/statuses/{post['id']}/favourited_by?limit=2"), headers=headers) as response:
        first = [a["acct"] for a in await response.json()]
        link = response.headers["Link"]
    assert first == ["julie", "lucas"], "newest favourite first"
    assert link.startswith("<") and 'rel="next"' in link.split(",")[0]
    next_url = link.split(">")[0][1:]
    async with http.get(next_url, headers=headers) as response:
        assert [a["acct"] for a in await response.json()] == ["hugo"]


async def test_form_clients_may_number_their_arrays(site: Site, http: aiohttp.ClientSession) -> None:
    fields = {"poll[options][0]": "Left", "poll[options][1]": "Right", "poll[expires_in]": "3600"}
    status = await site.post(http, "julie", "Which way?", **fields)
    assert [o["title"] for o in status["poll"]["options"]] == ["Left", "Right"]
