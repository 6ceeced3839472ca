"""Blocks, reports and domain blocks between two real Essaim nodes, checked through their client APIs
(and, for what no API shows, the delivery ledger in their databases).

Personal block: hugo (node one) blocks sofia (node two), who follow each other. The Block reaches
node two: the follows end on both nodes, sofia is refused hugo's posts and cannot follow him,
and her mention of him notifies nobody on node one. A report of sofia's post, forwarded, reaches
node two's admins as a report from node one itself — never naming the reporter.

Domain blocks: node one's admin silences node two (sofia's posts reach only her followers there,
never the public timeline), then suspends it from the command line: follows are severed at once,
node two's Follow is answered 403 and stores nothing, nothing is delivered or looked up there,
and lifting the block lets node one talk to node two again.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from mastodon import Mastodon
from sqlalchemy import select

from essaim.actors.models import Actor, Delivery
from essaim.outbox.delivery import SUSPENDED
from essaim.web.federation import POLICY_REFRESH_SECONDS
from tests.api_helpers import ALL_SCOPES, api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.e2e.test_federated_posts import Person, eventually, follow, person
from tests.helpers import database

ADMIN_SCOPES = f"{ALL_SCOPES} admin:read admin:write"


async def relationship(who: Person, account_id: str) -> dict[str, Any]:
    return dict((await who.api("GET", "/api/v1/accounts/relationships", params={"id[]": account_id}))[0])


async def admin(node: Node) -> Mastodon:
    return mastodon(node, await api_token(node, "camille", ADMIN_SCOPES))


async def test_a_block_and_a_report_cross_nodes(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")
    sofia_at_one = await follow(hugo, sofia)
    hugo_at_two = await follow(sofia, hugo)
    await follow(camille, hugo)  # hugo's posts keep reaching node two through camille

    blocked = await hugo.api("POST", f"/api/v1/accounts/{sofia_at_one}/block")
    assert blocked["blocking"] is True and not blocked["following"] and not blocked["followed_by"]

    async def severed_on_two() -> bool:
        seen = await relationship(sofia, hugo_at_two)
        return bool(seen["blocked_by"] and not seen["following"] and not seen["followed_by"])

    await eventually(severed_on_two, "hugo's Block on node two")
    assert await sofia.api("POST", f"/api/v1/accounts/{hugo_at_two}/follow", status=403) == {
        "error": "This action is not allowed"
    }

    # hugo's new post reaches node two, where sofia cannot read it by any path.
    await hugo.post("after-block-marker plans for Q3", "public")
    copy = await eventually(lambda: camille.home("after-block-marker"), "hugo's post on node two")
    await sofia.status(copy["id"], status=404)
    assert await sofia.search("after-block-marker") == []
    public = await sofia.api("GET", "/api/v1/timelines/public", params={"limit": "40"})
    assert copy["id"] not in {s["id"] for s in public}

    # sofia's mention of hugo arrives on node one and notifies nobody.
    await sofia.post(f"@{hugo.handle} mention-marker are you there?", "public")
    found = await eventually(lambda: amina.search("mention-marker"), "sofia's post on node one")
    assert await hugo.notified("mention", "mention-marker") is None
    assert await hugo.search("mention-marker") == [] and await hugo.home("mention-marker") is None

    # Unblocking reaches node two too.
    await hugo.api("POST", f"/api/v1/accounts/{sofia_at_one}/unblock")

    async def lifted_on_two() -> bool:
        return (await relationship(sofia, hugo_at_two))["blocked_by"] is False

    await eventually(lifted_on_two, "hugo's Undo{Block} on node two")

    # amina reports sofia's post and forwards it: node two's admins get it from node one, not from her.
    app = mastodon(one, amina.token)
    report = await asyncio.to_thread(
        app.report, sofia_at_one, status_ids=[found[0]["id"]], comment="Off-topic pings", forward=True
    )
    assert report["forwarded"] is True and report["target_account"]["acct"] == sofia.handle
    node_two_admin = await admin(two)

    async def reported() -> list[Any]:
        return list(await asyncio.to_thread(node_two_admin.admin_reports))

    arrived = (await eventually(reported, "the forwarded report on node two"))[0]
    assert arrived["target_account"]["username"] == "sofia" and arrived["target_account"]["domain"] is None
    assert arrived["comment"] == "Off-topic pings"
    assert ["mention-marker" in s["content"] for s in arrived["statuses"]] == [True]
    assert arrived["account"]["username"] == one.domain and arrived["account"]["domain"] == one.domain
    assert "amina" not in json.dumps(arrived, default=str)


async def deliveries(node: Node, activity_type: str) -> list[Delivery]:
    async with database(node.database_url) as session:
        rows = await session.scalars(select(Delivery).order_by(Delivery.id))
        return [row for row in rows if json.loads(row.activity)["type"] == activity_type]


async def test_silence_then_suspend_a_node(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")
    sofia_at_one = await follow(hugo, sofia)
    await follow(sofia, hugo)
    # Looked up before the suspension: once suspended, node one refuses node two's signed fetches too.
    amina_at_two = (await lucas.api("GET", "/api/v1/accounts/lookup", params={"acct": amina.handle}))["id"]
    url = f"{one.base_url}/api/v1/admin/domain_blocks"
    token = await api_token(one, "camille", ADMIN_SCOPES)
    silenced = await call(http, "POST", url, token, data={"domain": two.domain, "severity": "silence"})

    # Silenced: sofia's post reaches her follower hugo on node one, and nobody else there.
    await sofia.post("silenced-marker launch notes", "public")
    seen = await eventually(lambda: hugo.home("silenced-marker"), "sofia's post in hugo's home")
    await amina.status(seen["id"], status=404)
    assert await amina.search("silenced-marker") == []
    for who in (hugo, amina):
        public = await who.api("GET", "/api/v1/timelines/public", params={"limit": "40"})
        assert seen["id"] not in {s["id"] for s in public}

    # Suspended, from the shell while the node runs: follows end at once, her posts are gone.
    await call(http, "DELETE", f"{url}/{silenced['id']}", token)
    done = one.cli("federation", "block", two.domain, "--reason", "compromised")
    assert f"Suspended {two.domain}" in done.stdout
    listed = one.cli("federation", "list").stdout
    assert two.domain in listed and "suspend" in listed and "compromised" in listed
    severed = await relationship(hugo, sofia_at_one)
    assert not severed["following"] and not severed["followed_by"]
    assert await hugo.home("silenced-marker") is None
    await hugo.status(seen["id"], status=404)
    await asyncio.sleep(POLICY_REFRESH_SECONDS + 1.5)  # the server reloads the block list it did not write

    # A Follow from the suspended node is answered 403, and node one stores nothing of it.
    await lucas.api("POST", f"/api/v1/accounts/{amina_at_two}/follow")

    async def refused() -> list[Delivery]:
        return [d for d in await deliveries(two, "Follow") if d.last_status == 403]

    await eventually(refused, "node one refusing lucas's Follow")
    async with database(one.database_url) as session:
        lucas_there = select(Actor).where(Actor.domain == two.domain, Actor.username == "lucas")
        assert (await session.scalars(lucas_there)).all() == [], "not even his key was fetched"
    assert await amina.api("GET", "/api/v1/follow_requests") == []

    # Nothing is delivered there, nor looked up there.
    await hugo.post(f"@{sofia.handle} unsent-marker", "public")
    planned = [d for d in await deliveries(one, "Create") if d.host == two.domain]
    assert planned and all(d.state == "gave_up" and d.last_error == SUSPENDED and d.attempts == 0 for d in planned)
    await hugo.api("GET", "/api/v1/accounts/lookup", params={"acct": f"julie@{two.domain}"}, status=404)

    # Lifted: node one talks to node two again.
    assert f"Unblocked {two.domain}" in one.cli("federation", "unblock", two.domain).stdout
    not_blocked = one.cli("federation", "unblock", two.domain, check=False)
    assert not_blocked.returncode == 1 and "is not blocked" in not_blocked.stderr
    bad = one.cli("federation", "block", f"https://{two.domain}/", check=False)
    assert bad.returncode == 1 and "not a domain name" in bad.stderr
    assert one.cli("federation", "block", one.domain, check=False).returncode == 1, "not this node itself"

    async def found_again() -> bool:
        async with http.get(
            f"{one.base_url}/api/v1/accounts/lookup",
            params={"acct": f"julie@{two.domain}"},
            headers={"Authorization": f"Bearer {hugo.token}"},
        ) as response:
            return response.status == 200

    await eventually(found_again, "node one resolving people on node two again")
