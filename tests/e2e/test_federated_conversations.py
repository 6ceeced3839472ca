"""Direct messages between two real nodes land in conversations: each side's thread, only for the addressed."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, person


async def _conversation(who: Person, marker: str) -> dict[str, Any] | None:
    found = await who.api("GET", "/api/v1/conversations")
    return next((c for c in found if marker in (c["last_status"] or {}).get("content", "")), None)


async def test_a_direct_thread_across_nodes(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    camille, sofia = await person(http, two, "camille"), await person(http, two, "sofia")
    await hugo.lookup(camille.handle)  # so the mention resolves
    first = await hugo.post(f"@{camille.handle} dm-marker-one just us", "direct")
    at_camille = await eventually(lambda: _conversation(camille, "dm-marker-one"), "the DM in camille's conversations")
    assert (
        at_camille is not None
        and at_camille["unread"] is True
        and [a["acct"] for a in at_camille["accounts"]] == [hugo.handle]
    )
    assert await sofia.api("GET", "/api/v1/conversations") == [], "not addressed, on the same node"

    own = await _conversation(hugo, "dm-marker-one")
    assert own is not None and own["unread"] is False and own["last_status"]["id"] == first["id"]
    await camille.post(f"@{hugo.handle} dm-marker-two yes", "direct", in_reply_to_id=at_camille["last_status"]["id"])
    answered = await eventually(lambda: _conversation(hugo, "dm-marker-two"), "the reply in hugo's conversation")
    assert answered is not None and answered["id"] == own["id"], "the reply joins hugo's thread"
    assert answered["unread"] is True and [a["acct"] for a in answered["accounts"]] == [camille.handle]
    assert len(await camille.api("GET", "/api/v1/conversations")) == 1

    await hugo.lookup(sofia.handle)
    edit = {"status": f"@{camille.handle} @{sofia.handle} dm-marker-one with sofia now"}
    await hugo.api("PUT", f"/api/v1/statuses/{first['id']}", data=edit)
    added = await eventually(lambda: _conversation(sofia, "with sofia now"), "the edit in sofia's conversations")
    assert added is not None and added["unread"] is True
