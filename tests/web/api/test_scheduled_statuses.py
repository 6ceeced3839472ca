"""Scheduled posts through Mastodon.py: kept, listed, moved and cancelled by their author alone, and published
by the node's sweep — also when they fell due while the node was down — with the same effects as a post made
then: home feeds, followers on another node, media attached, and nobody outside the audience.

Time is moved, not waited for: the test stops the node and sets the post's `scheduled_at` in the past.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from PIL import Image
from sqlalchemy import select, update

from essaim.actors.models import MediaAttachment, ScheduledStatus
from tests.api_helpers import api_token, mastodon
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import eventually, follow, person
from tests.helpers import database


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "teal").save(out, format="PNG")
    return out.getvalue()


def _later(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Node, dict[str, str]]]:
    factory = NodeFactory(tmp_path_factory.mktemp("scheduled"))
    node = factory.create(demo=True)
    yield node, {name: await api_token(node, name) for name in ("sofia", "hugo")}
    await asyncio.to_thread(factory.close)


async def test_schedule_list_move_and_cancel(site: tuple[Node, dict[str, str]]) -> None:
    node, tokens = site
    sofia, hugo = mastodon(node, tokens["sofia"]), mastodon(node, tokens["hugo"])
    when = _later(60)
    scheduled = await asyncio.to_thread(
        sofia.status_post, "Release notes at noon", visibility="unlisted", spoiler_text="cw", scheduled_at=when
    )
    assert abs((scheduled["scheduled_at"] - when).total_seconds()) < 1
    params = scheduled["params"]
    assert (params["text"], params["visibility"], params["spoiler_text"]) == ("Release notes at noon", "unlisted", "cw")
    assert params["application_id"] is not None and scheduled["media_attachments"] == []
    timeline = await asyncio.to_thread(sofia.account_statuses, (await asyncio.to_thread(sofia.me))["id"])
    assert all("Release notes" not in s["content"] for s in timeline), "not published before its time"

    listed = await asyncio.to_thread(sofia.scheduled_statuses)
    assert scheduled["id"] in [s["id"] for s in listed]
    assert (await asyncio.to_thread(hugo.scheduled_statuses)) == [], "each person sees only their own"
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(hugo.scheduled_status, scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(hugo.scheduled_status_delete, scheduled["id"])

    moved = await asyncio.to_thread(sofia.scheduled_status_update, scheduled["id"], _later(120))
    assert moved["scheduled_at"] > scheduled["scheduled_at"]
    with pytest.raises(MastodonAPIError) as too_soon:
        await asyncio.to_thread(sofia.scheduled_status_update, scheduled["id"], _later(2))
    assert too_soon.value.args[1] == 422 and "5 minutes" in str(too_soon.value)
    assert (await asyncio.to_thread(sofia.scheduled_status, scheduled["id"]))["scheduled_at"] == moved["scheduled_at"]

    await asyncio.to_thread(sofia.scheduled_status_delete, scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(sofia.scheduled_status, scheduled["id"])


@pytest.mark.parametrize("minutes", [4, 0, -30])
async def test_too_soon_or_past_is_refused(site: tuple[Node, dict[str, str]], minutes: int) -> None:
    node, tokens = site
    sofia = mastodon(node, tokens["sofia"])
    before = len(await asyncio.to_thread(sofia.scheduled_statuses))
    with pytest.raises(MastodonAPIError) as refused:
        await asyncio.to_thread(sofia.status_post, "Too soon", scheduled_at=_later(minutes))
    assert refused.value.args[1] == 422 and "Validation failed" in str(refused.value)
    assert len(await asyncio.to_thread(sofia.scheduled_statuses)) == before


async def test_bad_drafts_and_times_are_refused_at_once(
    site: tuple[Node, dict[str, str]], http: aiohttp.ClientSession
) -> None:
    node, tokens = site
    headers = {"Authorization": f"Bearer {tokens['sofia']}"}
    later = _later(30).isoformat()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"status": "x", "scheduled_at": "next tuesday"}, 422, "scheduled_at must be an ISO 8601"),
        ({"status": "", "scheduled_at": later}, 422, "Text can't be blank"),
        ({"status": "x", "visibility": "secret", "scheduled_at": later}, 422, "Visibility must be one of"),
        ({"status": "x", "in_reply_to_id": "12345", "scheduled_at": later}, 404, "does not appear to exist"),
    ]
    for data, status, message in cases:
        async with http.post(f"{node.base_url}/api/v1/statuses", headers=headers, data=data) as response:
            body = await response.json()
            assert (response.status, message in body["error"]) == (status, True), (data, body)
    async with http.get(f"{node.base_url}/api/v1/scheduled_statuses") as response:
        assert response.status == 401 and "error" in await response.json()


async def test_held_media_cannot_go_to_another_post(site: tuple[Node, dict[str, str]]) -> None:
    node, tokens = site
    sofia = mastodon(node, tokens["sofia"])
    media = await asyncio.to_thread(sofia.media_post, _png(), mime_type="image/png", description="plan")
    scheduled = await asyncio.to_thread(sofia.status_post, "With a picture", media_ids=[media], scheduled_at=_later(30))
    assert [m["id"] for m in scheduled["media_attachments"]] == [media["id"]]
    assert scheduled["params"]["media_ids"] == [str(media["id"])]
    with pytest.raises(MastodonAPIError) as taken:
        await asyncio.to_thread(sofia.status_post, "Stealing it", media_ids=[media])
    assert taken.value.args[1] == 422 and "Media not found" in str(taken.value)
    await asyncio.to_thread(sofia.scheduled_status_delete, scheduled["id"])
    posted = await asyncio.to_thread(sofia.status_post, "Now it is free", media_ids=[media])
    assert [m["id"] for m in posted["media_attachments"]] == [media["id"]]


async def test_a_post_due_while_the_node_was_down_is_published_and_federated(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    sofia, hugo, emma = [await person(http, one, name) for name in ("sofia", "hugo", "emma")]
    faraway = await person(http, two, "lucas")
    await follow(faraway, sofia)
    app = sofia.app
    media = await asyncio.to_thread(app.media_post, _png(), mime_type="image/png", description="roadmap")
    scheduled = await asyncio.to_thread(
        app.status_post,
        "Scheduled roadmap for followers",
        visibility="private",
        media_ids=[media],
        scheduled_at=_later(30),
    )
    one.stop()
    async with database(one.database_url) as session:
        await session.execute(
            update(ScheduledStatus)
            .where(ScheduledStatus.id == int(scheduled["id"]))
            .values(scheduled_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    one.start()

    post = await eventually(lambda: hugo.home("Scheduled roadmap"), "the post in a local follower's home")
    assert post["visibility"] == "private" and post["account"]["username"] == "sofia"
    assert [m["id"] for m in post["media_attachments"]] == [str(media["id"])]
    assert post["application"] is not None, "posted by the app that scheduled it"
    remote = await eventually(lambda: faraway.home("Scheduled roadmap"), "the post at a follower on another node")
    assert len(remote["media_attachments"]) == 1
    assert not await emma.can_read(post["id"]), "emma does not follow sofia: a followers-only post stays hidden"
    assert await sofia.api("GET", "/api/v1/scheduled_statuses") == []
    async with database(one.database_url) as session:
        held = await session.scalar(select(MediaAttachment).where(MediaAttachment.id == int(media["id"])))
        assert held is not None and held.status_id == int(post["id"]) and held.scheduled_status_id is None


async def _fall_due(node: Node, scheduled_id: str) -> None:
    """Move the post's time into the past: the running node's sweep takes it within SCHEDULED_SWEEP_SECONDS."""
    async with database(node.database_url) as session:
        await session.execute(
            update(ScheduledStatus)
            .where(ScheduledStatus.id == int(scheduled_id))
            .values(scheduled_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_the_running_node_publishes_a_poll_and_drops_what_it_cannot_post(
    site: tuple[Node, dict[str, str]],
) -> None:
    node, tokens = site
    sofia, hugo = mastodon(node, tokens["sofia"]), mastodon(node, tokens["hugo"])
    poll = await asyncio.to_thread(sofia.make_poll, ["Tea", "Coffee"], expires_in=3600, multiple=True)
    with_poll = await asyncio.to_thread(sofia.status_post, "Scheduled poll", poll=poll, scheduled_at=_later(30))
    assert with_poll["params"]["poll"]["options"] == ["Tea", "Coffee"]
    target = await asyncio.to_thread(hugo.status_post, "Soon deleted")
    orphan = await asyncio.to_thread(
        sofia.status_post, "Scheduled orphan reply", in_reply_to_id=target["id"], scheduled_at=_later(30)
    )
    await asyncio.to_thread(hugo.status_delete, target["id"])
    for scheduled in (with_poll, orphan):
        await _fall_due(node, scheduled["id"])

    async def published() -> Any:
        home = await asyncio.to_thread(hugo.timeline_home, limit=40)
        return next((s for s in home if "Scheduled poll" in s["content"]), None)

    posted = await eventually(published, "the scheduled poll in a follower's home", timeout=30)
    assert [o["title"] for o in posted["poll"]["options"]] == ["Tea", "Coffee"] and posted["poll"]["multiple"]

    async def gone() -> bool:
        return not await asyncio.to_thread(sofia.scheduled_statuses)

    await eventually(gone, "both scheduled posts taken", timeout=30)
    mine = await asyncio.to_thread(sofia.account_statuses, (await asyncio.to_thread(sofia.me))["id"], limit=40)
    assert all("orphan reply" not in s["content"] for s in mine), "its reply target is gone: dropped, not posted"
