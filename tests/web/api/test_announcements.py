"""Announcements: written with `essaim announcement`, read, dismissed and reacted to through Mastodon.py.

Reactions are counted across people, each sees whether they reacted; an ended announcement is gone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Node, dict[str, str]]]:
    factory = NodeFactory(tmp_path_factory.mktemp("announcements"))
    node = factory.create(demo=True)
    yield node, {name: await api_token(node, name) for name in ("sofia", "hugo", "emma")}
    await asyncio.to_thread(factory.close)


def _add(node: Node, text: str, *options: str) -> str:
    out = node.cli("announcement", "add", text, *options).stdout
    found = re.search(r"announcement (\d+)", out)
    assert found, out
    return found.group(1)


async def test_read_dismiss_and_react(site: tuple[Node, dict[str, str]]) -> None:
    node, tokens = site
    start, end = datetime.now(UTC) + timedelta(days=1), datetime.now(UTC) + timedelta(days=2)
    town_hall = _add(
        node,
        "Town hall on Friday: https://intranet.acme.com/townhall",
        "--starts-at",
        start.isoformat(),
        "--ends-at",
        end.isoformat(),
        "--all-day",
    )
    canteen = _add(node, "The canteen is closed on Monday")
    sofia, hugo = mastodon(node, tokens["sofia"]), mastodon(node, tokens["hugo"])

    listed = {str(a["id"]): a for a in await asyncio.to_thread(sofia.announcements)}
    assert {town_hall, canteen} <= set(listed)
    shown = listed[town_hall]
    assert shown["all_day"] is True and shown["read"] is False and shown["reactions"] == []
    assert 'href="https://intranet.acme.com/townhall"' in shown["content"]
    assert abs((shown["starts_at"] - start).total_seconds()) < 1

    await asyncio.to_thread(sofia.announcement_reaction_create, town_hall, "🎉")
    await asyncio.to_thread(sofia.announcement_reaction_create, town_hall, "🎉")  # twice is once
    await asyncio.to_thread(hugo.announcement_reaction_create, town_hall, "🎉")
    await asyncio.to_thread(hugo.announcement_reaction_create, town_hall, "👍🏽")
    await asyncio.to_thread(hugo.announcement_reaction_create, town_hall, "🇫🇷")

    def reactions(announcements: list[dict[str, object]]) -> list[tuple[str, int, bool]]:
        found = next(a for a in announcements if str(a["id"]) == town_hall)
        return [(r["name"], r["count"], r["me"]) for r in found["reactions"]]  # type: ignore[attr-defined]

    assert reactions(await asyncio.to_thread(sofia.announcements)) == [
        ("🎉", 2, True),
        ("👍🏽", 1, False),
        ("🇫🇷", 1, False),
    ]
    await asyncio.to_thread(hugo.announcement_reaction_delete, town_hall, "🎉")
    assert reactions(await asyncio.to_thread(hugo.announcements)) == [
        ("🎉", 1, False),
        ("👍🏽", 1, True),
        ("🇫🇷", 1, True),
    ]

    await asyncio.to_thread(sofia.announcement_dismiss, canteen)
    assert canteen not in [str(a["id"]) for a in await asyncio.to_thread(sofia.announcements)]
    assert canteen in [str(a["id"]) for a in await asyncio.to_thread(hugo.announcements)], "dismissed for sofia only"


async def test_bad_reactions_and_unknown_announcements(
    site: tuple[Node, dict[str, str]], http: aiohttp.ClientSession
) -> None:
    node, tokens = site
    notice = _add(node, "Reactions are limited")
    emma = mastodon(node, tokens["emma"])
    for name in ("smile", ":blobcat:", "a🎉", "12", "🎉" * 17):
        with pytest.raises(MastodonAPIError) as refused:
            await asyncio.to_thread(emma.announcement_reaction_create, notice, name)
        assert refused.value.args[1] == 422 and "not a recognized emoji" in str(refused.value), name
    for emoji in ("😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆"):
        await asyncio.to_thread(emma.announcement_reaction_create, notice, emoji)
    with pytest.raises(MastodonAPIError) as ninth:
        await asyncio.to_thread(emma.announcement_reaction_create, notice, "😉")
    assert ninth.value.args[1] == 422 and "more than 8" in str(ninth.value)
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(emma.announcement_dismiss, "12345")
    await call(http, "GET", f"{node.base_url}/api/v1/announcements", status=401)
    body = await call(http, "POST", f"{node.base_url}/api/v1/announcements/{notice}/dismiss", status=401)
    assert "error" in body


async def test_ended_and_removed_announcements_are_gone(site: tuple[Node, dict[str, str]]) -> None:
    node, tokens = site
    past = datetime.now(UTC) - timedelta(days=3)
    ended = _add(
        node,
        "Last week's outage",
        "--starts-at",
        past.isoformat(),
        "--ends-at",
        (past + timedelta(hours=2)).isoformat(),
    )
    removed = _add(node, "Posted by mistake")
    assert removed in node.cli("announcement", "list").stdout
    node.cli("announcement", "remove", removed)
    hugo = mastodon(node, tokens["hugo"])
    shown = [str(a["id"]) for a in await asyncio.to_thread(hugo.announcements)]
    assert ended not in shown and removed not in shown
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(hugo.announcement_reaction_create, ended, "🎉")
    assert ended in node.cli("announcement", "list").stdout, "the list for administrators keeps ended ones"


def test_the_command_refuses_bad_input(site: tuple[Node, dict[str, str]]) -> None:
    node, _ = site
    now = datetime.now(UTC)
    refusals = [
        (("add", "   "), "Text can't be blank"),
        (("add", "x", "--starts-at", now.isoformat()), "both a start and an end"),
        (("add", "x", "--starts-at", now.isoformat(), "--ends-at", (now - timedelta(hours=1)).isoformat()), "after"),
        (("remove", "12345"), "No announcement 12345"),
    ]
    for args, message in refusals:
        result = node.cli("announcement", *args, check=False)
        assert result.returncode == 1 and message in result.stderr, (args, result.stderr)
    assert node.cli("announcement", "add", "x", "--starts-at", "soon", check=False).returncode == 2
