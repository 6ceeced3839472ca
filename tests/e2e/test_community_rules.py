"""Auto-membership on a running node: a rule (site Lyon) makes everyone of the site a member, a profile
edit through the client API moves people in and out, the sweep catches changes made elsewhere, and
people who joined by themselves, owners and the banned are left as they are. The demo's site communities
are made by such rules.
"""

from __future__ import annotations

import aiohttp
from sqlalchemy import update

from essaim.actors.models import Actor
from essaim.outbox.actions.community_rules import apply_all_rules
from tests.conftest import NodeFactory
from tests.federation_helpers import person
from tests.helpers import database

LYON = {"hugo", "sofia", "thomas", "julie", "karim", "pierre", "lea"}  # the demo company's Lyon site


def members(node_cli_output: str) -> dict[str, str]:
    """`community members` as handle → state, for plain members and owners alike."""
    rows = (line.split("\t") for line in node_cli_output.splitlines())
    return {handle.lstrip("@"): state for handle, _role, state in rows}


async def test_a_site_rule_keeps_the_community_in_step_with_profiles(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    node = nodes.create(demo=True)
    assert {n for n, s in members(node.cli("community", "members", "lyon").stdout).items() if s == "member"} == LYON

    node.cli("community", "create", "gones", "--owner", "camille", "--template", "site")
    added = node.cli("community", "rule", "add", "gones", "--site", " lyon ")
    assert "7 joined" in added.stdout, "case and spaces do not matter"
    assert node.cli("community", "rule", "list", "gones").stdout == "site\tlyon\n"
    node.cli("community", "join", "gones", "amina")  # closed: a request, approved by hand
    node.cli("community", "approve", "gones", "amina")
    node.cli("community", "ban", "gones", "pierre")

    def state() -> dict[str, str]:
        return members(node.cli("community", "members", "gones").stdout)

    assert state() == {"camille": "member", "amina": "member", "pierre": "banned"} | {
        name: "member" for name in LYON - {"pierre"}
    }

    # Profile edits through the API: lucas moves to Lyon and is in, sofia moves to Paris and is out.
    lucas, sofia = await person(http, node, "lucas"), await person(http, node, "sofia")
    await lucas.api("PATCH", "/api/v1/accounts/update_credentials", data={"site": "Lyon"})
    await sofia.api("PATCH", "/api/v1/accounts/update_credentials", data={"site": "Paris", "job_title": "Lead"})
    assert state().get("lucas") == "member" and "sofia" not in state()
    group = await lucas.lookup("gones")
    assert (await lucas.relationship(group["id"]))["following"] is True, "a member follows the Group"

    # A change no action saw (an import, a script) is caught by the sweep; the banned stay banned.
    async with database(node.database_url) as session:
        await session.execute(update(Actor).where(Actor.username.in_(["marc", "hugo"])).values(site="Lyon"))
        await session.execute(update(Actor).where(Actor.username == "thomas").values(site="Nantes"))
    async with database(node.database_url) as session:
        assert await apply_all_rules(session) >= 2
    async with database(node.database_url) as session:
        assert await apply_all_rules(session) == 0, "in step: nothing more to do"
    now = state()
    assert now.get("marc") == "member" and "thomas" not in now and now["pierre"] == "banned"

    # Without the rule, those it admitted leave; the owner and amina, who asked herself, stay.
    removed = node.cli("community", "rule", "remove", "gones", "--site", "lyon")
    assert "left" in removed.stdout
    assert state() == {"camille": "member", "amina": "member", "pierre": "banned"}
    unknown = node.cli("community", "rule", "remove", "gones", "--department", "Sales", check=False)
    assert unknown.returncode != 0
