"""Posts found by their URL (`/api/v2/search?resolve=true`) between real nodes, through their client APIs.

On node one, hugo posts; on node two, lucas follows nobody there and sofia follows hugo. lucas
pastes the URL of one of hugo's posts into his app: node two fetches it (signed as itself), and
the post then behaves as any other — lucas favourites it and replies to it, and both reach hugo.
A page URL (`/@hugo/1`) finds the same post as its id. A followers-only post is never obtainable
by URL for someone who does not follow hugo, not even once a follower's copy is stored on the
same node. A peer's document that claims an id (or an author) on another host is refused.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from essaim.actors.keys import new_key_pair
from essaim.federation.vocab import ACTIVITY_JSON, PUBLIC
from tests.conftest import NodeFactory, free_port
from tests.federation_helpers import Person, eventually, follow, person, stored_status


async def find(searcher: Person, url: str, **params: str) -> list[dict[str, Any]]:
    """The posts `searcher`'s node finds for a pasted URL, resolving it as apps ask."""
    found = await searcher.api("GET", "/api/v2/search", params={"q": url, "resolve": "true"} | params)
    return list(found["statuses"])


async def test_a_post_found_by_url_behaves_like_any_other(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, lucas = await person(http, one, "hugo"), await person(http, two, "lucas")
    original = await hugo.post("fetched-marker worth a look", "public")
    assert await stored_status(two, original["uri"]) is None, "node two never heard of it"

    # Mastodon.py's own search call, as an app makes it: the post is fetched and shown.
    found = lucas.app.search_v2(original["uri"], resolve=True, result_type="statuses")["statuses"]
    assert [s["uri"] for s in found] == [original["uri"]]
    copy = found[0]
    assert "fetched-marker" in copy["content"] and copy["account"]["acct"] == hugo.handle
    assert copy["visibility"] == "public" and copy["url"] == original["url"]
    assert await lucas.home("fetched-marker") is None, "a fetched post is history, not news for anyone's home"
    assert [s["id"] for s in await find(lucas, original["uri"])] == [copy["id"]], "found again, not fetched twice"

    # It behaves as a delivered post: a favourite and a reply reach hugo on node one.
    lucas.app.status_favourite(copy["id"])
    liked = await eventually(lambda: hugo.notified("favourite", "fetched-marker"), "lucas's favourite on node one")
    assert liked["account"]["acct"] == lucas.handle and liked["status"]["id"] == original["id"]
    lucas.app.status_post(f"@{hugo.handle} answer-marker interesting", in_reply_to_id=copy["id"])
    notice = await eventually(lambda: hugo.notified("mention", "answer-marker"), "lucas's reply on node one")
    assert notice["status"]["in_reply_to_id"] == original["id"]
    context = await hugo.api("GET", f"/api/v1/statuses/{original['id']}/context")
    assert [s["id"] for s in context["descendants"]] == [notice["status"]["id"]]

    # The page a browser shows (/@hugo/…) names the same post: fetched at its id.
    second = await hugo.post("page-marker by its page", "unlisted")
    by_page = await find(lucas, second["url"], type="statuses")
    assert [s["uri"] for s in by_page] == [second["uri"]] and by_page[0]["visibility"] == "unlisted"

    # A post of lucas's own node is found by its URL without any fetch; no fetch of an unknown local URL.
    camille = await person(http, two, "camille")
    local = await camille.post("local-marker here", "public")
    assert [s["id"] for s in await find(lucas, local["url"])] == [local["id"]]
    hidden = await camille.post("hidden-marker a note to self", "direct")
    assert [s["id"] for s in await find(camille, hidden["url"])] == [hidden["id"]]
    assert await find(lucas, hidden["url"]) == [] and await find(lucas, hidden["uri"]) == []
    assert await find(lucas, f"{two.base_url}/@camille/1") == []
    # Without resolve, a URL is only text: nothing is fetched.
    third = await hugo.post("unresolved-marker", "public")
    plain = await lucas.api("GET", "/api/v2/search", params={"q": third["uri"], "type": "statuses"})
    assert plain["statuses"] == [] and await stored_status(two, third["uri"]) is None


async def test_followers_only_posts_are_never_obtainable_by_url_by_non_followers(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")

    # Nobody on node two follows hugo: his followers-only post cannot be fetched, so nothing is stored.
    early = await hugo.post("early-private-marker", "private")
    assert await find(lucas, early["uri"]) == [] and await find(lucas, early["url"]) == []
    assert await stored_status(two, early["uri"]) is None
    camille = await person(http, two, "camille")
    await hugo.lookup(camille.handle)  # so that @camille@… resolves on node one
    direct = await hugo.post(f"@{camille.handle} direct-marker", "direct")
    at_camille = await eventually(lambda: camille.home("direct-marker"), "the direct post at camille's")
    assert [s["id"] for s in await find(camille, direct["uri"])] == [at_camille["id"]]
    assert await find(lucas, direct["uri"]) == [], "stored on node two, but not for lucas"

    # sofia follows him: his next followers-only post reaches her, and her node stores it. Her search finds
    # it; lucas's, on the same node, finds nothing — by id or by page, resolved or not.
    await follow(sofia, hugo)
    private = await hugo.post("private-marker for followers", "private")
    at_sofia = await eventually(lambda: sofia.home("private-marker"), "the followers-only post at sofia's")
    assert [s["id"] for s in await find(sofia, private["uri"])] == [at_sofia["id"]]
    for url in (private["uri"], private["url"], early["uri"]):
        assert await find(lucas, url) == [], url
        assert await find(lucas, url, type="statuses") == [], url
    assert await lucas.search("private-marker") == []
    await lucas.status(at_sofia["id"], status=404)


@pytest.fixture
async def forger() -> AsyncIterator[str]:
    """A server on 127.0.0.1 whose posts lie about where they come from; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    elsewhere = f"http://127.0.0.1:{free_port()}"  # some other host

    def note(note_id: str, author: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        document = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": note_id,
            "type": "Note",
            "attributedTo": author,
            "content": "<p>forged-marker</p>",
            "to": [PUBLIC],
        }

        async def serve(_: web.Request) -> web.Response:
            return web.Response(body=json.dumps(document).encode(), content_type=ACTIVITY_JSON)

        return serve

    async def actor(_: web.Request) -> web.Response:
        document = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": f"{base}/users/a",
            "type": "Person",
            "preferredUsername": "a",
            "inbox": f"{base}/users/a/inbox",
            "publicKey": {"id": f"{base}/users/a#main-key", "owner": f"{base}/users/a", "publicKeyPem": key},
        }
        return web.Response(body=json.dumps(document).encode(), content_type=ACTIVITY_JSON)

    key = new_key_pair().public_pem
    app = web.Application()
    app.router.add_get("/users/a", actor)
    app.router.add_get("/notes/honest", note(f"{base}/notes/honest", f"{base}/users/a"))  # the control
    # Its id on another host than the one that answered; then its author on another host than its id.
    app.router.add_get("/notes/foreign-id", note(f"{elsewhere}/notes/1", f"{elsewhere}/users/a"))
    app.router.add_get("/notes/foreign-author", note(f"{base}/notes/foreign-author", f"{elsewhere}/u"))
    # A page whose post's id, fetched again, names yet another post.
    app.router.add_get("/@a/1", note(f"{base}/notes/moving", f"{base}/users/a"))
    app.router.add_get("/notes/moving", note(f"{base}/notes/elsewhere", f"{base}/users/a"))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield base
    finally:
        await server.close()


async def test_documents_that_lie_about_their_origin_are_refused(
    nodes: NodeFactory, http: aiohttp.ClientSession, forger: str
) -> None:
    node = nodes.create(demo=True)
    lucas = await person(http, node, "lucas")
    honest = await find(lucas, f"{forger}/notes/honest")  # the same server, telling the truth: found
    assert [s["uri"] for s in honest] == [f"{forger}/notes/honest"] and "forged-marker" in honest[0]["content"]
    for path in ("/notes/foreign-id", "/notes/foreign-author", "/@a/1"):
        assert await find(lucas, f"{forger}{path}") == [], path
    for path in ("/notes/foreign-author", "/notes/moving", "/notes/elsewhere"):
        assert await stored_status(node, f"{forger}{path}") is None
    assert [s["uri"] for s in await lucas.search("forged-marker")] == [f"{forger}/notes/honest"], "no other stored"
