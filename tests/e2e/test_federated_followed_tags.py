"""A followed hashtag brings federated posts home: hugo on node one, camille on node two following #crossnode.

sofia on node two follows hugo, so his posts reach node two; camille does not follow him. His
public post with the hashtag enters camille's home feed; his followers-only one reaches sofia
only, never camille.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import eventually, follow, person


async def test_a_followed_hashtag_brings_a_peers_public_posts_home(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")
    await follow(sofia, hugo)
    assert (await camille.api("POST", "/api/v1/tags/crossnode/follow"))["following"] is True

    await hugo.post("For followers only #crossnode", "private")
    await hugo.post("Open to all #CrossNode", "public")
    public = await eventually(lambda: camille.home("Open to all"), "hugo's public post in camille's home")
    assert public["account"]["acct"] == hugo.handle and public["tags"][0]["name"] == "crossnode"
    await eventually(lambda: sofia.home("For followers only"), "hugo's private post at sofia's")
    assert await camille.home("For followers only") is None, "a followers-only post never reaches a tag follower"
