"""An independent ActivityPub server as a partner: bovine-herd joins an external community on an Essaim node.

The node draws its boundary (`federation.internal_domains`: itself alone); the community `clients` is external
and closed with bovine's server as its partner domain, `equipe` is internal. milkdud, bovine's actor, follows
both Groups: `clients` holds the request until a moderator approves it, then its Accept reaches bovine and the
Group's Announce of a member's post lands in milkdud's inbox; `equipe` answers with `Reject`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from tests.conftest import NodeFactory
from tests.federation_helpers import eventually, person
from tests.interop.bovine_peer import BovinePeer, BovineUser, bovine_user
from tests.interop.test_bovine_federation import BOVINE_TIMEOUT


def received(milkdud: BovineUser, kind: str, actor: str) -> Callable[[], Awaitable[list[str]]]:
    """A probe: the activities of `kind` by `actor` in milkdud's inbox."""

    async def probe() -> list[str]:
        stored = [milkdud.peer.stored(i) or {} for i in milkdud.inbox()]
        return [str(a["id"]) for a in stored if a.get("type") == kind and a.get("actor") == actor]

    return probe


async def test_bovine_is_the_partner_of_an_external_community(
    nodes: NodeFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    node = nodes.create(demo=True, start=False)
    node.settings["ESSAIM_FEDERATION_INTERNAL_DOMAINS"] = node.domain
    node.start()
    peer = await asyncio.to_thread(BovinePeer.start, tmp_path_factory.mktemp("bovine"))
    try:
        async with aiohttp.ClientSession() as http, bovine_user(peer, http) as milkdud:
            node.cli(
                "community",
                "create",
                "clients",
                "--owner",
                "hugo",
                "--template",
                "site",
                "--external",
                "--partner",
                peer.domain,
            )
            node.cli("community", "create", "equipe", "--owner", "hugo")
            hugo = await person(http, node, "hugo")
            clients, equipe = [
                f"{node.base_url}/users/{(await hugo.lookup(name))['id']}" for name in ("clients", "equipe")
            ]

            await milkdud.follow(clients)
            await milkdud.follow(equipe)

            async def asked() -> bool:
                return f"{peer.handle}\tmember\trequested" in node.cli("community", "members", "clients").stdout

            await eventually(asked, "milkdud's join request on the node", BOVINE_TIMEOUT)
            node.cli("community", "approve", "clients", peer.handle)

            async def member() -> bool:
                return clients in milkdud.following()

            await eventually(member, "the Group's Accept recorded by bovine", BOVINE_TIMEOUT)
            await eventually(received(milkdud, "Reject", equipe), "equipe's Reject in bovine", BOVINE_TIMEOUT)
            assert equipe not in milkdud.following()
            assert peer.handle not in node.cli("community", "members", "equipe").stdout

            await hugo.post("@clients partner-bovine the delivery is on its way", "public")
            announced = received(milkdud, "Announce", clients)
            announces = await eventually(announced, "the Group's Announce in bovine", BOVINE_TIMEOUT)
            assert any("partner-bovine" in _content(peer, i) for i in announces), "the post inside the Announce"
    finally:
        await asyncio.to_thread(peer.stop)
    assert peer.refused_connections() == [], "bovine tried to reach a host other than 127.0.0.1"


def _content(peer: BovinePeer, announce_id: str) -> str:
    """The content of the post an Announce carries, as bovine stored it: Announce → Create → Note."""
    found = peer.stored(announce_id) or {}
    for _ in range(2):
        inner = found.get("object")
        found = inner if isinstance(inner, dict) else peer.stored(str(inner)) or {}
    return str(found.get("content", ""))
