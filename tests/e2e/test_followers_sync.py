"""FEP-8fcf followers synchronization between two real Essaim nodes.

hugo (node one) is followed by sofia, lucas and camille (node two). Then each side loses a follow, by a
direct change to its database, as a lost `Undo` or `Accept` would leave it: node two forgets sofia's
follow (node one still delivers to her), node one forgets camille's (node two still shows her his
followers-only posts). hugo's next post carries the digest of his followers on node two; node two sees it
differ, fetches his partial followers collection and repairs both: an `Undo{Follow}` for sofia, camille's
stale follow removed. The partial collection is served only to signers of the server it lists.
"""

from __future__ import annotations

import aiohttp
from sqlalchemy import delete, select

from essaim.actors.models import Actor, Follow
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import eventually, follow, person
from tests.helpers import database, get_json
from tests.signed_fetch import signed_get_json, stored_key


async def forget_follow(node: Node, follower_uri: str, followee_uri: str) -> None:
    """Delete one follow row on `node`, as a lost Undo (or Accept) leaves one side without it."""
    async with database(node.database_url) as session:
        ids = dict(
            (
                await session.execute(select(Actor.uri, Actor.id).where(Actor.uri.in_([follower_uri, followee_uri])))
            ).all()
        )
        gone = await session.execute(
            delete(Follow).where(Follow.follower_id == ids[follower_uri], Follow.followee_id == ids[followee_uri])
        )
        assert getattr(gone, "rowcount", 0) == 1


async def test_a_lost_follow_on_either_side_is_repaired(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, lucas, camille = [await person(http, two, name) for name in ("sofia", "lucas", "camille")]
    for follower in (sofia, lucas, camille):
        at_two = await follow(follower, hugo)
    hugo_uri = (await hugo.me())["uri"]
    uris = {p.username: (await p.me())["uri"] for p in (sofia, lucas, camille)}
    hugo_id = str((await hugo.me())["id"])

    async def remote_followers() -> list[str]:
        """hugo's followers on node two (the demo company follows him on node one too)."""
        return sorted(handle for handle in await hugo.follower_handles(hugo_id) if "@" in handle)

    assert await remote_followers() == sorted(p.handle for p in (sofia, lucas, camille))

    await forget_follow(two, uris["sofia"], hugo_uri)  # node two lost sofia's follow; node one still has it
    await forget_follow(one, uris["camille"], hugo_uri)  # node one lost camille's; node two still has it

    await hugo.post("sync-trigger-marker for followers", "private")

    async def repaired_at_one() -> bool:
        return await remote_followers() == [lucas.handle]

    await eventually(repaired_at_one, "sofia's follow undone on node one", timeout=30)

    async def repaired_at_two() -> bool:
        return (await camille.relationship(at_two))["following"] is False

    await eventually(repaired_at_two, "camille's stale follow removed on node two", timeout=30)
    assert (await lucas.relationship(at_two))["following"] is True, "the follow both sides agree on stays"

    # After the repair, a followers-only post reaches lucas only.
    await hugo.post("after-sync-marker for followers", "private")
    await eventually(lambda: lucas.home("after-sync-marker"), "the next post at lucas's")
    assert await camille.home("after-sync-marker") is None
    assert await sofia.home("after-sync-marker") is None


async def test_the_partial_followers_collection_is_for_the_server_it_lists(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
    await follow(sofia, hugo)
    followers = f"{(await hugo.me())['uri']}/followers"
    partial = f"{followers}?domain={two.domain}"
    sofia_uri = (await sofia.me())["uri"]
    for key in (await stored_key(two.database_url), await sofia.key()):
        document = await signed_get_json(http, partial, key)
        assert document["type"] == "OrderedCollection" and document["orderedItems"] == [sofia_uri]
        assert document["id"] == partial and document["totalItems"] == 1
    other = await signed_get_json(http, f"{followers}?domain={one.domain}", await sofia.key(), status=403)
    assert "only served to that server" in other["error"]
    await get_json(http, partial, status=401)
