"""Partner communities across three real nodes: A and B are the company's (`federation.internal_domains`),
P is a partner's.

An external closed community on A, with P as its partner domain, takes join requests from B and P that a
moderator approves; a post, a reply written on P and the Group's Announces reach every member on every node,
and a non-member on each node sees nothing of them (home, search, the post by id, a signed fetch). A join
from P to an external community P is no partner of, and to an internal community, is answered `Reject`;
removing P from the partners takes its people out. Nothing of the partner list shows in the Group's account
or actor document. The CLI warns when the federation policy (allowlist) refuses a partner domain.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, person
from tests.signed_fetch import signed_get_json, stored_key


def members(node: Node, community: str) -> str:
    return node.cli("community", "members", community).stdout


async def ask_to_join(someone: Person, group_handle: str) -> dict[str, Any]:
    """`someone` follows the community from their node (a join request); the Group's account there."""
    group = await someone.lookup(group_handle)
    await someone.api("POST", f"/api/v1/accounts/{group['id']}/follow")
    return group


async def refused(someone: Person, group: dict[str, Any]) -> None:
    """Wait for the Group's `Reject`: no membership, not even a pending request, on `someone`'s node."""

    async def rejected() -> bool:
        relationship = await someone.relationship(group["id"])
        return relationship["following"] is False and relationship["requested"] is False

    await eventually(rejected, f"the Reject of {someone.handle}'s join of {group['acct']}")


async def admitted(someone: Person, group: dict[str, Any]) -> None:
    async def following() -> bool:
        return (await someone.relationship(group["id"]))["following"] is True

    await eventually(following, f"the Accept of {someone.handle}'s join of {group['acct']}")


