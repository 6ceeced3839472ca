"""`/api/v1/directory` through Mastodon.py: discoverable people only, local and remote, by activity or age.

Two nodes: the directory of the first lists people of the second once it knows them, if their own
server publishes them as discoverable. Someone who opts out, leaves, or is blocked is never listed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from mastodon import Mastodon, MastodonAPIError

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person

PASSWORD = "correct horse battery staple 42"


@dataclass
class Sites:
    one: Node
    two: Node
    tokens: dict[str, str]


@pytest.fixture(scope="module")
async def sites(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sites]:
    factory = NodeFactory(tmp_path_factory.mktemp("directory"))
    one, two = factory.create(demo=True), factory.create(demo=True)
    yield Sites(one, two, {name: await api_token(one, name) for name in ("sofia", "hugo", "marc", "karim")})
    await asyncio.to_thread(factory.close)


async def _handles(app: Mastodon, **params: object) -> list[str]:
    return [a["acct"] for a in await asyncio.to_thread(app.directory, **params)]


async def test_opting_out_leaving_and_blocks_hide_people(sites: Sites) -> None:
    sofia, hugo = mastodon(sites.one, sites.tokens["sofia"]), mastodon(sites.one, sites.tokens["hugo"])
    everyone = await _handles(mastodon(sites.one), limit=80)
    assert {"sofia", "hugo", "marc", "karim"} <= set(everyone) and "actor" not in everyone
    await asyncio.to_thread(mastodon(sites.one, sites.tokens["marc"]).account_update_credentials, discoverable=False)
    sites.one.cli("user", "disable", "karim")
    await asyncio.to_thread(sofia.account_block, (await asyncio.to_thread(sofia.account_lookup, "hugo"))["id"])
    anonymous = await _handles(mastodon(sites.one), limit=80)
    assert "marc" not in anonymous and "karim" not in anonymous, "opted out, or left"
    assert "hugo" in anonymous and "hugo" not in await _handles(sofia, limit=80), "sofia blocked hugo"
    assert "sofia" not in await _handles(hugo, limit=80), "blocked either way"
    await asyncio.to_thread(sofia.account_unblock, (await asyncio.to_thread(sofia.account_lookup, "hugo"))["id"])


async def test_order_and_paging(sites: Sites, http: aiohttp.ClientSession) -> None:
    sites.one.cli("user", "create", "newcomer", "--email", "newcomer@example.com", input=PASSWORD + "\n")
    app = mastodon(sites.one)
    assert (await _handles(app, order="new", limit=1)) == ["newcomer"]
    hugo = mastodon(sites.one, sites.tokens["hugo"])
    await asyncio.to_thread(hugo.status_post, "Fresh news from Lyon")
    assert (await _handles(app, order="active", limit=1)) == ["hugo"]
    whole = await _handles(app, order="active", limit=80)
    pages = [*await _handles(app, order="active", limit=5), *await _handles(app, order="active", limit=5, offset=5)]
    assert pages == whole[:10] and len(set(whole)) == len(whole)
    body = await call(http, "GET", f"{sites.one.base_url}/api/v1/directory", params={"order": "random"}, status=422)
    assert "order must be one of" in body["error"]
    with pytest.raises(MastodonAPIError):
        await asyncio.to_thread(app.directory, limit=-1)


async def test_remote_people_listed_only_when_discoverable(sites: Sites, http: aiohttp.ClientSession) -> None:
    emma_there = await person(http, sites.two, "emma")
    await asyncio.to_thread(emma_there.app.account_update_credentials, discoverable=False)
    here: Person = await person(http, sites.one, "sofia")
    for name in ("lucas", "emma"):
        await here.lookup(f"{name}@{sites.two.domain}")
    app = mastodon(sites.one)
    listed = await _handles(app, limit=80)
    assert f"lucas@{sites.two.domain}" in listed, "a discoverable person of another node, known here"
    assert f"emma@{sites.two.domain}" not in listed, "her server says she is not discoverable"
    local = await _handles(app, limit=80, local=True)
    assert local and all("@" not in handle for handle in local)
