"""`/api/v1/polls`: reading and voting by the rules Mastodon clients expect, and polls closing when their time is up.

Closing is tested twice: by calling the sweep with an injected clock against a node's
database (no waiting), and once end to end, where the running node's scheduler closes a
poll whose end was moved into the past and notifies its author and voters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from essaim.actors.accounts import account_by_handle
from essaim.actors.models import Notification, Poll
from essaim.actors.models.base import utcnow
from essaim.outbox.actions.polls import close_expired_polls
from essaim.web.scheduler import POLL_SWEEP_SECONDS
from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory
from tests.helpers import database

PEOPLE = ("sofia", "hugo", "lucas", "julie", "thomas", "camille", "emma")
DAY = "86400"


@dataclass
class Site:
    node: Node
    tokens: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.node.base_url}/api/v1{path}"

    async def poll(
        self, http: aiohttp.ClientSession, options: list[str], expires_in: str = DAY, **fields: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"status": "Vote!", "poll[options][]": options, "poll[expires_in]": expires_in} | fields
        status = await call(http, "POST", self.url("/statuses"), self.tokens["sofia"], data=data)
        return dict(status["poll"]) | {"status_id": status["id"]}

    async def vote(
        self, http: aiohttp.ClientSession, who: str | None, poll_id: str, choices: list[Any], status: int = 200
    ) -> Any:
        token = self.tokens[who] if who else None
        return await call(
            http, "POST", self.url(f"/polls/{poll_id}/votes"), token, status=status, json={"choices": choices}
        )


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    factory = NodeFactory(tmp_path_factory.mktemp("polls"))
    node = factory.create(demo=True)
    yield Site(node, {name: await api_token(node, name) for name in PEOPLE})
    await asyncio.to_thread(factory.close)  # it drops PostgreSQL databases with asyncio.run()


async def _poll_notifications(site: Site, status_id: str) -> list[int]:
    async with database(site.node.database_url) as session:
        query = select(Notification.recipient_id).where(
            Notification.status_id == int(status_id), Notification.type == "poll"
        )
        return sorted((await session.scalars(query)).all())


async def _actor_ids(site: Site, *names: str) -> list[int]:
    async with database(site.node.database_url) as session:
        accounts = [await account_by_handle(session, name) for name in names]
    return sorted(account.actor_id for account in accounts if account is not None)


async def test_one_vote_per_person_and_only_valid_choices(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["Tea", "Coffee", "Water"])
    assert poll["multiple"] is False and poll["expired"] is False and poll["voted"] is False
    anonymous = await call(http, "GET", site.url(f"/polls/{poll['id']}"))
    assert anonymous["voted"] is None and anonymous["own_votes"] is None
    voted = await site.vote(http, "hugo", poll["id"], [1])
    assert (voted["voted"], voted["own_votes"], voted["votes_count"], voted["voters_count"]) == (True, [1], 1, 1)
    assert [o["votes_count"] for o in voted["options"]] == [0, 1, 0]
    refusals: list[tuple[str, list[Any], str]] = [
        ("hugo", [0], "You have already voted on this poll"),
        ("lucas", [0, 1], "only one choice"),
        ("lucas", [3], "not one of the poll's options"),
        ("lucas", ["x"], "not one of the poll's options"),
        ("lucas", [-1], "not one of the poll's options"),
        ("lucas", [], "at least one option"),
    ]
    for who, choices, message in refusals:
        body = await site.vote(http, who, poll["id"], choices, status=422)
        assert message in body["error"] and body["error"].startswith("Validation failed: "), body
    await site.vote(http, None, poll["id"], [0], status=401)
    seen = await call(http, "GET", site.url(f"/polls/{poll['id']}"), site.tokens["lucas"])
    assert seen["votes_count"] == 1 and seen["voted"] is False, "refused votes changed nothing"
    mine = await site.vote(http, "sofia", poll["id"], [0])
    assert mine["own_votes"] == [0] and mine["voters_count"] == 2, "authors may vote on their own poll, as in Mastodon"


async def test_multiple_choice_and_hidden_totals(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["A", "B", "C", "D"], **{"poll[multiple]": "true", "poll[hide_totals]": "true"})
    voted = await site.vote(http, "julie", poll["id"], [2, 0, 2])
    assert voted["own_votes"] == [0, 2] and voted["voters_count"] == 1 and voted["votes_count"] == 2
    assert [o["votes_count"] for o in voted["options"]] == [None] * 4, "totals hidden until the poll ends"


async def test_polls_of_unreadable_posts_are_404(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["Yes", "No"], visibility="private")
    for who in ("camille", "emma", None):
        await call(http, "GET", site.url(f"/polls/{poll['id']}"), site.tokens[who] if who else None, status=404)
    for who in ("camille", "emma"):
        await site.vote(http, who, poll["id"], [0], status=404)
    assert (await site.vote(http, "hugo", poll["id"], [0]))["voted"] is True, "hugo follows sofia"
    await call(http, "GET", site.url("/polls/12345"), status=404)


async def test_concurrent_votes_are_all_counted(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["Left", "Right"])
    voters = ("hugo", "lucas", "julie", "thomas", "camille")
    await asyncio.gather(*(site.vote(http, who, poll["id"], [n % 2]) for n, who in enumerate(voters)))
    final = await call(http, "GET", site.url(f"/polls/{poll['id']}"))
    assert final["voters_count"] == 5 and [o["votes_count"] for o in final["options"]] == [3, 2]


async def test_sweep_closes_expired_polls_at_the_injected_time(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["Now", "Later"], expires_in="300")
    long_poll = await site.poll(http, ["Stays", "Open"])
    await site.vote(http, "hugo", poll["id"], [0])
    await site.vote(http, "lucas", poll["id"], [1])
    start = utcnow()
    async with database(site.node.database_url) as session:
        await close_expired_polls(session, start + timedelta(seconds=290))
        unclosed = await session.get(Poll, int(poll["id"]))
        assert unclosed is not None and unclosed.closed_at is None
    assert await _poll_notifications(site, poll["status_id"]) == []
    closing = start + timedelta(seconds=301)
    async with database(site.node.database_url) as session:
        assert await close_expired_polls(session, closing) >= 1
    async with database(site.node.database_url) as session:
        closed = await session.get(Poll, int(poll["id"]))
        still_open = await session.get(Poll, int(long_poll["id"]))
        assert closed is not None and closed.closed_at == closing
        assert still_open is not None and still_open.closed_at is None
        assert await close_expired_polls(session, closing + timedelta(seconds=5)) == 0, "closed once"
    assert await _poll_notifications(site, poll["status_id"]) == await _actor_ids(site, "sofia", "hugo", "lucas")
    shown = await call(http, "GET", site.url(f"/polls/{poll['id']}"))
    assert shown["expired"] is True
    body = await site.vote(http, "julie", poll["id"], [0], status=422)
    assert body["error"] == "Validation failed: The poll has already ended"


async def test_running_node_closes_a_poll_and_notifies(site: Site, http: aiohttp.ClientSession) -> None:
    poll = await site.poll(http, ["Soon", "Never"], expires_in="300")
    await site.vote(http, "thomas", poll["id"], [0])
    async with database(site.node.database_url) as session:
        await session.execute(
            update(Poll).where(Poll.id == int(poll["id"])).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    deadline = time.monotonic() + POLL_SWEEP_SECONDS + 5
    closed_at = None
    while closed_at is None and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with database(site.node.database_url) as session:
            closed_at = await session.scalar(select(Poll.closed_at).where(Poll.id == int(poll["id"])))
    assert closed_at is not None, "the node's sweep did not close the poll in time"
    assert await _poll_notifications(site, poll["status_id"]) == await _actor_ids(site, "sofia", "thomas")
    notifications = await call(
        http, "GET", site.url("/notifications"), site.tokens["thomas"], params={"types[]": "poll"}
    )
    assert [n["status"]["id"] for n in notifications if n["type"] == "poll"] == [poll["status_id"]]
