"""`/api/v1/trends/*` through Mastodon.py: hashtags and posts trending from the last week of local public posts.

Private and unlisted posts, people who are not discoverable, posts older than the window (moved back in
the database rather than waited for), replies and posts behind a warning never trend.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon
from sqlalchemy import update

from essaim.actors.models import Status
from essaim.actors.models.base import utcnow
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.helpers import database

PEOPLE = ("sofia", "hugo", "lucas", "amina", "thomas", "marc", "claire", "emma")


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Node, dict[str, Mastodon]]]:
    factory = NodeFactory(tmp_path_factory.mktemp("trends"))
    node = factory.create(demo=True)
    yield node, {name: mastodon(node, await api_token(node, name)) for name in PEOPLE}
    await asyncio.to_thread(factory.close)


async def _post(app: Mastodon, text: str, **fields: Any) -> Any:
    return await asyncio.to_thread(app.status_post, text, **fields)


async def test_tags_trend_from_recent_public_posts_only(site: tuple[Node, dict[str, Mastodon]]) -> None:
    node, apps = site
    await asyncio.to_thread(apps["marc"].account_update_credentials, discoverable=False)
    for name in ("sofia", "hugo", "lucas"):
        await _post(apps[name], "Shipping day #TrendAlpha")
    for _ in range(2):
        await _post(apps["amina"], "Notes #trendbeta")
    old = []
    for name in ("sofia", "hugo", "lucas", "amina", "thomas"):
        await _post(apps[name], "Team secret #trendsecret", visibility="private")
        await _post(apps[name], "Quiet one #trendquiet", visibility="unlisted")
        old.append((await _post(apps[name], "Last month #trendold"))["id"])
    for _ in range(5):
        await _post(apps["marc"], "Hidden #trendhidden")
    async with database(node.database_url) as session:
        await session.execute(
            update(Status).where(Status.id.in_([int(i) for i in old])).values(published=utcnow() - timedelta(days=8))
        )

    trending = await asyncio.to_thread(mastodon(node).trending_tags, limit=20)
    names = [t["name"] for t in trending]
    assert names.index("TrendAlpha") < names.index("trendbeta"), "three people beat one person posting twice"
    for absent in ("trendsecret", "trendquiet", "trendold", "trendhidden"):
        assert absent not in names, absent
    alpha = trending[names.index("TrendAlpha")]
    today = alpha["history"][0]
    assert (int(today["uses"]), int(today["accounts"])) == (3, 3) and len(alpha["history"]) == 7
    assert alpha["url"].endswith("/tags/trendalpha")
    beta = trending[names.index("trendbeta")]["history"][0]
    assert (int(beta["uses"]), int(beta["accounts"])) == (2, 1)
    page = await asyncio.to_thread(mastodon(node).trending_tags, limit=1, offset=names.index("trendbeta"))
    assert [t["name"] for t in page] == ["trendbeta"]


async def test_statuses_trend_by_favourites_and_boosts(site: tuple[Node, dict[str, Mastodon]]) -> None:
    node, apps = site
    big = await _post(apps["sofia"], "Big news for everyone")
    small = await _post(apps["hugo"], "Small news")
    private = await _post(apps["hugo"], "Followers only news", visibility="private")
    reply = await _post(apps["lucas"], "A reply", in_reply_to_id=big["id"])
    warned = await _post(apps["lucas"], "Spoilers", spoiler_text="film")
    quiet = await _post(apps["amina"], "Nobody reacts")
    for name in ("hugo", "lucas", "amina"):
        await asyncio.to_thread(apps[name].status_favourite, big["id"])
    await asyncio.to_thread(apps["thomas"].status_reblog, big["id"])
    await asyncio.to_thread(apps["sofia"].status_favourite, small["id"])
    for name in ("sofia", "lucas", "amina", "thomas"):  # they follow hugo: they may read it, it still never trends
        await asyncio.to_thread(apps[name].status_favourite, private["id"])
    for status in (reply, warned):
        await asyncio.to_thread(apps["claire"].status_favourite, status["id"])

    for viewer in (mastodon(node), apps["thomas"]):
        shown = [str(s["id"]) for s in await asyncio.to_thread(viewer.trending_statuses, limit=40)]
        assert shown.index(str(big["id"])) < shown.index(str(small["id"]))
        for absent in (private, reply, warned, quiet):
            assert str(absent["id"]) not in shown

    await asyncio.to_thread(apps["sofia"].account_block, (await asyncio.to_thread(apps["emma"].me))["id"])
    seen_by_emma = [str(s["id"]) for s in await asyncio.to_thread(apps["emma"].trending_statuses, limit=40)]
    assert str(big["id"]) not in seen_by_emma and str(small["id"]) in seen_by_emma, "sofia blocked emma"


async def test_links_and_bad_parameters(site: tuple[Node, dict[str, Mastodon]], http: aiohttp.ClientSession) -> None:
    node, _ = site
    assert await asyncio.to_thread(mastodon(node).trending_links) == []
    for path in ("tags", "statuses", "links"):
        body = await call(http, "GET", f"{node.base_url}/api/v1/trends/{path}", params={"limit": "0"}, status=422)
        assert "limit must be at least 1" in body["error"]
    assert isinstance(await call(http, "GET", f"{node.base_url}/api/v1/trends"), list)
