"""`/settings/migration` over plain HTTP on one node: sign-in and CSRF required, aliases, a move here.

ben signs up and opens the page; ana and cid have accounts on the same node, cid follows ben.
ben cannot move to ana until ana lists him (`essaim user alias`); then the move takes cid's
follow to ana at once, with a `move` notification, and ben's account shows `moved`.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.e2e.test_account_moves import create_user, settings_form
from tests.federation_helpers import person
from tests.web.test_auth_forms import sign_up

PAGE = "/settings/migration"


async def test_aliases_and_a_move_between_two_local_accounts(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    create_user(node, "ana")
    create_user(node, "cid")
    async with http.get(f"{node.base_url}{PAGE}", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"].startswith("/auth/sign_in?next=")
    async with http.post(f"{node.base_url}{PAGE}/move", data={"account": "ana"}, allow_redirects=False) as response:
        assert response.status == 303, "signed out: to the sign-in page first"

    assert (await sign_up(http, node, username="ben", email="ben@example.com")).status == 303
    async with http.post(f"{node.base_url}{PAGE}/alias", data={"account": "ana", "csrf_token": "0"}) as response:
        assert response.status == 403, "no valid CSRF token"
    status, page = await settings_form(http, node, "alias", "@ana")
    assert status == 303 and "@ana</span>" in page
    ana_uri = (await (await person(http, node, "ana")).me())["uri"]
    status, page = await settings_form(http, node, "unalias", ana_uri)
    assert status == 303 and "@ana</span>" not in page and "No aliases." in page
    status, page = await settings_form(http, node, "unalias", ana_uri)
    assert status == 422 and "This account is not among the aliases" in page

    ana, ben, cid = await person(http, node, "ana"), await person(http, node, "ben"), await person(http, node, "cid")
    ben_id, ana_id = (await ben.me())["id"], (await ana.me())["id"]
    await cid.api("POST", f"/api/v1/accounts/{ben_id}/follow")
    status, page = await settings_form(http, node, "move", "ana")
    assert status == 422 and "alsoKnownAs" in page
    assert (await cid.relationship(ben_id))["following"] is True, "a refused move changes nothing"

    node.cli("user", "alias", "ana", "--add", f"ben@{node.domain}")
    status, page = await settings_form(http, node, "move", f"@ana@{node.domain}")
    assert status == 303 and "Your account has moved" in page
    assert (await cid.relationship(ana_id))["following"] is True
    assert (await cid.relationship(ben_id))["following"] is False
    assert await cid.notifications("move") == ["ben"]
    assert (await cid.api("GET", f"/api/v1/accounts/{ben_id}"))["moved"]["id"] == ana_id
    await cid.api("POST", f"/api/v1/accounts/{ben_id}/follow", status=422)
