"""Community governance across two real nodes: the welcome message, locked posts, pinned announcements and the
`/api/v1/communities/:id` extension, with the refusals moderators' tools must give everyone else.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, person


async def test_new_members_are_welcomed_once(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """Each admission (open join, approved request, accepted invitation, a remote join) gets one direct welcome
    from the Group; the owner who created the community and a repeated join get none."""
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "trade")
    one.cli("community", "create", "site", "--owner", "hugo", "--template", "site")
    hugo, amina, lucas, mehdi = [await person(http, one, name) for name in ("hugo", "amina", "lucas", "mehdi")]
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")

    one.cli("community", "join", "atelier", "amina")
    one.cli("community", "join", "atelier", "amina")  # already a member: not welcomed twice
    one.cli("community", "join", "site", "lucas")
    one.cli("community", "approve", "site", "lucas")
    one.cli("community", "invite", "site", "mehdi")
    one.cli("community", "join", "site", "mehdi")
    remote_group = await sofia.lookup(f"atelier@{one.domain}")
    await sofia.api("POST", f"/api/v1/accounts/{remote_group['id']}/follow")

    async def welcomed(reader: Person, text: str) -> dict[str, Any] | None:
        return await reader.notified("mention", text)

    amina_welcome = await eventually(lambda: welcomed(amina, "Introduce yourself"), "amina's welcome")
    assert amina_welcome["account"]["acct"] == "atelier" and amina_welcome["status"]["visibility"] == "direct"
    await eventually(lambda: welcomed(lucas, "Welcome to the site"), "lucas's welcome after approval")
    await eventually(lambda: welcomed(mehdi, "Welcome to the site"), "mehdi's welcome after his invitation")
    there = await eventually(lambda: welcomed(sofia, "Introduce yourself"), "sofia's welcome on node 2")
    assert there["account"]["acct"] == f"atelier@{one.domain}" and there["status"]["visibility"] == "direct"
    assert await amina.notifications("mention") == ["atelier"]  # once
    assert await hugo.notifications("mention") == []  # the owner who created it
    assert not await camille.can_read(there["status"]["id"])  # addressed to sofia alone
    assert await camille.notifications("mention") == []
