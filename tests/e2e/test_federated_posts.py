"""Posts between two real Essaim nodes, driven and checked only through their Mastodon client APIs.

On node one, hugo posts; on node two, sofia follows him (through the real follow flow),
camille is someone he mentions, and lucas is a bystander who follows nobody on node one.
A post in each of the four visibilities must reach exactly its audience on node two — home
timeline, notifications, the post itself by id, search — and nobody else. Then replies go
back and forth, favourites and boosts notify the author across nodes, and an edit and a
deletion reach the copies. Deliveries are asynchronous, so every check on the other node polls.
Node one runs in secure mode: its post ids answer GETs signed with the real keys of node two's
people (and of node two itself), each only with what that signer may read.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, follow, person
from tests.helpers import get_json
from tests.signed_fetch import signed_get_json, stored_key


async def scene(nodes: NodeFactory, http: aiohttp.ClientSession) -> tuple[Person, Person, Person, Person, Person]:
    """hugo and amina on node one; sofia (follows hugo), camille (known to hugo) and lucas on node two."""
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, camille, lucas = [await person(http, two, name) for name in ("sofia", "camille", "lucas")]
    await follow(sofia, hugo)
    await hugo.api("GET", "/api/v1/accounts/lookup", params={"acct": camille.handle})  # so @camille@… resolves
    return hugo, amina, sofia, camille, lucas


async def test_each_visibility_reaches_exactly_its_audience(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    hugo, _amina, sofia, camille, lucas = await scene(nodes, http)
    mention = f"@{camille.handle}"  # hugo's node knows camille: the mention links her

    # Public: followers' home timelines, the mentioned person's notifications, and anyone reading it.
    await hugo.post(f"public-marker for everyone {mention}", "public")
    at_sofia = await eventually(lambda: sofia.home("public-marker"), "the public post in sofia's home")
    assert at_sofia["visibility"] == "public" and at_sofia["account"]["acct"] == hugo.handle
    assert at_sofia["mentions"][0]["acct"] == "camille"
    note = await eventually(lambda: camille.notified("mention", "public-marker"), "camille's mention")
    assert note["account"]["acct"] == hugo.handle
    assert (await lucas.status(at_sofia["id"]))["content"] == at_sofia["content"]
    assert await lucas.home("public-marker") is None, "lucas follows nobody on node one"
    document = await signed_get_json(http, at_sofia["uri"], await lucas.key())  # the post's id, served by node one
    await signed_get_json(http, at_sofia["uri"], await stored_key(lucas.node.database_url))  # node two's /actor
    await get_json(http, at_sofia["uri"], status=401)  # not served unsigned (authorized fetch)
    assert document["type"] == "Note" and document["attributedTo"] == at_sofia["account"]["uri"]
    camille_uri = (await hugo.api("GET", "/api/v1/accounts/lookup", params={"acct": camille.handle}))["uri"]
    assert {"type": "Mention", "href": camille_uri, "name": mention} in document["tag"]
    assert camille_uri in document["cc"]

    # Unlisted: the same people, but no public timeline.
    await hugo.post("unlisted-marker quietly", "unlisted")
    unlisted = await eventually(lambda: sofia.home("unlisted-marker"), "the unlisted post in sofia's home")
    assert unlisted["visibility"] == "unlisted"
    public_timeline = await lucas.api("GET", "/api/v1/timelines/public", params={"limit": "40"})
    assert not any("unlisted-marker" in s["content"] for s in public_timeline)

    # Followers-only: sofia only. Not camille (neither following nor mentioned), not lucas, by any path.
    await hugo.post("private-marker for followers", "private")
    private = await eventually(lambda: sofia.home("private-marker"), "the followers-only post in sofia's home")
    assert private["visibility"] == "private"
    for outsider in (camille, lucas):
        assert await outsider.home("private-marker") is None
        assert await outsider.search("private-marker") == []
        await outsider.status(private["id"], status=404)
    assert [s["id"] for s in await sofia.search("private-marker")] == [private["id"]]
    # Its id answers a GET signed by sofia (a follower); to camille, lucas and node two itself it does not exist.
    assert (await signed_get_json(http, private["uri"], await sofia.key()))["content"] == private["content"]
    for key in (await camille.key(), await lucas.key(), await stored_key(sofia.node.database_url)):
        await signed_get_json(http, private["uri"], key, status=404)
    await get_json(http, private["uri"], status=401)

    # Direct: camille only. Not sofia, although she follows hugo.
    await hugo.post(f"{mention} direct-marker between us", "direct")
    direct = await eventually(lambda: camille.home("direct-marker"), "the direct post in camille's home")
    assert direct["visibility"] == "direct"
    assert await camille.notified("mention", "direct-marker") is not None
    for outsider in (sofia, lucas):
        assert await outsider.home("direct-marker") is None
        assert await outsider.search("direct-marker") == []
        assert await outsider.notified("mention", "direct-marker") is None
        await outsider.status(direct["id"], status=404)
        await signed_get_json(http, direct["uri"], await outsider.key(), status=404)
    assert (await signed_get_json(http, direct["uri"], await camille.key()))["content"] == direct["content"]
    assert all(n["account"]["acct"] != hugo.handle for n in await lucas.api("GET", "/api/v1/notifications"))


async def test_threads_interactions_edits_and_deletes_cross_nodes(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    hugo, _amina, sofia, camille, lucas = await scene(nodes, http)
    original = await hugo.post("thread-marker what do you think?", "public")
    copy = await eventually(lambda: sofia.home("thread-marker"), "hugo's post on node two")

    # A reply from node two lands under hugo's post on node one, and notifies him (he is mentioned).
    await sofia.post(f"@{hugo.handle} reply-marker I agree", "public", in_reply_to_id=copy["id"])
    notice = await eventually(lambda: hugo.notified("mention", "reply-marker"), "sofia's reply on node one")
    reply = notice["status"]
    assert reply["in_reply_to_id"] == original["id"] and reply["account"]["acct"] == sofia.handle
    context = await hugo.api("GET", f"/api/v1/statuses/{original['id']}/context")
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    # hugo answers the reply: the answer threads under sofia's reply on node two.
    await hugo.post(f"@{sofia.handle} answer-marker thanks", "public", in_reply_to_id=reply["id"])
    answer = await eventually(lambda: sofia.notified("mention", "answer-marker"), "hugo's answer on node two")
    thread = (await sofia.api("GET", f"/api/v1/statuses/{copy['id']}/context"))["descendants"]
    assert ["reply-marker" in s["content"] for s in thread] == [True, False], "her reply, then hugo's answer"
    assert answer["status"]["in_reply_to_id"] == thread[0]["id"] and answer["status"]["id"] == thread[1]["id"]
    answer_document = await signed_get_json(http, answer["status"]["uri"], await sofia.key())
    assert answer_document["inReplyTo"] == reply["uri"] == thread[0]["uri"]

    # Favourite and boost on node two notify the author on node one.
    await sofia.api("POST", f"/api/v1/statuses/{copy['id']}/favourite")
    liked = await eventually(lambda: hugo.notified("favourite", "thread-marker"), "sofia's favourite on node one")
    assert liked["account"]["acct"] == sofia.handle and liked["status"]["id"] == original["id"]
    await sofia.api("POST", f"/api/v1/statuses/{copy['id']}/reblog")
    boosted = await eventually(lambda: hugo.notified("reblog", "thread-marker"), "sofia's boost on node one")
    assert boosted["account"]["acct"] == sofia.handle

    async def counted() -> bool:
        seen = await hugo.status(original["id"])
        return bool(seen["favourites_count"] == 1 and seen["reblogs_count"] == 1)

    await eventually(counted, "the favourite and boost counted on node one")
    # And the other way: hugo favourites sofia's reply; she hears of it on node two.
    await hugo.api("POST", f"/api/v1/statuses/{reply['id']}/favourite")
    await eventually(lambda: sofia.notified("favourite", "reply-marker"), "hugo's favourite on node two")

    # Undo: the favourite is withdrawn on node one.
    await sofia.api("POST", f"/api/v1/statuses/{copy['id']}/unfavourite")

    async def unliked() -> bool:
        return (await hugo.status(original["id"]))["favourites_count"] == 0

    await eventually(unliked, "sofia's unfavourite on node one")
    assert await hugo.notified("favourite", "thread-marker") is None

    # An edit reaches the copy, with its history.
    await hugo.api("PUT", f"/api/v1/statuses/{original['id']}", data={"status": "thread-marker edited-marker"})

    async def edited() -> Any:
        seen = await sofia.status(copy["id"])
        return seen if "edited-marker" in seen["content"] else None

    seen = await eventually(edited, "the edit on node two")
    assert seen["edited_at"] is not None
    history = await sofia.api("GET", f"/api/v1/statuses/{copy['id']}/history")
    assert len(history) == 2 and "what do you think" in history[0]["content"]

    # A deletion removes the copy everywhere on node two.
    await hugo.api("DELETE", f"/api/v1/statuses/{original['id']}")

    async def gone() -> bool:
        async with http.get(
            f"{sofia.node.base_url}/api/v1/statuses/{copy['id']}", headers={"Authorization": f"Bearer {sofia.token}"}
        ) as response:
            return response.status == 404

    await eventually(gone, "the deletion on node two")
    tombstone = await signed_get_json(http, original["uri"], await sofia.key(), status=410)
    assert tombstone["type"] == "Tombstone" and tombstone["id"] == original["uri"]
    assert await sofia.home("thread-marker") is None
    assert await lucas.search("thread-marker") == []
    assert await camille.home("thread-marker") is None
