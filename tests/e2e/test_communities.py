"""Communities across two Essaim nodes (FEP-1b12), through the Mastodon client API and the CLI.

A closed community on node 1: a person on node 2 asks to join by following its Group, a moderator
approves, and posts written by mentioning the community reach members on both nodes through the
Group's Announce — and nobody else on either node (home, status by id, search). A non-member's post
into it is refused (403); a secret community does not exist for non-members (404).
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import eventually, person


async def test_closed_community_across_two_nodes(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "site")
    assert "requested" in one.cli("community", "join", "atelier", "amina").stdout  # closed: a request
    one.cli("community", "approve", "atelier", "amina")
    hugo, amina, lucas = [await person(http, one, name) for name in ("hugo", "amina", "lucas")]
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")

    # Node 2 sees a locked group account; following it is a request until a moderator approves.
    group = await sofia.lookup(f"atelier@{one.domain}")
    assert group["group"] is True and group["locked"] is True
    answer = await sofia.api("POST", f"/api/v1/accounts/{group['id']}/follow")
    assert answer["following"] is False

    def requested() -> bool:
        return f"sofia@{two.domain}\tmember\trequested" in one.cli("community", "members", "atelier").stdout

    async def asked() -> bool:
        return requested()

    await eventually(asked, "sofia's join request on node 1")
    one.cli("community", "approve", "atelier", f"sofia@{two.domain}")

    async def sofia_is_member() -> bool:
        return (await sofia.relationship(group["id"]))["following"] is True

    await eventually(sofia_is_member, "the Group's Accept on node 2")

    # A member's post that mentions the community is posted into it, for members only.
    posted = await hugo.post("@atelier the kiln is fixed", "public")
    assert posted["visibility"] == "private"
    assert await amina.home("the kiln is fixed") is not None

    async def sofia_has_it() -> bool:
        return await sofia.home("the kiln is fixed") is not None

    await eventually(sofia_has_it, "the Group's Announce on node 2")
    there = await sofia.home("the kiln is fixed")
    assert there is not None
    assert await camille.home("the kiln is fixed") is None
    assert await camille.search("kiln") == []
    assert not await camille.can_read(there["id"])
    assert not await lucas.can_read(posted["id"])
    assert await lucas.search("kiln") == []

    # A remote member posts into it from their own node: members on node 1 get it, non-members nowhere.
    remote_post = await sofia.post(f"@atelier@{one.domain} glazes arrive monday", "public")
    assert remote_post["visibility"] == "private"

    async def amina_has_it() -> bool:
        return await amina.home("glazes arrive monday") is not None

    await eventually(amina_has_it, "sofia's post on node 1")
    assert await lucas.search("glazes") == []
    assert await camille.home("glazes arrive monday") is None

    # A non-member cannot post into it; following it from an app asks to join.
    await lucas.api("POST", "/api/v1/statuses", data={"status": "@atelier let me in"}, status=403)
    local_group = await lucas.lookup("atelier")
    assert local_group["group"] is True
    await lucas.api("POST", f"/api/v1/accounts/{local_group['id']}/follow")
    assert "lucas\tmember\trequested" in one.cli("community", "members", "atelier").stdout

    # A secret community does not exist for non-members: API and WebFinger answer 404.
    one.cli("community", "create", "projet", "--owner", "hugo", "--template", "project", "--ends-on", "2030-01-01")
    await lucas.api("GET", "/api/v1/accounts/lookup", params={"acct": "projet"}, status=404)
    finger = {"resource": f"acct:projet@{one.domain}"}
    async with http.get(f"{one.base_url}/.well-known/webfinger", params=finger) as response:
        assert response.status == 404
