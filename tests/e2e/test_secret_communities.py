"""A secret community exists for its members and invitees, and for nobody else, across two nodes.

Locally its members find it through the client API (lookup, account by id, search); on another
node, a member's server finds it by WebFinger and fetches its actor document signed by its own
Application actor (or the member signs), and the invitee joins by following it. Anyone else, on
either node, signed or not, gets 404.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import eventually, person
from tests.signed_fetch import signed_get_json, stored_key


async def test_secret_community_is_seen_by_its_members_only(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "skunkworks", "--owner", "hugo", "--template", "project", "--ends-on", "2030-01-01")
    one.cli("community", "invite", "skunkworks", "amina")
    hugo, amina, lucas = [await person(http, one, name) for name in ("hugo", "amina", "lucas")]
    sofia = await person(http, two, "sofia")

    # On its own node: the owner and an invitee see it; anyone else gets 404 everywhere.
    group = await hugo.lookup("skunkworks")
    assert group["group"] is True and group["locked"] is True
    assert (await amina.lookup("skunkworks"))["id"] == group["id"]
    assert (await amina.api("GET", f"/api/v1/accounts/{group['id']}"))["acct"] == "skunkworks"
    found = await amina.api("GET", "/api/v2/search", params={"q": "skunkworks", "type": "accounts"})
    assert [a["id"] for a in found["accounts"]] == [group["id"]]
    await lucas.api("GET", "/api/v1/accounts/lookup", params={"acct": "skunkworks"}, status=404)
    await lucas.api("GET", f"/api/v1/accounts/{group['id']}", status=404)
    assert (await lucas.api("GET", "/api/v2/search", params={"q": "skunkworks", "type": "accounts"}))["accounts"] == []
    finger = {"resource": f"acct:skunkworks@{one.domain}"}
    async with http.get(f"{one.base_url}/.well-known/webfinger", params=finger) as response:
        assert response.status == 404

    # Its owner's follows, counted or listed, never give it away (nor the demo's secret project).
    me = await hugo.api("GET", "/api/v1/accounts/verify_credentials")
    seen_by_lucas = await lucas.api("GET", f"/api/v1/accounts/{me['id']}/following", params={"limit": "80"})
    assert not {"skunkworks", "horizon"} & {a["acct"] for a in seen_by_lucas}
    assert (await lucas.api("GET", f"/api/v1/accounts/{me['id']}"))["following_count"] == len(seen_by_lucas)

    # Another node: before anyone there is invited, even its signed lookup finds nothing.
    group_uri = f"{one.base_url}/users/{group['id']}"
    sofia_key, camille_key = await stored_key(two.database_url, "sofia"), await stored_key(two.database_url, "camille")
    await signed_get_json(http, group_uri, sofia_key, status=404)
    following = await signed_get_json(http, f"{one.base_url}/users/{me['id']}/following", sofia_key)
    first = await signed_get_json(http, following["first"], sofia_key)
    assert group_uri not in first["orderedItems"] and following["totalItems"] == len(first["orderedItems"])
    await sofia.api("GET", "/api/v1/accounts/lookup", params={"acct": f"skunkworks@{one.domain}"}, status=404)

    # Once sofia is invited, her own signature and her server's find the Group; camille's does not.
    await hugo.lookup(sofia.handle)  # node 1 meets sofia, so she can be invited
    one.cli("community", "invite", "skunkworks", sofia.handle)
    document = await signed_get_json(http, group_uri, sofia_key)
    assert document["type"] == "Group" and document["id"] == group_uri
    await signed_get_json(http, group_uri, camille_key, status=404)
    remote_group = await sofia.lookup(f"skunkworks@{one.domain}")  # WebFinger and actor fetched signed by node 2
    assert remote_group["group"] is True

    # The invitee joins from her own node by following it.
    await sofia.api("POST", f"/api/v1/accounts/{remote_group['id']}/follow")

    async def sofia_is_member() -> bool:
        return (await sofia.relationship(remote_group["id"]))["following"] is True

    await eventually(sofia_is_member, "the Group's Accept on node 2")
    assert f"sofia@{two.domain}\tmember\tmember" in one.cli("community", "members", "skunkworks").stdout
