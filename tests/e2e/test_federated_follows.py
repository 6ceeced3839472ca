"""Two Essaim nodes follow each other's people through the Mastodon client API only.

Node 1 and node 2 run on different ports of 127.0.0.1, so each is a separate server to the
other. People find each other by `@user@127.0.0.1:PORT` (lookup and search with resolve),
follow, wait for a locked account's approval, get refused, unfollow and are removed — and each
step is checked through the API of the *other* node, once the deliveries have gone through.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import eventually, person


async def test_people_on_two_nodes_follow_each_other(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, camille, lucas = [await person(http, two, name) for name in ("sofia", "camille", "lucas")]

    # Finding people: lookup resolves an unknown handle; search resolves only when asked to.
    remote_sofia = await hugo.lookup(f"@{sofia.handle}")
    assert remote_sofia["acct"] == sofia.handle and remote_sofia["username"] == "sofia"
    assert remote_sofia["uri"].startswith(f"{two.base_url}/users/")
    assert (await hugo.lookup(sofia.handle))["id"] == remote_sofia["id"]  # stored: the same account again
    unresolved = await hugo.api("GET", "/api/v2/search", params={"q": f"@{camille.handle}", "type": "accounts"})
    assert unresolved["accounts"] == []
    found = await hugo.api(
        "GET", "/api/v2/search", params={"q": f"@{camille.handle}", "type": "accounts", "resolve": "true"}
    )
    remote_camille = found["accounts"][0]
    assert remote_camille["acct"] == camille.handle
    by_url = await hugo.api("GET", "/api/v2/search", params={"q": remote_camille["uri"], "resolve": "true"})
    assert [a["id"] for a in by_url["accounts"]][:1] == [remote_camille["id"]]
    matches = await amina.api("GET", "/api/v1/accounts/search", params={"q": lucas.handle, "resolve": "true"})
    remote_lucas = matches[0]
    assert remote_lucas["acct"] == lucas.handle
    await hugo.api("GET", "/api/v1/accounts/lookup", params={"acct": f"nobody@{two.domain}"}, status=404)

    # An open account: the follow is a request until sofia's node accepts it.
    answer = await hugo.api("POST", f"/api/v1/accounts/{remote_sofia['id']}/follow")
    assert answer["requested"] is True and answer["following"] is False
    sofia_here = (await sofia.api("GET", "/api/v1/accounts/verify_credentials"))["id"]

    async def hugo_follows_sofia() -> bool:
        return (await hugo.relationship(remote_sofia["id"]))["following"] is True

    await eventually(hugo_follows_sofia, "the Accept of hugo's follow")
    assert hugo.handle in await sofia.follower_handles(sofia_here)
    assert await sofia.notifications("follow") == [hugo.handle]
    hugo_there = (await sofia.lookup(hugo.handle))["id"]  # node 2 knows hugo now, without resolving
    assert (await sofia.relationship(hugo_there))["followed_by"] is True

    # A locked account: the request waits on node 2 until camille approves it there.
    locked = await camille.api("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
    assert locked["locked"] is True
    await hugo.api("POST", f"/api/v1/accounts/{remote_camille['id']}/follow")

    async def camille_is_asked() -> bool:
        return await camille.request_handles() == [hugo.handle]

    await eventually(camille_is_asked, "hugo's request on camille's node")
    assert await camille.notifications("follow_request") == [hugo.handle]
    assert (await hugo.relationship(remote_camille["id"]))["requested"] is True
    hugo_at_camille = (await camille.lookup(hugo.handle))["id"]
    approved = await camille.api("POST", f"/api/v1/follow_requests/{hugo_at_camille}/authorize")
    assert approved["followed_by"] is True

    async def hugo_follows_camille() -> bool:
        relationship = await hugo.relationship(remote_camille["id"])
        return relationship["following"] is True and relationship["requested"] is False

    await eventually(hugo_follows_camille, "camille's approval on hugo's node")
    assert await camille.request_handles() == []

    # A refused request: amina's follow of locked lucas ends on both nodes.
    await lucas.api("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
    await amina.api("POST", f"/api/v1/accounts/{remote_lucas['id']}/follow")

    async def lucas_is_asked() -> bool:
        return await lucas.request_handles() == [amina.handle]

    await eventually(lucas_is_asked, "amina's request on lucas's node")
    amina_there = (await lucas.lookup(amina.handle))["id"]
    await lucas.api("POST", f"/api/v1/follow_requests/{amina_there}/reject")

    async def amina_was_refused() -> bool:
        relationship = await amina.relationship(remote_lucas["id"])
        return relationship["requested"] is False and relationship["following"] is False

    await eventually(amina_was_refused, "lucas's Reject on amina's node")

    # Unfollowing reaches the other node; so does being removed from someone's followers.
    await hugo.api("POST", f"/api/v1/accounts/{remote_sofia['id']}/unfollow")

    async def sofia_lost_hugo() -> bool:
        return hugo.handle not in await sofia.follower_handles(sofia_here)

    await eventually(sofia_lost_hugo, "hugo's Undo on sofia's node")
    assert await sofia.notifications("follow") == []
    await camille.api("POST", f"/api/v1/accounts/{hugo_at_camille}/remove_from_followers")

    async def hugo_was_removed() -> bool:
        return (await hugo.relationship(remote_camille["id"]))["following"] is False

    await eventually(hugo_was_removed, "camille's removal of hugo on hugo's node")

    # Following again after an unfollow works: a new Follow, a new Accept.
    await hugo.api("POST", f"/api/v1/accounts/{remote_sofia['id']}/follow")
    await eventually(hugo_follows_sofia, "the Accept of hugo's second follow")
    assert hugo.handle in await sofia.follower_handles(sofia_here)