async def test_an_external_community_spans_the_company_and_its_partner(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    a, b, p = (nodes.create(demo=True, start=False) for _ in range(3))
    for node in (a, b):
        node.settings["ESSAIM_FEDERATION_INTERNAL_DOMAINS"] = f"{a.domain},{b.domain}"
    for node in (a, b, p):
        node.start()
    created = a.cli("community", "create", "clients", "--name", "Clients", "--owner", "hugo", "--template", "site")
    assert "closed community" in created.stdout and "external" not in created.stdout
    a.cli("community", "partners", "clients", "--external", "--add", p.domain)
    assert a.cli("community", "partners", "clients").stdout == f"@clients (external): {p.domain}\n"
    a.cli("community", "create", "equipe", "--owner", "hugo")  # internal and open
    a.cli(
        "community",
        "create",
        "autres",
        "--owner",
        "hugo",
        "--template",
        "site",
        "--external",
        "--partner",
        "acme.example",
    )
    hugo, lucas = await person(http, a, "hugo"), await person(http, a, "lucas")
    sofia, camille = await person(http, b, "sofia"), await person(http, b, "camille")
    emma, outsider = await person(http, p, "emma"), await person(http, p, "lucas")

    # B and P ask to join the closed external community; a moderator on A approves both.
    clients_on_b = await ask_to_join(sofia, f"clients@{a.domain}")
    clients_on_p = await ask_to_join(emma, f"clients@{a.domain}")

    async def both_asked() -> bool:
        listing = members(a, "clients")
        return f"sofia@{b.domain}\tmember\trequested" in listing and f"emma@{p.domain}\tmember\trequested" in listing

    await eventually(both_asked, "the join requests from B and P on A")
    for someone in (sofia, emma):
        a.cli("community", "approve", "clients", someone.handle)
    await admitted(sofia, clients_on_b)
    await admitted(emma, clients_on_p)

    # A post on A reaches the members on B and P through the Group's Announce.
    posted = await hugo.post("@clients partnerkickoff the schedule is agreed", "public")
    assert posted["visibility"] == "private"

    async def everyone_has_it() -> bool:
        return await sofia.home("partnerkickoff") is not None and await emma.home("partnerkickoff") is not None

    await eventually(everyone_has_it, "the Group's Announce on B and P")
    on_b, on_p = await sofia.home("partnerkickoff"), await emma.home("partnerkickoff")
    assert on_b is not None and on_p is not None

    # The partner replies from P: the Group announces the reply to the members on A and B.
    reply = await emma.post("partnerreply thanks, Tuesday suits us", "public", in_reply_to_id=on_p["id"])
    assert reply["visibility"] == "private"

    async def reply_everywhere() -> bool:
        return await hugo.home("partnerreply") is not None and await sofia.home("partnerreply") is not None

    await eventually(reply_everywhere, "the partner's reply on A and B")
    reply_on_a = await hugo.home("partnerreply")
    assert reply_on_a is not None and reply_on_a["in_reply_to_id"] == posted["id"]

    # Non-members on every node see nothing of it, on any path.
    for outside, copy in ((lucas, posted), (camille, on_b), (outsider, on_p)):
        for marker in ("partnerkickoff", "partnerreply"):
            assert await outside.home(marker) is None, (outside.handle, marker)
            assert await outside.search(marker) == [], (outside.handle, marker)
        assert not await outside.can_read(copy["id"]), outside.handle
    assert not await outsider.can_read(reply["id"]) and not await lucas.can_read(reply_on_a["id"])
    signers = ((a, "lucas"), (b, "camille"), (p, "lucas"))
    keys = [(node.domain, await stored_key(node.database_url, name)) for node, name in signers]
    for uri, home in ((posted["uri"], a), (reply["uri"], p)):  # each fetched from its own node, signed elsewhere
        for domain, key in keys:
            if domain != home.domain:
                await signed_get_json(http, uri, key, status=404)
    await signed_get_json(http, posted["uri"], await emma.key())  # a member's signature reads it

    # Nothing of the partner list shows in the Group's account or its actor document.
    for seen_by in (hugo, sofia, lucas):  # (P's own pages name P, of course)
        account = await seen_by.lookup("clients" if seen_by.node is a else f"clients@{a.domain}")
        assert p.domain not in str(account) and "partner" not in str(account).lower()
    actor = await signed_get_json(http, await _group_uri(hugo), await sofia.key())
    assert actor["type"] == "Group" and p.domain not in str(actor) and "partner" not in str(actor).lower()

    # P is no partner of `autres`, and `equipe` is internal: both answer P's joins with Reject; B joins `equipe`.
    await refused(emma, await ask_to_join(emma, f"autres@{a.domain}"))
    await refused(emma, await ask_to_join(emma, f"equipe@{a.domain}"))
    await admitted(sofia, await ask_to_join(sofia, f"equipe@{a.domain}"))
    assert "emma" not in members(a, "autres") + members(a, "equipe")
    invite = a.cli("community", "invite", "equipe", emma.handle, check=False)
    assert invite.returncode != 0 and "This community is for the company's own servers only" in invite.stderr

    # P is no longer a partner: its people leave, told with Reject; B's stay.
    removal = a.cli("community", "partners", "clients", "--remove", p.domain)
    assert f"@emma@{p.domain} left" in removal.stdout
    await refused(emma, clients_on_p)
    assert f"sofia@{b.domain}\tmember\tmember" in members(a, "clients")
    await hugo.post("@clients partnerafter only the company now", "public")

    async def sofia_has_the_next() -> bool:
        return await sofia.home("partnerafter") is not None

    await eventually(sofia_has_the_next, "the next Announce on B")
    assert await emma.home("partnerafter") is None


async def _group_uri(owner: Person) -> str:
    """The Group's ActivityPub id, as its own node serves it."""
    group = await owner.lookup("clients")
    return f"{owner.node.base_url}/users/{group['id']}"


def test_partners_are_not_added_to_the_allowlist_and_the_admin_is_told(nodes: NodeFactory) -> None:
    node = nodes.create(start=False, ESSAIM_FEDERATION_MODE="allowlist", ESSAIM_FEDERATION_ALLOWLIST="friend.example")
    node.cli("user", "create", "ana", "--email", "ana@x.example", input="a long passphrase\n")
    created = node.cli("community", "create", "clients", "--owner", "ana", "--external", "--partner", "acme.example")
    assert "external community @clients" in created.stdout
    assert created.stderr == (
        "essaim: warning: this node does not federate with acme.example: "
        "add it to federation.allowlist (and lift any block) so its people can join\n"
    )
    added = node.cli("community", "partners", "clients", "--add", "friend.example")
    assert added.stdout == "@clients (external): acme.example, friend.example\n"
    assert "friend.example" not in added.stderr and "acme.example" in added.stderr
    refused = node.cli("community", "create", "staff", "--owner", "ana", "--partner", "acme.example", check=False)
    assert refused.returncode != 0 and "only an external community has partner domains" in refused.stderr
