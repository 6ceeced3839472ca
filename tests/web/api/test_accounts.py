"""Accounts, profiles and follows through the client API, over HTTP and through the real Mastodon.py client.

Reads that change nothing use the shared demo node; writes use `company`, one demo node for
this module where each test works with its own people, so tests do not depend on each other.
Posts that need a shape no API makes yet (boosts of others' private posts, pins, media) are
written straight into the database.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select

from essaim.actors.models import (
    Actor,
    Follow,
    HomeFeedEntry,
    MediaAttachment,
    Mention,
    Notification,
    Status,
    StatusPin,
    StatusTag,
    Tag,
)
from essaim.ids import new_id
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.helpers import database

RELATIONSHIP_KEYS = {
    "id",
    "following",
    "showing_reblogs",
    "notifying",
    "languages",
    "followed_by",
    "blocking",
    "blocked_by",
    "muting",
    "muting_notifications",
    "muting_expires_at",
    "requested",
    "requested_by",
    "domain_blocking",
    "endorsed",
    "note",
}
_NEXT = re.compile(r'<([^>]+)>; rel="next"')


class Company:
    """A demo node of this module's own: account ids by username, tokens made on demand."""

    def __init__(self, node: Node, ids: dict[str, int]) -> None:
        self.node, self.ids = node, ids
        self._tokens: dict[str, str] = {}

    def url(self, path: str) -> str:
        return f"{self.node.base_url}{path}"

    async def token(self, username: str) -> str:
        if username not in self._tokens:
            self._tokens[username] = await api_token(self.node, username)
        return self._tokens[username]

    async def call(self, method: str, path: str, username: str | None, *, status: int = 200, **kwargs: Any) -> Any:
        token = await self.token(username) if username else None
        async with aiohttp.ClientSession() as http:
            return await call(http, method, self.url(path), token, status=status, **kwargs)

    async def relationship(self, username: str, other: str) -> dict[str, Any]:
        path = f"/api/v1/accounts/relationships?id[]={self.ids[other]}"
        (found,) = await self.call("GET", path, username)
        return dict(found)


@pytest.fixture(scope="module")
async def company(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Company]:
    factory = NodeFactory(tmp_path_factory.mktemp("company"))
    node = factory.create(demo=True)
    yield Company(node, await _ids(node))
    await asyncio.to_thread(factory.close)  # dropping a PostgreSQL database runs its own event loop


async def _ids(node: Node) -> dict[str, int]:
    async with database(node.database_url) as session:
        rows = await session.execute(select(Actor.username, Actor.id).where(Actor.domain.is_(None)))
        return dict(rows.all())


async def insert_post(
    node: Node, author_id: int, text: str, visibility: str = "public", *, mentions: Iterable[int] = (), **fields: Any
) -> int:
    """A post written straight into the database (no fan-out), as federation or a later API would."""
    status_id = new_id()
    async with database(node.database_url) as session:
        session.add(
            Status(
                id=status_id,
                actor_id=author_id,
                uri=f"{node.base_url}/users/{author_id}/statuses/{status_id}",
                visibility=visibility,
                content=f"<p>{text}</p>",
                **fields,
            )
        )
        await session.flush()
        session.add_all(Mention(status_id=status_id, actor_id=actor_id) for actor_id in mentions)
    return status_id


async def _notifications(node: Node, recipient: int, sender: int) -> list[str]:
    async with database(node.database_url) as session:
        query = select(Notification.type).where(
            Notification.recipient_id == recipient, Notification.from_actor_id == sender
        )
        return list((await session.scalars(query)).all())


async def _home_feed(node: Node, owner: int, author: int) -> set[int]:
    async with database(node.database_url) as session:
        query = (
            select(HomeFeedEntry.status_id)
            .join(Status, Status.id == HomeFeedEntry.status_id)
            .where(HomeFeedEntry.owner_id == owner, Status.actor_id == author)
        )
        return set((await session.scalars(query)).all())


async def _walk(http: aiohttp.ClientSession, url: str, token: str | None = None) -> list[list[dict[str, Any]]]:
    """Follow `rel="next"` links until an empty page; the pages seen."""
    pages: list[list[dict[str, Any]]] = []
    while True:
        async with http.get(url, headers={"Authorization": f"Bearer {token}"} if token else {}) as response:
            assert response.status == 200, await response.text()
            page = await response.json()
            link = response.headers.get("Link", "")
        if not page:
            return pages
        pages.append(page)
        match = _NEXT.match(link)
        assert match, link
        url = match.group(1)


