"""Two colleagues use Essaim through the real Mastodon.py client only, as any Mastodon app would.

The app registers, each person signs in and consents on the node's own pages (the only part done
"in a browser"), then everything goes through Mastodon.py: profile with an avatar, a post with an
image, a poll, a follow, reply, favourite, boost, bookmark, timelines with pagination,
notifications, search, edit and delete.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
from mastodon import Mastodon
from PIL import Image

from tests.conftest import Node, NodeFactory
from tests.oauth_flow import consent_page, decide, page_code

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


async def log_in(node: Node, client_id: str, client_secret: str, username: str) -> Mastodon:
    """The authorization-code flow: Mastodon.py builds the URL and trades the code; the person consents."""
    client = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=node.base_url,
        version_check_mode="created",
        request_timeout=30,
    )
    url = await asyncio.to_thread(client.auth_request_url, redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        status, _, page = await decide(browser, node, await consent_page(browser, node, url, username))
    assert status == 200
    await asyncio.to_thread(client.log_in, code=page_code(page), redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    return client


def png(colour: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def ids(statuses: list[Any]) -> list[str]:
    return [str(s["id"]) for s in statuses]


def journey(node: Node, emma: Mastodon, lea: Mastodon) -> None:
    """Everything after login, synchronous like Mastodon.py itself."""
    assert emma.retrieve_mastodon_version() == "4.3.0"
    assert emma.instance()["domain"] == node.domain

    # Profile, with an avatar and the enterprise fields through the API.
    me = emma.account_update_credentials(
        note="Budgets and forecasts. Ask me about #expenses.",
        avatar=png("orange", (300, 200)),
        avatar_mime_type="image/png",
        fields=[("Team", "Controlling")],
    )
    assert "forecasts" in me["note"] and me["avatar"].startswith(f"{node.base_url}/media/")
    with Image.open(io.BytesIO(emma.session.get(me["avatar"]).content)) as served:
        assert served.size == (400, 400)
    assert {"name": "Team", "value": "Controlling", "verified_at": None} in me["fields"]

    # Lea follows Emma; Emma posts an image and a poll.
    relationship = lea.account_follow(me["id"])
    assert relationship["following"] is True
    media = emma.media_post(png("navy"), mime_type="image/png", description="Q3 budget chart")
    assert media["type"] == "image" and media["description"] == "Q3 budget chart" and media["blurhash"]
    chart = emma.status_post("Q3 budget is out #expenses", media_ids=[media["id"]], visibility="public")
    assert chart["media_attachments"][0]["id"] == media["id"]
    assert chart["tags"][0]["name"] == "expenses"
    poll = emma.status_post("Team lunch?", poll=emma.make_poll(["Thursday", "Friday"], expires_in=3600))
    for n in range(3):
        emma.status_post(f"Reminder {n}: expense reports by the 28th", visibility="public")

    # Lea reads, paginates, interacts.
    first = lea.timeline_home(limit=2)
    second = lea.fetch_next(first)
    assert second is not None
    seen = ids(first) + ids(second)
    assert len(seen) == len(set(seen)) == 4 and ids(first)[0] > ids(second)[0]
    everything = ids(lea.timeline_home(limit=40))
    assert chart["id"] in everything and poll["id"] in everything
    lea.poll_vote(poll["poll"]["id"], [1])
    assert lea.poll(poll["poll"]["id"])["own_votes"] == [1]
    reply = lea.status_reply(chart, "Thanks, very clear!")  # Mastodon.py adds the @mention, as apps do
    assert reply["in_reply_to_id"] == chart["id"] and reply["mentions"][0]["username"] == "emma"
    assert lea.status_favourite(chart["id"])["favourited"] is True
    boost = lea.status_reblog(chart["id"])
    assert boost["reblog"]["id"] == chart["id"]
    assert lea.status_bookmark(chart["id"])["bookmarked"] is True
    assert ids(lea.bookmarks()) == [chart["id"]]
    context = emma.status_context(chart["id"])
    assert ids(context["descendants"]) == [reply["id"]]
    assert ids(lea.timeline_hashtag("expenses")) == [chart["id"]]
    assert chart["id"] in ids(lea.timeline_public(local=True))

    # Emma is told.
    kinds = {n["type"] for n in emma.notifications()}
    assert {"follow", "mention", "favourite", "reblog"} <= kinds
    assert [a["username"] for a in emma.status_favourited_by(chart["id"])] == ["lea"]
    assert [a["username"] for a in emma.status_reblogged_by(chart["id"])] == ["lea"]

    # Search.
    found = lea.search_v2("emma", result_type="accounts")
    assert "emma" in [a["username"] for a in found["accounts"]]
    assert ids(lea.search_v2("Q3 budget", result_type="statuses")["statuses"]) == [chart["id"]]
    assert [t["name"] for t in lea.search_v2("#expen", result_type="hashtags")["hashtags"]] == ["expenses"]

    # Edit, then delete.
    edited = emma.status_update(chart["id"], "Q3 budget is out (corrected) #expenses", media_ids=[media["id"]])
    assert "corrected" in edited["content"] and edited["edited_at"] is not None
    assert len(emma.status_history(chart["id"])) == 2
    deleted = emma.status_delete(chart["id"])
    assert deleted["text"] == "Q3 budget is out (corrected) #expenses"
    assert chart["id"] not in ids(lea.timeline_home(limit=40))


async def test_two_colleagues_through_mastodon_py(nodes: NodeFactory) -> None:
    node = await asyncio.to_thread(nodes.create, demo=True)
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, "Journey app", scopes=SCOPES, redirect_uris=OOB, api_base_url=node.base_url
    )
    emma = await log_in(node, client_id, client_secret, "emma")
    lea = await log_in(node, client_id, client_secret, "lea")
    await asyncio.to_thread(journey, node, emma, lea)
