"""An account moves to another node and its followers follow it there (Mastodon's `Move`), across three nodes.

alice (node A) is followed by bob (node B). alice2 (node C) lists alice as an alias on her settings
page; alice moves with `essaim user move`. Node B, told by a `Move`, fetches alice2, sees the alias,
and bob follows alice2 (a real Follow that node C accepts) and no longer alice, with a `move`
notification; alice's account on B shows `moved`, and takes no new followers. Refusals: a move to an
account that does not list alice fails before anything is sent; a Move forged with alice's real key
towards mallory (who lists nobody) reaches B's inbox and changes nothing there.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from essaim.federation.signatures import sign_request
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, follow, person
from tests.helpers import form_token
from tests.web.test_auth_forms import GOOD_PASSWORD, sign_up


def create_user(node: Node, username: str) -> None:
    node.cli("user", "create", username, "--email", f"{username}@example.com", input=f"{GOOD_PASSWORD}\n")


async def settings_form(browser: aiohttp.ClientSession, node: Node, action: str, account: str) -> tuple[int, str]:
    """Send one form of `/settings/migration` as the signed-in browser does; the status and the page shown."""
    token = await form_token(browser, f"{node.base_url}/settings/migration")
    url = f"{node.base_url}/settings/migration/{action}"
    async with browser.post(url, data={"csrf_token": token, "account": account}) as response:
        return response.history[0].status if response.history else response.status, await response.text()


async def forged_move(http: aiohttp.ClientSession, mover: Person, mover_uri: str, target: str, inbox: str) -> None:
    """A Move signed with the mover's real key (as their server would sign it), posted to `inbox`."""
    key = await mover.key()
    body = json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{mover_uri}#moves/forged",
            "type": "Move",
            "actor": mover_uri,
            "object": mover_uri,
            "target": target,
        }
    ).encode()
    headers = {"Content-Type": "application/activity+json"}
    headers |= sign_request("POST", inbox, headers, body, key_id=key.key_id, private_key_pem=key.private_key_pem)
    async with http.post(inbox, data=body, headers=headers) as response:
        assert response.status == 202, await response.text()


async def test_an_account_moves_and_its_followers_follow_it(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    a, b, c = nodes.create(), nodes.create(), nodes.create()
    create_user(a, "alice")
    create_user(b, "bob")
    create_user(c, "mallory")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        assert (await sign_up(browser, c, username="alice2", email="alice2@example.com")).status == 303
        alice, bob = await person(http, a, "alice"), await person(http, b, "bob")
        alice_on_b = await follow(bob, alice)
        alice_uri = (await bob.api("GET", f"/api/v1/accounts/{alice_on_b}"))["uri"]

        refused = a.cli("user", "move", "alice", "--to", f"alice2@{c.domain}", check=False)
        assert refused.returncode == 1 and "alsoKnownAs" in refused.stderr, "no alias yet: refused before sending"
        status, page = await settings_form(browser, c, "alias", f"nobody@{a.domain}")
        assert status == 422 and "nobody" in page
        status, page = await settings_form(browser, c, "alias", f"@alice@{a.domain}")
        assert status == 303 and f"@alice@{a.domain}" in page and "The alias was added." in page

        mallory_on_b = await bob.lookup(f"mallory@{c.domain}")
        await forged_move(http, alice, alice_uri, mallory_on_b["uri"], f"{b.base_url}/inbox")
        a.cli("user", "move", "alice", "--to", f"@alice2@{c.domain}")
        alice2_on_b = (await bob.lookup(f"alice2@{c.domain}"))["id"]

        async def following_alice2() -> bool:
            return bool((await bob.relationship(alice2_on_b))["following"])

        await eventually(following_alice2, "bob following alice2 after alice's Move")
        relationships: list[Any] = await asyncio.to_thread(bob.app.account_relationships, [alice_on_b, alice2_on_b])
        assert [(r["following"], r["requested"]) for r in relationships] == [(False, False), (True, False)]
        notices = await asyncio.to_thread(bob.app.notifications, types=["move"])
        assert [(n["type"], n["account"]["acct"]) for n in notices] == [("move", f"alice@{a.domain}")]
        moved = await asyncio.to_thread(bob.app.account, alice_on_b)
        assert moved["moved"]["acct"] == f"alice2@{c.domain}"

        alice2 = await person(http, c, "alice2")
        assert await alice2.follower_handles((await alice2.me())["id"]) == [f"bob@{b.domain}"]
        to_mallory = await bob.relationship(mallory_on_b["id"])
        assert (to_mallory["following"], to_mallory["requested"]) == (False, False), "the forged Move changed nothing"
        await bob.api("POST", f"/api/v1/accounts/{alice_on_b}/follow", status=422)

        async with http.get(f"{a.base_url}/@alice") as response:
            assert f"alice2@{c.domain}" in await response.text(), "the profile page says where alice went"
        assert (await alice.me())["moved"]["acct"] == f"alice2@{c.domain}"