# Reading accounts


async def test_verify_credentials(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/api/v1/accounts/verify_credentials"
    me = await call(http, "GET", url, await api_token(demo_node, "hugo"))
    assert me["username"] == me["acct"] == "hugo" and me["display_name"] == "Hugo Martin"
    assert me["source"]["privacy"] == "public" and me["source"]["note"].startswith("Leading the engineering")
    assert me["source"]["follow_requests_count"] == 0 and me["source"]["fields"] == []
    # Six colleagues and two communities (python, lyon: his site); not horizon, a secret one, whose existence
    # a count shown to anyone must not reveal.
    assert me["note"].startswith("<p>Leading") and me["following_count"] == 8 and me["followers_count"] == 6
    assert {"Department", "Site", "Job title", "Manager", "Skills"} <= {f["name"] for f in me["fields"]}
    for scopes in ("profile", "read:accounts", "read"):
        assert (await call(http, "GET", url, await api_token(demo_node, "hugo", scopes)))["id"] == me["id"]
    assert await call(http, "GET", url, status=401) == {"error": "The access token is invalid"}
    await call(http, "GET", url, "not-a-token", status=401)
    denied = await call(http, "GET", url, await api_token(demo_node, "hugo", "write read:statuses"), status=403)
    assert denied == {"error": "This action is outside the authorized scopes"}


async def test_get_account_and_unknown_ids(demo_node: Node, http: aiohttp.ClientSession) -> None:
    ids = await _ids(demo_node)
    base = f"{demo_node.base_url}/api/v1/accounts"
    sofia = await call(http, "GET", f"{base}/{ids['sofia']}")
    assert sofia["id"] == str(ids["sofia"]) and sofia["acct"] == "sofia" and "source" not in sofia
    assert sofia["url"] == f"{demo_node.base_url}/@sofia" and sofia["avatar"].endswith("/static/avatar.png")
    assert {"name": "Department", "value": "Engineering", "verified_at": None} in sofia["fields"]
    for path in ("/1", "/99999999999999", "/2/statuses", "/2/followers"):
        assert await call(http, "GET", f"{base}{path}", status=404) == {"error": "Record not found"}
    async with database(demo_node.database_url) as session:  # the node's own Application actor is not an account
        node_actor = await session.scalar(select(Actor.id).where(Actor.type == "Application"))
    await call(http, "GET", f"{base}/{node_actor}", status=404)
    assert (await call(http, "GET", f"{base}/abc", status=404))["error"]
    several = await call(http, "GET", base, params=[("id[]", str(ids["lea"])), ("id[]", "1"), ("id[]", "x")])
    assert [a["acct"] for a in several] == ["lea"]


async def test_lookup(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/api/v1/accounts/lookup"
    ids = await _ids(demo_node)
    for acct in ("sofia", "@sofia", "SOFIA", f"sofia@{demo_node.domain}", f"acct:sofia@{demo_node.domain}"):
        assert (await call(http, "GET", url, params={"acct": acct}))["id"] == str(ids["sofia"]), acct
    await call(http, "GET", url, params={"acct": "sofia@elsewhere.example"}, status=404)
    await call(http, "GET", url, params={"acct": "nobody"}, status=404)
    await call(http, "GET", url, params={"acct": demo_node.domain}, status=404)  # the node actor's handle
    assert "acct" in (await call(http, "GET", url, status=422))["error"]


async def test_search(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/api/v1/accounts/search"
    hugo = await api_token(demo_node, "hugo")
    assert (await call(http, "GET", url, hugo, params={"q": "sofia"}))[0]["acct"] == "sofia"
    python = {a["acct"] for a in await call(http, "GET", url, hugo, params={"q": "python"})}
    assert {"sofia", "hugo"} <= python, "skills are searched (the expert directory)"
    montreal = {a["acct"] for a in await call(http, "GET", url, hugo, params={"q": "Montréal"})}
    assert "lucas" in montreal and "sofia" not in montreal, "sites are searched"
    following = await call(http, "GET", url, hugo, params={"q": "engineering", "following": "true"})
    assert {a["acct"] for a in following} <= {"sofia", "lucas", "amina", "thomas", "claire", "camille"}
    assert following, "hugo follows engineers"
    assert len(await call(http, "GET", url, hugo, params={"q": "a", "limit": "2"})) == 2
    await call(http, "GET", url, params={"q": "sofia"}, status=401)
    await call(http, "GET", url, hugo, params={"q": "sofia", "limit": "many"}, status=422)


async def test_relationships(demo_node: Node, http: aiohttp.ClientSession) -> None:
    ids = await _ids(demo_node)
    url = f"{demo_node.base_url}/api/v1/accounts/relationships"
    hugo = await api_token(demo_node, "hugo")
    found = await call(
        http, "GET", url, hugo, params=[("id[]", str(ids["sofia"])), ("id[]", "12"), ("id[]", str(ids["yann"]))]
    )
    assert [r["id"] for r in found] == [str(ids["sofia"]), str(ids["yann"])]
    assert all(set(r) == RELATIONSHIP_KEYS for r in found)
    sofia, yann = found
    assert (sofia["following"], sofia["followed_by"], sofia["requested"], sofia["showing_reblogs"]) == (
        True,
        True,
        False,
        True,
    )
    assert (yann["following"], yann["followed_by"], yann["showing_reblogs"]) == (False, False, False)
    assert await call(http, "GET", url, hugo, params={"id": str(ids["sofia"])}) == [sofia]
    await call(http, "GET", url, params={"id[]": str(ids["sofia"])}, status=401)
    await call(http, "GET", url, await api_token(demo_node, "hugo", "read:statuses"), status=403)


async def test_followers_and_following_pages(demo_node: Node, http: aiohttp.ClientSession) -> None:
    ids = await _ids(demo_node)
    base = f"{demo_node.base_url}/api/v1/accounts/{ids['camille']}"
    pages = await _walk(http, f"{base}/followers?limit=5")
    assert [len(p) for p in pages] == [5, 5, 5, 4]
    followers = [a["acct"] for page in pages for a in page]
    assert len(set(followers)) == 19 and "camille" not in followers, "everyone else follows camille"
    hugo_follows = await call(http, "GET", f"{demo_node.base_url}/api/v1/accounts/{ids['hugo']}/following")
    # His communities are followed Groups too, except the secret project one, which strangers never see.
    colleagues = {"sofia", "lucas", "amina", "thomas", "claire", "camille"}
    assert {a["acct"] for a in hugo_follows} == colleagues | {"python", "lyon"}
    await call(http, "GET", f"{demo_node.base_url}/api/v1/accounts/3/followers", status=404)
    lists = f"{demo_node.base_url}/api/v1/accounts/{ids['sofia']}/lists"
    assert await call(http, "GET", lists, await api_token(demo_node, "hugo")) == []
    tags = f"{demo_node.base_url}/api/v1/accounts/{ids['sofia']}/featured_tags"
    assert await call(http, "GET", tags) == []


async def test_familiar_followers(demo_node: Node, http: aiohttp.ClientSession) -> None:
    ids = await _ids(demo_node)
    url = f"{demo_node.base_url}/api/v1/accounts/familiar_followers"
    (lucas,) = await call(http, "GET", url, await api_token(demo_node, "hugo"), params={"id[]": str(ids["lucas"])})
    # lucas's followers: hugo, sofia, olivia, antoine; of those, hugo follows sofia (hugo himself does not count).
    assert lucas["id"] == str(ids["lucas"]) and {a["acct"] for a in lucas["accounts"]} == {"sofia"}


# Posts on a profile


async def test_profile_posts_respect_visibility(company: Company) -> None:
    """lea's posts, read by herself, a follower (ines), a mentioned colleague (pierre), a stranger (marc), anyone."""
    ids, node = company.ids, company.node
    posts = {
        visibility: await insert_post(node, ids["lea"], f"lea {visibility}", visibility)
        for visibility in ("public", "unlisted", "private")
    }
    posts["direct"] = await insert_post(node, ids["lea"], "@pierre lea direct", "direct", mentions=[ids["pierre"]])
    chloe_private = await insert_post(node, ids["chloe"], "chloe for followers", "private")  # marc follows chloe
    posts["boost"] = await insert_post(node, ids["lea"], "", "public", reblog_of_id=chloe_private)
    readers = {
        "lea": {"public", "unlisted", "private", "direct"},
        "ines": {"public", "unlisted", "private"},
        "pierre": {"public", "unlisted", "direct"},
        "marc": {"public", "unlisted", "boost"},
        None: {"public", "unlisted"},
    }
    names = {str(status_id): name for name, status_id in posts.items()}
    for viewer, expected in readers.items():
        statuses = await company.call("GET", f"/api/v1/accounts/{ids['lea']}/statuses?limit=40", viewer)
        seen = {names[s["id"]] for s in statuses if s["id"] in names}
        assert seen == expected, viewer
        texts = " ".join(s["content"] + (s["reblog"] or {}).get("content", "") for s in statuses)
        assert ("chloe for followers" in texts) == (viewer == "marc")


async def test_profile_post_filters_and_paging(company: Company) -> None:
    ids, node = company.ids, company.node
    yann = ids["yann"]
    root = await insert_post(node, yann, "root")
    own_reply = await insert_post(node, yann, "thread", in_reply_to_id=root, in_reply_to_account_id=yann)
    ines_post = await insert_post(node, ids["ines"], "ines speaks")
    reply = await insert_post(node, yann, "reply", in_reply_to_id=ines_post, in_reply_to_account_id=ids["ines"])
    boost = await insert_post(node, yann, "", reblog_of_id=ines_post)
    with_media = await insert_post(node, yann, "photo")
    tagged = await insert_post(node, yann, "#EssaimTest")
    async with database(node.database_url) as session:
        session.add(MediaAttachment(actor_id=yann, status_id=with_media, state="ready", file_name="x.png"))
        tag = Tag(name="essaimtest", display_name="EssaimTest")
        session.add(tag)
        await session.flush()
        session.add(StatusTag(status_id=tagged, tag_id=tag.id))
        session.add(StatusPin(actor_id=yann, status_id=root))
    base = f"/api/v1/accounts/{yann}/statuses"

    async def listed(query: str) -> list[int]:
        return [int(s["id"]) for s in await company.call("GET", f"{base}?limit=40&{query}", None)]

    everything = await listed("")
    assert {root, own_reply, reply, boost, with_media, tagged} <= set(everything)
    assert everything == sorted(everything, reverse=True), "newest first"
    no_replies = await listed("exclude_replies=true")
    assert own_reply in no_replies and reply not in no_replies, "a thread of one's own is not a reply to others"
    assert boost not in await listed("exclude_reblogs=1") and boost in everything
    assert await listed("only_media=true") == [with_media]
    assert await listed("tagged=essaimtest") == [tagged] == await listed("tagged=%23EssaimTest")
    assert await listed("pinned=true") == [root]
    boosted = next(s for s in await company.call("GET", f"{base}?limit=40", None) if int(s["id"]) == boost)
    assert boosted["reblog"]["content"] == "<p>ines speaks</p>"
    async with aiohttp.ClientSession() as http:
        pages = await _walk(http, company.url(f"{base}?limit=2"))
    assert [int(s["id"]) for page in pages for s in page] == everything and len(pages[0]) == 2
    assert await listed(f"since_id={tagged}") == []
    assert await listed(f"max_id={tagged}&min_id={root}") == [s for s in everything if root < s < tagged]
    await company.call("GET", f"{base}?limit=none", None, status=422)


# Follows


async def test_follow_and_unfollow(company: Company) -> None:
    ids, node = company.ids, company.node
    antoine, emma = ids["antoine"], ids["emma"]
    emma_private = await insert_post(node, emma, "emma for followers", "private")
    emma_direct = await insert_post(node, emma, "emma to pierre", "direct", mentions=[ids["pierre"]])
    emma_mentions_antoine = await insert_post(node, emma, "@antoine hi", "public", mentions=[antoine])
    async with database(node.database_url) as session:
        emma_posts = set((await session.scalars(select(Status.id).where(Status.actor_id == emma))).all())
    assert not (await company.relationship("antoine", "emma"))["following"]

    followed = await company.call("POST", f"/api/v1/accounts/{emma}/follow", "antoine", data={"reblogs": "false"})
    assert set(followed) == RELATIONSHIP_KEYS
    assert (followed["following"], followed["requested"], followed["showing_reblogs"]) == (True, False, True)
    assert await _notifications(node, emma, antoine) == ["follow"]
    assert await _home_feed(node, antoine, emma) == emma_posts - {emma_direct}, "backfilled, direct posts excepted"
    assert (await company.relationship("emma", "antoine"))["followed_by"]
    again = await company.call("POST", f"/api/v1/accounts/{emma}/follow", "antoine")
    assert again == followed and await _notifications(node, emma, antoine) == ["follow"], "following twice is a no-op"
    home = await company.call("GET", "/api/v1/timelines/home?limit=40", "antoine")
    assert str(emma_private) in {s["id"] for s in home}

    unfollowed = await company.call("POST", f"/api/v1/accounts/{emma}/unfollow", "antoine")
    assert (unfollowed["following"], unfollowed["requested"]) == (False, False)
    assert await _notifications(node, emma, antoine) == []
    assert await _home_feed(node, antoine, emma) == {emma_mentions_antoine}, "what mentions antoine stays"
    statuses = await company.call("GET", f"/api/v1/accounts/{emma}/statuses", "antoine")
    assert str(emma_private) not in {s["id"] for s in statuses}
    await company.call("POST", f"/api/v1/accounts/{emma}/unfollow", "antoine")  # unfollowing twice is fine


async def test_follow_refusals(company: Company) -> None:
    ids = company.ids
    me = ids["karim"]
    refused = await company.call("POST", f"/api/v1/accounts/{me}/follow", "karim", status=422)
    assert refused == {"error": "You cannot follow yourself"}
    await company.call("POST", "/api/v1/accounts/4/follow", "karim", status=404)
    await company.call("POST", f"/api/v1/accounts/{ids['lea']}/follow", "karim", data={"notify": "maybe"}, status=422)
    await company.call("POST", f"/api/v1/accounts/{ids['lea']}/follow", None, status=401)
    reader = await api_token(company.node, "karim", "read")
    async with aiohttp.ClientSession() as http:
        await call(http, "POST", company.url(f"/api/v1/accounts/{ids['lea']}/follow"), reader, status=403)
    async with database(company.node.database_url) as session:
        query = select(func.count()).where(Follow.follower_id == me, Follow.followee_id.in_([me, ids["lea"]]))
        assert await session.scalar(query) == 0


async def test_locked_account_approves_followers(company: Company) -> None:
    ids, node = company.ids, company.node
    olivia = ids["olivia"]
    private = await insert_post(node, olivia, "olivia for followers", "private")
    locked = await company.call("PATCH", "/api/v1/accounts/update_credentials", "olivia", data={"locked": "true"})
    assert locked["locked"] is True

    for requester in ("pierre", "lea", "yann"):
        asked = await company.call("POST", f"/api/v1/accounts/{olivia}/follow", requester)
        assert (asked["following"], asked["requested"]) == (False, True), requester
        assert await _notifications(node, olivia, ids[requester]) == ["follow_request"]
    assert (await company.relationship("olivia", "pierre"))["requested_by"] is True
    me = await company.call("GET", "/api/v1/accounts/verify_credentials", "olivia")
    assert me["source"]["follow_requests_count"] == 3 and me["followers_count"] == 2
    requests = await company.call("GET", "/api/v1/follow_requests", "olivia")
    assert [a["acct"] for a in requests] == ["yann", "lea", "pierre"], "newest request first"
    statuses = await company.call("GET", f"/api/v1/accounts/{olivia}/statuses", "pierre")
    assert str(private) not in {s["id"] for s in statuses}, "a request is not a follow"

    accepted = await company.call("POST", f"/api/v1/follow_requests/{ids['pierre']}/authorize", "olivia")
    assert (accepted["followed_by"], accepted["requested_by"]) == (True, False)
    assert await _notifications(node, olivia, ids["pierre"]) == [], "the answered request leaves the notifications"
    assert private in await _home_feed(node, ids["pierre"], olivia), "backfilled on acceptance"
    statuses = await company.call("GET", f"/api/v1/accounts/{olivia}/statuses", "pierre")
    assert str(private) in {s["id"] for s in statuses}
    assert (await company.relationship("pierre", "olivia"))["following"] is True

    rejected = await company.call("POST", f"/api/v1/follow_requests/{ids['lea']}/reject", "olivia")
    assert (rejected["followed_by"], rejected["requested_by"]) == (False, False)
    assert (await company.relationship("lea", "olivia"))["requested"] is False
    assert await _notifications(node, olivia, ids["lea"]) == []
    for answer in ("authorize", "reject"):  # no request left from lea; marc never asked
        await company.call("POST", f"/api/v1/follow_requests/{ids['lea']}/{answer}", "olivia", status=404)
        await company.call("POST", f"/api/v1/follow_requests/{ids['marc']}/{answer}", "olivia", status=404)

    unlocked = await company.call("PATCH", "/api/v1/accounts/update_credentials", "olivia", data={"locked": "false"})
    assert unlocked["locked"] is False and unlocked["source"]["follow_requests_count"] == 0
    assert (await company.relationship("yann", "olivia"))["following"] is True, "unlocking accepts who waited"
    assert await company.call("GET", "/api/v1/follow_requests", "olivia") == []


async def test_remove_from_followers(company: Company) -> None:
    ids, node = company.ids, company.node
    lucas_post = await insert_post(node, ids["lucas"], "lucas speaks")
    async with database(node.database_url) as session:
        session.add(HomeFeedEntry(owner_id=ids["antoine"], status_id=lucas_post))
    removed = await company.call("POST", f"/api/v1/accounts/{ids['antoine']}/remove_from_followers", "lucas")
    assert removed["followed_by"] is False
    assert (await company.relationship("antoine", "lucas"))["following"] is False
    assert await _home_feed(node, ids["antoine"], ids["lucas"]) == set()


async def test_remote_accounts(company: Company) -> None:
    """A remote actor the node knows: found by user@domain, shown with its domain, followed by request."""
    async with database(company.node.database_url) as session:
        remote = Actor(
            username="remy",
            domain="remote.example",
            uri="https://remote.example/users/remy",
            key_id="https://remote.example/users/remy#main-key",
            public_key_pem="-----BEGIN PUBLIC KEY-----",
            display_name="Remy",
        )
        session.add(remote)
        await session.flush()
        remote_id = remote.id
    found = await company.call("GET", "/api/v1/accounts/lookup?acct=remy@Remote.Example", None)
    assert (found["id"], found["acct"]) == (str(remote_id), "remy@remote.example")
    assert found["url"] == found["uri"] == "https://remote.example/users/remy"
    await company.call("GET", "/api/v1/accounts/lookup?acct=remy", None, status=404)
    asked = await company.call("POST", f"/api/v1/accounts/{remote_id}/follow", "marc")
    assert (asked["following"], asked["requested"]) == (False, True), "pending until the remote node accepts"


async def test_disabled_accounts_are_gone(company: Company) -> None:
    amina = company.ids["amina"]
    company.node.cli("user", "disable", "amina")
    await company.call("GET", f"/api/v1/accounts/{amina}", None, status=404)
    await company.call("GET", "/api/v1/accounts/lookup?acct=amina", None, status=404)
    await company.call("POST", f"/api/v1/accounts/{amina}/follow", "karim", status=404)
    following = await company.call("GET", f"/api/v1/accounts/{company.ids['hugo']}/following", "hugo")
    assert "amina" not in {a["acct"] for a in following}


# Editing one's profile


async def test_update_credentials(company: Company) -> None:
    url = "/api/v1/accounts/update_credentials"
    updated = await company.call(
        "PATCH",
        url,
        "julie",
        data={
            "display_name": "Julie M.",
            "note": "Line <one>\nhttps://example.com\n\nSecond paragraph",
            "bot": "true",
            "discoverable": "false",
            "fields_attributes[0][name]": "Pronouns",
            "fields_attributes[0][value]": "she/her",
            "fields_attributes[1][name]": "Intranet",
            "fields_attributes[1][value]": "<b>see</b> https://intranet.acme.com/julie",
            "source[privacy]": "private",
            "source[sensitive]": "true",
            "source[language]": "fr",
        },
    )
    assert updated["display_name"] == "Julie M." and updated["bot"] is True and updated["discoverable"] is False
    assert updated["note"].startswith('<p>Line &lt;one&gt;<br><a href="https://example.com"')
    assert updated["note"].endswith("<p>Second paragraph</p>")
    assert updated["source"]["note"] == "Line <one>\nhttps://example.com\n\nSecond paragraph"
    assert (updated["source"]["privacy"], updated["source"]["sensitive"], updated["source"]["language"]) == (
        "private",
        True,
        "fr",
    )
    own = {f["name"]: f["value"] for f in updated["fields"][:2]}
    assert own["Pronouns"] == "she/her"
    assert own["Intranet"].startswith('&lt;b&gt;see&lt;/b&gt; <a href="https://intranet.acme.com/julie"')
    assert [f["name"] for f in updated["source"]["fields"]] == ["Pronouns", "Intranet"]
    preferences = await company.call("GET", "/api/v1/preferences", "julie")
    assert preferences["posting:default:visibility"] == "private" and preferences["posting:default:language"] == "fr"
    again = await company.call("GET", "/api/v1/accounts/verify_credentials", "julie")
    assert again["note"] == updated["note"] and again["fields"] == updated["fields"], "stored, not just echoed"
    public = await company.call("GET", f"/api/v1/accounts/{company.ids['julie']}", None)
    assert public["display_name"] == "Julie M." and "source" not in public

    cleared = await company.call(
        "PATCH", url, "julie", json={"bot": False, "fields_attributes": [{"name": "", "value": ""}]}
    )
    assert cleared["bot"] is False and cleared["source"]["fields"] == [] and cleared["display_name"] == "Julie M."


async def test_update_credentials_refusals_store_nothing(company: Company) -> None:
    url = "/api/v1/accounts/update_credentials"
    before = await company.call("GET", "/api/v1/accounts/verify_credentials", "karim")
    five = [(f"fields_attributes[{n}][{key}]", f"{key} {n}") for n in range(5) for key in ("name", "value")]
    refusals = [
        five,
        [("source[language]", "not a language")],
        [("source[privacy]", "direct")],
        [("locked", "perhaps")],
        [("display_name", "x" * 101)],
        [("note", "x" * 501)],
        [("languages[]", "fr"), ("languages[]", "français")],
        [("manager", "nobody_here")],
        [("manager", "karim")],
    ]
    for refused in refusals:
        answer = await company.call("PATCH", url, "karim", data=[("job_title", "Changed"), *refused], status=422)
        assert answer["error"], refused
    assert await company.call("GET", "/api/v1/accounts/verify_credentials", "karim") == before
    await company.call("PATCH", url, None, data={"note": "x"}, status=401)
    reader = await api_token(company.node, "karim", "read")
    async with aiohttp.ClientSession() as http:
        await call(http, "PATCH", company.url(url), reader, data={"note": "x"}, status=403)


async def test_directory_attributes(company: Company) -> None:
    """The enterprise extension: department, site, title, phone, languages, skills and manager, via the API."""
    url = "/api/v1/accounts/update_credentials"
    updated = await company.call(
        "PATCH",
        url,
        "mehdi",
        json={
            "department": "Platform",
            "site": "Nantes",
            "job_title": "Staff Engineer",
            "phone": "+33 2 00 00 00 00",
            "languages": ["ar", "fr", "en-GB"],
            "skills": ["Rust", "Terraform"],
            "manager": "@hugo",
        },
    )
    fields = {f["name"]: f["value"] for f in updated["fields"]}
    assert (fields["Department"], fields["Site"], fields["Job title"]) == ("Platform", "Nantes", "Staff Engineer")
    assert fields["Languages"] == "ar, fr, en-GB" and fields["Skills"] == "Rust, Terraform"
    assert ">Hugo Martin</a>" in fields["Manager"]
    found = await company.call("GET", "/api/v1/accounts/search?q=terraform", "hugo")
    assert [a["acct"] for a in found] == ["mehdi"], "the directory searches what was just set"
    kept = await company.call("PATCH", url, "mehdi", data={"display_name": "Mehdi K."})
    assert {f["name"]: f["value"] for f in kept["fields"]}["Skills"] == "Rust, Terraform", "untouched values stay"
    cleared = await company.call("PATCH", url, "mehdi", data={"skills[]": "", "manager": "", "site": ""})
    names = {f["name"] for f in cleared["fields"]}
    assert "Skills" not in names and "Manager" not in names and "Site" not in names and "Department" in names
    # sofia reports to hugo: hugo cannot report to sofia.
    loop = await company.call("PATCH", url, "hugo", data={"manager": "sofia"}, status=422)
    assert "manage" in loop["error"]


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_avatar_and_header(company: Company) -> None:
    url = company.url("/api/v1/accounts/update_credentials")
    token = await company.token("claire")
    async with aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("avatar", _png(800, 600), filename="me.png", content_type="image/png")
        form.add_field("header", _png(3000, 1000), filename="banner.png", content_type="image/png")
        updated = await call(http, "PATCH", url, token, data=form)
        assert updated["avatar"].startswith(f"{company.node.base_url}/media/") and updated["avatar"].endswith(".png")
        assert (
            updated["header"].startswith(f"{company.node.base_url}/media/") and updated["header"] != updated["avatar"]
        )
        for key, size in (("avatar", (400, 400)), ("header", (1500, 500))):
            async with http.get(updated[key]) as response:
                assert response.status == 200
                assert Image.open(io.BytesIO(await response.read())).size == size
        broken = aiohttp.FormData()
        broken.add_field("avatar", b"not an image", filename="me.png", content_type="image/png")
        broken.add_field("display_name", "Should not be stored")
        answer = await call(http, "PATCH", url, token, data=broken, status=422)
        assert answer["error"].startswith("avatar:")
        replaced = aiohttp.FormData()
        replaced.add_field("avatar", _png(100, 100), filename="new.png", content_type="image/png")
        after = await call(http, "PATCH", url, token, data=replaced)
        assert after["avatar"] != updated["avatar"] and after["header"] == updated["header"]
        assert after["display_name"] != "Should not be stored"
        async with http.get(updated["avatar"]) as response:
            assert response.status == 404, "the replaced avatar file is deleted"


# The real Mastodon.py client


def _mastodon_py_session(node: Node, nathalie_token: str, thomas_token: str, ines_id: int) -> None:
    nathalie, thomas = mastodon(node, nathalie_token), mastodon(node, thomas_token)
    me = nathalie.account_verify_credentials()
    assert me.acct == "nathalie" and me.source.privacy == "public"
    updated = nathalie.account_update_credentials(
        note="People & culture, Paris.", fields=[("Team", "HR"), ("Office", "Paris 2nd floor")], locked=True
    )
    assert updated.note == "<p>People &amp; culture, Paris.</p>" and updated.locked
    assert [(f.name, f.value) for f in updated.fields[:2]] == [("Team", "HR"), ("Office", "Paris 2nd floor")]

    relationship = nathalie.account_follow(ines_id)
    assert relationship.following and not relationship.requested
    (checked,) = nathalie.account_relationships(ines_id)
    assert checked.following and str(checked.id) == str(ines_id)
    assert [a.acct for a in nathalie.account_search("ines")][0] == "ines"
    assert str(nathalie.account_lookup("ines").id) == str(ines_id)
    assert any(a.acct == "nathalie" for a in nathalie.account_followers(ines_id))
    assert nathalie.account_statuses(ines_id, limit=5)

    asked = thomas.account_follow(me.id)
    assert asked.requested and not asked.following
    (waiting,) = nathalie.follow_requests()
    assert waiting.acct == "thomas"
    accepted = nathalie.follow_request_authorize(waiting.id)
    assert accepted.followed_by and not accepted.requested_by
    assert nathalie.follow_requests() == []
    (now,) = thomas.account_relationships(me.id)
    assert now.following
    assert nathalie.account_unfollow(ines_id).following is False


async def test_mastodon_py(company: Company) -> None:
    nathalie, thomas = await company.token("nathalie"), await company.token("thomas")
    await asyncio.to_thread(_mastodon_py_session, company.node, nathalie, thomas, company.ids["ines"])
    assert await _notifications(company.node, company.ids["nathalie"], company.ids["thomas"]) == []
    assert await _notifications(company.node, company.ids["ines"], company.ids["nathalie"]) == []
