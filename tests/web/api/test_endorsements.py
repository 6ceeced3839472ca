"""Endorsements and personal notes through Mastodon.py.

In the demo company hugo follows sofia and lucas but not yann. He may endorse (pin) those he
follows, not yann (422); unfollowing ends the endorsement. His note about someone is his alone:
shown in his Relationship, never in anyone else's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from mastodon import MastodonAPIError

from essaim.outbox.actions.endorsements import MAX_NOTE_CHARS
from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("endorsements"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def hugo(node: Node, http: aiohttp.ClientSession) -> Person:
    return await person(http, node, "hugo")


async def test_endorsing_needs_a_follow_and_ends_with_it(hugo: Person) -> None:
    sofia, lucas, yann = [(await hugo.lookup(name))["id"] for name in ("sofia", "lucas", "yann")]
    for account in (sofia, lucas):
        pinned = await asyncio.to_thread(hugo.app.account_pin, account)
        assert pinned["endorsed"] is True and pinned["following"] is True
    assert [a["acct"] for a in await asyncio.to_thread(hugo.app.endorsements)] == ["lucas", "sofia"]
    hugo_id = (await hugo.me())["id"]
    anyone = await call(hugo.http, "GET", f"{hugo.node.base_url}/api/v1/accounts/{hugo_id}/endorsements")
    assert [a["acct"] for a in anyone] == ["lucas", "sofia"], "shown on his profile to anyone"

    refused = await hugo.api("POST", f"/api/v1/accounts/{yann}/pin", status=422)
    assert refused == {"error": "You can only endorse accounts you follow"}
    with pytest.raises(MastodonAPIError):
        await asyncio.to_thread(hugo.app.account_pin, yann)
    assert (await hugo.relationship(yann))["endorsed"] is False

    unpinned = await asyncio.to_thread(hugo.app.account_unpin, sofia)
    assert unpinned["endorsed"] is False and unpinned["following"] is True
    await asyncio.to_thread(hugo.app.account_unfollow, lucas)
    assert (await hugo.relationship(lucas))["endorsed"] is False, "the endorsement ended with the follow"
    assert await asyncio.to_thread(hugo.app.endorsements) == []
    await hugo.api("POST", "/api/v1/accounts/99999999999/pin", status=404)


async def test_a_note_is_seen_by_its_writer_only(node: Node, hugo: Person, http: aiohttp.ClientSession) -> None:
    sofia = await person(http, node, "sofia")
    sofia_id, hugo_id = (await hugo.lookup("sofia"))["id"], (await sofia.lookup("hugo"))["id"]
    noted = await asyncio.to_thread(hugo.app.account_note_set, sofia_id, "Prefers <b>calls</b> to e-mail")
    assert noted["note"] == "Prefers <b>calls</b> to e-mail"
    assert (await hugo.relationship(sofia_id))["note"] == "Prefers <b>calls</b> to e-mail"
    assert (await sofia.relationship(hugo_id))["note"] == "", "sofia never sees hugo's note"
    camille = await person(http, node, "camille")
    assert (await camille.relationship(sofia_id))["note"] == ""

    replaced = await hugo.api("POST", f"/api/v1/accounts/{sofia_id}/note", data={"comment": "Back in May"})
    assert replaced["note"] == "Back in May"
    cleared = await hugo.api("POST", f"/api/v1/accounts/{sofia_id}/note", data={"comment": ""})
    assert cleared["note"] == ""

    too_long = {"comment": "x" * (MAX_NOTE_CHARS + 1)}
    assert set(await hugo.api("POST", f"/api/v1/accounts/{sofia_id}/note", data=too_long, status=422)) == {"error"}
    await hugo.api("POST", "/api/v1/accounts/99999999999/note", data={"comment": "who?"}, status=404)
    reader = await api_token(node, "hugo", "read")
    await call(http, "POST", f"{node.base_url}/api/v1/accounts/{sofia_id}/note", reader, status=403)
    assert (await hugo.relationship(sofia_id))["note"] == ""
