"""Issue #5's bad input against a running node, the way a hostile server would send it.

Handler-level tests (tests/inbox/) prove each rule on a database; these prove the same rules hold
end to end — real signed requests into a real `essaim run`, effects read back through the Mastodon
API and signed fetches — for the three refusals that protect local people most: a remote object
posing as a local one, HTML that would run in a reader's app, and a private post re-addressed.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from essaim.actors.models import Follow, Status
from tests.api_helpers import api_token, call
from tests.conftest import Node
from tests.federation_helpers import eventually
from tests.inbox_peer import Peer, count, hugo, node, other_peer, peer, post
from tests.signed_fetch import SigningKey, signed_get_json

__all__ = ["node", "other_peer", "peer"]  # fixtures, imported for pytest

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def create(peer: Peer, number: int, note: dict[str, Any]) -> dict[str, Any]:
    """A `Create` by the peer wrapping `note`, addressed as the note is."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor}/statuses/{number}/activity",
        "type": "Create",
        "actor": peer.actor,
        "to": note.get("to", []),
        "cc": note.get("cc", []),
        "object": note,
    }


def signer(peer: Peer) -> SigningKey:
    return SigningKey(peer.key_id, peer.keys.private_pem)


async def test_a_remote_object_claiming_to_be_local_is_refused(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    forged_id = f"{node.base_url}/users/1/statuses/424242"
    note = {"id": forged_id, "type": "Note", "attributedTo": peer.actor, "content": "<p>I am local</p>", "to": [PUBLIC]}
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, create(peer, 1, note))
    await post(http, url, body, headers, status=202)  # ours may be embedded (Accept{Follow}): the handler judges

    async def refused() -> bool:
        return "claiming to be a local one" in node.log()

    await eventually(refused, "the Create's refusal")
    assert await count(node, Status, Status.uri == forged_id) == 0
    async with http.get(forged_id, headers=signer(peer).get_headers(forged_id)) as response:
        assert response.status == 404, "nothing was created under the node's name"


async def test_remote_html_reaches_apps_sanitised(node: Node, peer: Peer, http: aiohttp.ClientSession) -> None:
    target = await hugo(http, node)
    content = (
        f'<p onclick="steal()">Hello <span class="h-card"><a href="{target}" class="u-url mention">@hugo</a></span>'
        ' <script>alert(1)</script><a href="javascript:alert(2)">click</a>'
        '<img src="x" onerror="alert(3)"><iframe src="https://evil.example/"></iframe>'
        '<a href="https://example.com/ok" style="position:fixed">fine</a></p>'
    )
    note = {
        "id": f"{peer.actor}/statuses/2",
        "type": "Note",
        "attributedTo": peer.actor,
        "content": content,
        "to": [PUBLIC],
        "cc": [target],
        "tag": [{"type": "Mention", "href": target, "name": f"@hugo@{node.domain}"}],
    }
    url = f"{node.base_url}/inbox"
    body, headers = peer.signed(url, create(peer, 2, note))
    await post(http, url, body, headers, status=202)

    token = await api_token(node, "hugo")

    async def mentioned() -> list[Any]:
        found = await call(http, "GET", f"{node.base_url}/api/v1/notifications?types[]=mention", token)
        return [n for n in found if n["status"] and n["status"]["uri"] == note["id"]]

    [notification] = await eventually(mentioned, "the mention notification")
    html = notification["status"]["content"]
    for dangerous in ("<script", "alert(1)", "onclick", "onerror", "javascript:", "<iframe", "<img", "style="):
        assert dangerous not in html, f"{dangerous!r} survived: {html}"
    assert re.search(r'<a href="https://example.com/ok"[^>]*>fine</a>', html), html
    assert "Hello" in html and "click" in html, "the text itself is kept"
    assert notification["status"]["mentions"][0]["acct"] == "hugo"


async def test_a_private_local_post_cannot_be_readdressed(
    node: Node, peer: Peer, other_peer: Peer, http: aiohttp.ClientSession
) -> None:
    """SACRED: a follower's server cannot boost, rewrite or leak a followers-only post to anyone new."""
    target = await hugo(http, node)
    token = await api_token(node, "hugo")
    inbox = f"{target}/inbox"
    body, headers = peer.signed(inbox, peer.follow(target, 40))
    await post(http, inbox, body, headers, status=202)

    async def followed() -> bool:
        return await count(node, Follow, Follow.uri == peer.follow(target, 40)["id"], Follow.accepted.is_(True)) == 1

    await eventually(followed, "the peer's follow")
    form = {"status": "for my followers", "visibility": "private"}
    private = await call(http, "POST", f"{node.base_url}/api/v1/statuses", token, json=form)
    uri = private["uri"]
    await signed_get_json(http, uri, signer(peer))  # the follower's server may read it
    await signed_get_json(http, uri, signer(other_peer), status=404)  # anyone else: it does not exist

    url = f"{node.base_url}/inbox"
    boost = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor}/statuses/41/activity",
        "type": "Announce",
        "actor": peer.actor,
        "object": uri,
        "to": [PUBLIC],
        "cc": [other_peer.actor],
    }
    rewrite = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor}#updates/42",
        "type": "Update",
        "actor": peer.actor,
        "object": {"id": uri, "type": "Note", "attributedTo": target, "content": "<p>for everyone</p>", "to": [PUBLIC]},
    }
    for activity in (boost, rewrite):
        body, headers = peer.signed(url, activity)
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status in (202, 400), await response.text()

    async def refused() -> bool:
        return "would widen its audience" in node.log()

    await eventually(refused, "the boost's refusal")
    assert await count(node, Status, Status.reblog_of_id == int(private["id"])) == 0
    status = await call(http, "GET", f"{node.base_url}/api/v1/statuses/{private['id']}", token)
    assert status["visibility"] == "private" and "for my followers" in status["content"]
    assert status["reblogs_count"] == 0
    await signed_get_json(http, uri, signer(other_peer), status=404)
