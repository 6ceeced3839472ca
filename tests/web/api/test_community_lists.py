"""Communities as lists, through the real Mastodon.py client: a member's lists include each community they
belong to (read-only), its timeline holds the community's posts they may read, and its list stream carries
new ones. Non-members see no such list (404), and changing it answers 422.
"""

from __future__ import annotations

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import NodeFactory
from tests.streaming_helpers import SseStream, mentions_text, update_with


async def test_a_community_is_a_read_only_list_of_its_members(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    node.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "site")
    node.cli("community", "join", "atelier", "amina")
    node.cli("community", "approve", "atelier", "amina")
    hugo, amina, lucas = [await api_token(node, name) for name in ("hugo", "amina", "lucas")]
    app = mastodon(node, amina)
    mine = app.list_create("Mine")
    lists = app.lists()
    # Her own list first, then her communities: the new one, and those of the demo company she is in.
    assert [item["title"] for item in lists] == ["Mine", "Atelier", "Projet Horizon", "Site de Paris"]
    atelier = lists[1]
    assert atelier["id"] != mine["id"] and atelier["exclusive"] is False
    assert atelier["id"] == app.account_lookup("atelier")["id"]  # stable: the community's account id
    assert app.list(atelier["id"])["title"] == "Atelier"
    assert {a["acct"] for a in app.list_accounts(atelier["id"])} == {"hugo", "amina"}

    for change in (
        lambda: app.list_update(atelier["id"], title="Renamed"),
        lambda: app.list_delete(atelier["id"]),
        lambda: app.list_accounts_add(atelier["id"], [app.account_lookup("hugo")["id"]]),
    ):
        with pytest.raises(MastodonAPIError) as refused:
            change()
        assert refused.value.args[1] == 422
    assert [item["title"] for item in app.lists()][:2] == ["Mine", "Atelier"]

    outsider = mastodon(node, lucas)
    assert "Atelier" not in [item["title"] for item in outsider.lists()]
    with pytest.raises(MastodonNotFoundError):
        outsider.timeline_list(atelier["id"])
    api = f"{node.base_url}/api/v1"
    await call(http, "GET", f"{api}/streaming/list", lucas, status=404, params={"list": atelier["id"]})

    stream = await SseStream(http, f"{api}/streaming/list?list={atelier['id']}", amina).open()
    try:
        await call(http, "POST", f"{api}/statuses", hugo, data={"status": "@atelier kiln-1 is fixed"})
        await call(http, "POST", f"{api}/statuses", hugo, data={"status": "outside-1 not in the community"})
        await call(http, "POST", f"{api}/statuses", hugo, data={"status": "@atelier fence-1"})
        await stream.expect("the community's post", update_with("kiln-1"))
        await stream.expect("the fence", update_with("fence-1"))
        assert not mentions_text(stream.seen, "outside-1"), "hugo's post outside the community"
    finally:
        await stream.close()
    timeline = [status["content"] for status in app.timeline_list(atelier["id"])]
    assert len(timeline) == 2 and "fence-1" in timeline[0] and "kiln-1" in timeline[1]
