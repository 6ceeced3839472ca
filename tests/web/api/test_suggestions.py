"""`/api/v2/suggestions`, `/api/v1/suggestions` and dismissing one, through Mastodon.py on the demo company.

Hugo (Engineering, Lyon) follows sofia, lucas, amina, thomas, claire and camille: their follows are
suggested to him, and so are his colleagues; never anyone he follows, blocks or is blocked by, has
turned down, or who chose not to be discoverable.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon, MastodonNotFoundError

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import NodeFactory

FOLLOWED = {"sofia", "lucas", "amina", "thomas", "claire", "camille"}


async def _suggested(app: Mastodon) -> list[tuple[str, list[str]]]:
    return [(s["account"]["acct"], sorted(s["sources"])) for s in await asyncio.to_thread(app.suggestions_v2)]


async def test_friends_of_friends_and_colleagues(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    tokens = {name: await api_token(node, name) for name in ("hugo", "yann", "marc")}
    hugo = mastodon(node, tokens["hugo"])
    following = await asyncio.to_thread(hugo.account_following, (await asyncio.to_thread(hugo.me))["id"], limit=80)
    assert {a["acct"] for a in following} == FOLLOWED | {"python", "lyon"}, "and two of his communities"

    suggested = dict(await _suggested(hugo))
    assert not (set(suggested) & (FOLLOWED | {"hugo"})), "never someone followed, nor oneself"
    assert suggested["julie"] == ["featured", "friends_of_friends"], "followed by claire, and works in Lyon"
    assert (await _suggested(hugo))[0][0] == "julie", "both reasons rank first"
    assert suggested["karim"] == ["featured"], "a colleague in Lyon whom none of hugo's follows follow"
    assert suggested["antoine"] == ["friends_of_friends"], "lucas follows him; Operations in Paris"
    assert {"mehdi", "yann", "marc", "emma", "olivia"} <= set(suggested)
    v1 = [a["acct"] for a in await asyncio.to_thread(hugo.suggestions_v1)]
    assert v1 == [acct for acct, _ in await _suggested(hugo)]

    ids = {a["acct"]: a["id"] for a in await asyncio.to_thread(hugo.suggestions_v1)}
    await asyncio.to_thread(hugo.suggestion_delete, ids["julie"])
    await asyncio.to_thread(hugo.account_block, ids["mehdi"])
    await asyncio.to_thread(
        mastodon(node, tokens["yann"]).account_block,
        (await asyncio.to_thread(hugo.me))["id"],
    )
    await asyncio.to_thread(mastodon(node, tokens["marc"]).account_update_credentials, discoverable=False)
    await asyncio.to_thread(hugo.account_follow, ids["antoine"])
    after = {acct for acct, _ in await _suggested(hugo)}
    for gone, why in [
        ("julie", "dismissed"),
        ("mehdi", "blocked"),
        ("yann", "blocks hugo"),
        ("marc", "not discoverable"),
        ("antoine", "now followed"),
    ]:
        assert gone not in after, why
    assert {"karim", "emma", "olivia"} <= after
    assert len(await asyncio.to_thread(hugo.suggestions_v2)) == len(after)

    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(hugo.suggestion_delete, "12345")
    body: Any = await call(http, "GET", f"{node.base_url}/api/v2/suggestions", status=401)
    assert "error" in body
    limited = await call(http, "GET", f"{node.base_url}/api/v2/suggestions", tokens["hugo"], params={"limit": "2"})
    assert len(limited) == 2
