"""A project community's life on a running node: its owner reminded before the end date, the community
archived on that date (read-only, still readable and searchable by members), renewed from the CLI; and
communities without an owner listed for administrators.

The sweeps are the scheduler's functions called on the node's database with the time given by the
test (the node's own sweep runs on today's date, years before the project's end).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp

from essaim.outbox.actions.community_lifecycle import archive_ended, remind_ending
from tests.conftest import NodeFactory
from tests.federation_helpers import person
from tests.helpers import database

ENDING = "essaim.community_ending"


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00").replace(tzinfo=UTC)


async def test_a_project_is_reminded_archived_on_its_end_date_and_renewed(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    node = nodes.create(demo=True)
    node.cli("community", "create", "chantier", "--owner", "thomas", "--template", "project", "--ends-on", "2030-01-10")
    node.cli("community", "invite", "chantier", "amina")
    node.cli("community", "join", "chantier", "amina")
    thomas, amina, lucas = [await person(http, node, name) for name in ("thomas", "amina", "lucas")]
    kickoff = await amina.post("@chantier scaffolding plan v3 attached", "public")

    async def sweep(day: str, reminder_days: int = 7) -> tuple[int, int]:
        async with database(node.database_url) as session:
            return await remind_ending(session, at(day), reminder_days), await archive_ended(session, at(day))

    await sweep("2029-12-01")  # the demo's own project ends days after today: archived, out of the way
    assert await sweep("2030-01-02") == (0, 0), "eight days before: too early"
    assert await sweep("2030-01-03") == (1, 0), "seven days before: the owner is reminded"
    assert await sweep("2030-01-04") == (0, 0), "once per end date"
    assert await thomas.notifications(ENDING) == ["chantier"]
    assert await amina.notifications(ENDING) == [], "only owners are reminded"
    shown = await asyncio.to_thread(thomas.app.notifications, types=[ENDING])
    assert shown[0]["type"] == ENDING and shown[0]["account"]["acct"] == "chantier" and shown[0]["status"] is None

    assert await sweep("2030-01-09") == (0, 0), "the day before the end: still live"
    assert await sweep("2030-01-10") == (0, 1), "archived on its end date"
    assert await sweep("2030-01-11") == (0, 0), "archived once"
    assert "project\tsecret archived" in node.cli("community", "list").stdout

    # Read-only: no new posts; what was said stays readable and searchable by members only.
    refused = await amina.api("POST", "/api/v1/statuses", data={"status": "@chantier one more thing"}, status=422)
    assert refused == {"error": "Validation failed: This community is archived"}
    assert await amina.can_read(kickoff["id"])
    assert [s["id"] for s in await amina.search("scaffolding")] == [kickoff["id"]]
    assert await lucas.search("scaffolding") == [] and not await lucas.can_read(kickoff["id"])

    # Renewal: a date in the past is refused; a later one reopens it, and the reminder is due again.
    past = node.cli("community", "renew", "chantier", "--until", "2020-01-01", check=False)
    assert past.returncode != 0 and "after today" in past.stdout + past.stderr
    assert "now ends on 2031-01-10" in node.cli("community", "renew", "chantier", "--until", "2031-01-10").stdout
    await amina.post("@chantier phase two starts", "public")
    assert await sweep("2031-01-03") == (1, 0)
    assert await thomas.notifications(ENDING) == ["chantier", "chantier"]

    # Lasting communities have no end date to move.
    lasting = node.cli("community", "renew", "python", "--until", "2031-01-10", check=False)
    assert lasting.returncode != 0 and "Only a project community" in lasting.stdout + lasting.stderr


async def test_communities_whose_owners_are_gone_are_listed(nodes: NodeFactory) -> None:
    node = nodes.create(demo=True, start=False)
    assert node.cli("community", "ownerless").stdout == ""
    node.cli("user", "disable", "olivia")  # the owner of the Montréal site community
    assert node.cli("community", "ownerless").stdout.splitlines() == ["@montreal\tlasting\tclosed\tno active owner"]
    refused = node.cli("community", "hand-over", "montreal", "olivia", check=False)
    assert refused.returncode == 1 and "whose account is active" in refused.stderr
    node.cli("community", "role", "montreal", "chloe", "owner", "--by", "olivia")
    assert node.cli("community", "ownerless").stdout == ""

    # An administrator hands a community over to anyone of the node, who becomes a member if need be.
    node.cli("user", "disable", "sofia")  # the owner of the Python community
    assert node.cli("community", "hand-over", "python", "karim").stdout == "@karim now owns @python.\n"
    assert "@karim\towner\tmember" in node.cli("community", "members", "python").stdout
    assert node.cli("community", "ownerless").stdout == ""
