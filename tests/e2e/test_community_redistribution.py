"""A community's Group redistributes edits and deletions of its members' posts (FEP-1b12), and a moderator's
removal of a post takes it away on every node.

An open community on node 1 with hugo (owner) and amina; sofia and camille on node 2 and lucas on node 3
join it. hugo's edit and deletion reach node 2 through the Group's Announce; hugo removes amina's post
and sofia's post (a remote member's): they disappear on nodes 1, 2 and 3 (sofia's own node deletes hers).
A member who is no moderator cannot remove anyone's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, person


async def _home_has(reader: Person, marker: str) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def probe() -> dict[str, Any] | None:
        return await reader.home(marker)

    return probe


async def _gone(reader: Person, marker: str) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return await reader.home(marker) is None

    return probe


async def test_the_group_redistributes_edits_and_removals(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two, three = nodes.create(demo=True), nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "trade")
    one.cli("community", "join", "atelier", "amina")
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")
    lucas = await person(http, three, "lucas")
    for member in (sofia, camille, lucas):
        remote_group = await member.lookup(f"atelier@{one.domain}")
        await member.api("POST", f"/api/v1/accounts/{remote_group['id']}/follow")

    async def all_joined() -> bool:
        listing = one.cli("community", "members", "atelier").stdout
        joined = (
            f"{name}@{node.domain}\tmember\tmember"
            for name, node in (("sofia", two), ("camille", two), ("lucas", three))
        )
        return all(line in listing for line in joined)

    await eventually(all_joined, "the joins from nodes 2 and 3")

    # Nobody on node 2 follows hugo: only the Group carries his post, its edit and its deletion there.
    posted = await hugo.post("@atelier kiln-v1 is fixed", "public")
    await eventually(await _home_has(camille, "kiln-v1"), "the Group's Announce of the post")
    await hugo.api("PUT", f"/api/v1/statuses/{posted['id']}", data={"status": "@atelier kiln-v2 is fixed"})
    await eventually(await _home_has(camille, "kiln-v2"), "the Group's Announce of the edit")
    await hugo.api("DELETE", f"/api/v1/statuses/{posted['id']}")
    await eventually(await _gone(camille, "kiln-v2"), "the Group's Announce of the deletion")

    # A moderator removes a local member's post and a remote member's post, everywhere.
    local_post = await amina.post("@atelier spam-local buy now", "public")
    await eventually(await _home_has(camille, "spam-local"), "amina's post on node 2")
    await sofia.post(f"@atelier@{one.domain} spam-remote buy now", "public")
    there = await eventually(await _home_has(hugo, "spam-remote"), "sofia's post on node 1")
    await eventually(await _home_has(lucas, "spam-remote"), "sofia's post reaching node 3 through the Group")

    await amina.api("DELETE", f"/api/v1/statuses/{there['id']}", status=404)  # a member, not a moderator
    await hugo.api("DELETE", f"/api/v1/statuses/{local_post['id']}")
    await hugo.api("DELETE", f"/api/v1/statuses/{there['id']}")
    assert await hugo.home("spam-local") is None and await hugo.home("spam-remote") is None
    assert not await hugo.can_read(there["id"])
    await eventually(await _gone(camille, "spam-local"), "the removal of amina's post on node 2")
    await eventually(await _gone(lucas, "spam-remote"), "the Group's removal of sofia's post on node 3")
    await eventually(await _gone(sofia, "spam-remote"), "the Group's removal of sofia's post on her own node")
