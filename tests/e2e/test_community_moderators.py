"""A community's moderators: named by the Group (FEP-1b12 `attributedTo`), told of join requests as
`follow_request` notifications, and answering them through the `/api/v1/communities/:id/requests` extension.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import person

AS2 = {"Accept": "application/activity+json"}


async def test_moderators_answer_join_requests(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True, ESSAIM_FEDERATION_AUTHORIZED_FETCH="false")
    node.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "site")
    node.cli("community", "join", "atelier", "amina")
    node.cli("community", "approve", "atelier", "amina")
    node.cli("community", "role", "atelier", "amina", "moderator")
    hugo, amina, lucas, mehdi = [await person(http, node, name) for name in ("hugo", "amina", "lucas", "mehdi")]
    group = await lucas.lookup("atelier")

    # The Group names its moderators: the owner and the promoted member, nobody else.
    async with http.get(f"{node.base_url}/users/{group['id']}", headers=AS2) as response:
        document = await response.json(content_type=None)
    async with http.get(document["attributedTo"], headers=AS2) as response:
        collection = await response.json(content_type=None)
    hugo_uri, amina_uri = [f"{node.base_url}/users/{(await hugo.lookup(n))['id']}" for n in ("hugo", "amina")]
    assert collection["type"] == "OrderedCollection" and collection["orderedItems"] == [hugo_uri, amina_uri]

    # Asking to join notifies each moderator once, as a follow request from the requester.
    await lucas.api("POST", f"/api/v1/accounts/{group['id']}/follow")
    await lucas.api("POST", f"/api/v1/accounts/{group['id']}/follow")  # asked again: no second notification
    await mehdi.api("POST", f"/api/v1/accounts/{group['id']}/follow")
    assert await hugo.notifications("follow_request") == ["mehdi", "lucas", "amina"]  # amina asked first
    assert await amina.notifications("follow_request") == ["mehdi", "lucas"]

    # Only moderators see and answer requests; a community they cannot see does not exist.
    requests = f"/api/v1/communities/{group['id']}/requests"
    assert await lucas.api("GET", requests, status=403) == {"error": "Only the community's moderators can do this"}
    assert [a["acct"] for a in await amina.api("GET", requests)] == ["lucas", "mehdi"]
    lucas_id, mehdi_id = [(await hugo.lookup(name))["id"] for name in ("lucas", "mehdi")]
    assert (await amina.api("POST", f"{requests}/{lucas_id}/authorize"))["acct"] == "lucas"
    assert (await hugo.api("POST", f"{requests}/{mehdi_id}/reject"))["acct"] == "mehdi"
    await hugo.api("POST", f"{requests}/{mehdi_id}/authorize", status=404)  # no request any more
    assert await amina.api("GET", requests) == []
    assert (await lucas.relationship(group["id"]))["following"] is True
    assert (await mehdi.relationship(group["id"]))["requested"] is False
    members = node.cli("community", "members", "atelier").stdout
    assert "lucas\tmember\tmember" in members and "mehdi" not in members

    node.cli("community", "create", "projet", "--owner", "hugo", "--template", "project", "--ends-on", "2030-01-01")
    secret = await hugo.lookup("projet")
    await amina.api("GET", f"/api/v1/communities/{secret['id']}/requests", status=404)
