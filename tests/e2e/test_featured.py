"""Pinned posts across two (and three) real Essaim nodes: the featured collection, Add and Remove.

hugo pins on node one; node two learns his pins when it first meets him (his featured collection), then
from each `Add` and `Remove` he sends his followers. A followers-only pin reaches only his followers:
never a node where nobody follows him, never a reader of the collection who does not follow him.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
from sqlalchemy import delete, select

from essaim.actors.models import Delivery, Status, StatusPin
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, follow, person, stored_status
from tests.helpers import database, get_json
from tests.signed_fetch import signed_get_json, stored_key


async def pinned(reader: Person, account_id: str) -> list[str]:
    """The contents' markers of the account's pinned posts, as `reader` sees them (newest pin first)."""
    found = await reader.api("GET", f"/api/v1/accounts/{account_id}/statuses", params={"pinned": "true"})
    return [status["content"] for status in found]


def contents(posts: list[dict[str, Any]]) -> list[str]:
    return [post["content"] for post in posts]


async def test_pins_reach_the_other_node_and_unpin_removes(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two, three = nodes.create(demo=True), nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")
    camille = await person(http, three, "camille")

    # Pinned before node two ever met hugo: read from his featured collection when it first resolves him.
    first = await hugo.post("first-pin-marker", "public")
    await hugo.api("POST", f"/api/v1/statuses/{first['id']}/pin")
    at_two = str((await sofia.lookup(hugo.handle))["id"])
    await eventually(lambda: _has(sofia, at_two, ["first-pin-marker"]), "hugo's first pin on node two")

    # Posted while nobody on node two followed him, pinned after: the Add names a post node two fetches.
    unseen = await hugo.post("unseen-pin-marker", "public")
    await follow(sofia, hugo)
    await hugo.api("POST", f"/api/v1/statuses/{unseen['id']}/pin")
    await eventually(lambda: _has(sofia, at_two, ["unseen-pin-marker", "first-pin-marker"]), "the fetched pin")

    # Followers-only: pinned for his followers' servers only; on node two, only sofia sees it pinned.
    at_three = str((await camille.lookup(hugo.handle))["id"])  # node three knows him, nobody there follows him
    private = await hugo.post("private-pin-marker", "private")
    await hugo.api("POST", f"/api/v1/statuses/{private['id']}/pin")
    expected = ["private-pin-marker", "unseen-pin-marker", "first-pin-marker"]
    await eventually(lambda: _has(sofia, at_two, expected), "the followers-only pin at sofia's")
    assert await _markers(lucas, at_two) == expected[1:], "lucas does not follow hugo"
    public_pins = {"unseen-pin-marker", "first-pin-marker"}  # node three read his collection as anyone may

    async def read_at_three() -> bool:
        return set(await _markers(camille, at_three)) == public_pins

    await eventually(read_at_three, "hugo's public pins on node three")
    assert await _pin_deliveries(one) == {two.domain: 2}, "each Add since sofia followed, to node two only"
    assert await stored_status(three, private["uri"]) is None

    # The collection itself, as each signer may read it; never unsigned (authorized fetch).
    featured_uri = (await signed_get_json(http, hugo_uri := first["account"]["uri"], await sofia.key()))["featured"]
    assert featured_uri == f"{hugo_uri}/collections/featured"
    as_sofia = await signed_get_json(http, featured_uri, await sofia.key())
    assert as_sofia["type"] == "OrderedCollection" and as_sofia["totalItems"] == 3
    assert [note["id"] for note in as_sofia["orderedItems"]] == [private["uri"], unseen["uri"], first["uri"]]
    as_camille = await signed_get_json(http, featured_uri, await camille.key())
    assert [note["id"] for note in as_camille["orderedItems"]] == [unseen["uri"], first["uri"]]
    as_node_two = await signed_get_json(http, featured_uri, await stored_key(two.database_url))
    assert as_node_two["totalItems"] == 2, "a server's own actor reads what anyone may"
    await get_json(http, featured_uri, status=401)

    # Unpinning sends Remove: gone from node two, the post itself stays.
    await hugo.api("POST", f"/api/v1/statuses/{first['id']}/unpin")
    await eventually(lambda: _has(sofia, at_two, ["private-pin-marker", "unseen-pin-marker"]), "the unpin")
    assert (await sofia.lookup(hugo.handle))["id"] == at_two
    assert await stored_status(two, first["uri"]) is not None


async def test_a_profile_update_rereads_the_pins(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """Node two lost an Add (its pin row deleted directly): hugo's next profile edit makes it read his
    collection again; the followers-only pin, which that collection does not show node two, is kept."""
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
    at_two = await follow(sofia, hugo)
    public, private = await hugo.post("public-pin-marker", "public"), await hugo.post("private-pin-marker", "private")
    for post in (public, private):
        await hugo.api("POST", f"/api/v1/statuses/{post['id']}/pin")
    both = ["private-pin-marker", "public-pin-marker"]
    await eventually(lambda: _has(sofia, at_two, both), "both pins at sofia's")

    async with database(two.database_url) as session:
        lost = select(Status.id).where(Status.uri == public["uri"])
        await session.execute(delete(StatusPin).where(StatusPin.status_id.in_(lost)))
    assert await _markers(sofia, at_two) == ["private-pin-marker"]

    await hugo.api("PATCH", "/api/v1/accounts/update_credentials", data={"display_name": "Hugo (pins)"})
    await eventually(lambda: _has(sofia, at_two, both), "the lost pin read again after the profile update")


async def _pin_deliveries(node: Node) -> dict[str, int]:
    """How many Add/Remove activities node one planned, per receiving host (read from its delivery ledger)."""
    async with database(node.database_url) as session:
        rows = await session.scalars(select(Delivery).where(Delivery.activity_id.like("%#pins/%")))
        return dict(Counter(delivery.host for delivery in rows))


async def _markers(reader: Person, account_id: str) -> list[str]:
    return [_marker(content) for content in await pinned(reader, account_id)]


def _marker(content: str) -> str:
    return next(word for word in content.replace("<", " ").replace(">", " ").split() if word.endswith("-marker"))


async def _has(reader: Person, account_id: str, markers: list[str]) -> bool:
    return await _markers(reader, account_id) == markers
