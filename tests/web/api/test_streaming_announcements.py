"""Changes made by `essaim` commands, run as processes of their own beside the server, reach live streams.

On SQLite the command writes its events to the stream event outbox and the server publishes them; on
PostgreSQL it NOTIFYs and the server hears it. An announcement published with `essaim announcement add`
reaches every local person's `user` stream (`announcement`, as Mastodon.py parses it), a reaction given or
taken back through the API reaches it with the count everyone sees (`announcement.reaction`), and a removal
with its id (`announcement.delete`); never the `user:notification` stream. `essaim user move` notifies the
mover's local followers live (`notification` of type `move`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.streaming_helpers import MastodonListener, Received, SseStream
from tests.web.test_auth_forms import GOOD_PASSWORD


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("streaming-announcements"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


def reaction(name: str, count: int) -> Callable[[Received], bool]:
    return lambda m: m.event == "announcement.reaction" and (m.payload["name"], m.payload["count"]) == (name, count)


async def test_announcements_from_the_command_line_reach_user_streams(node: Node, http: aiohttp.ClientSession) -> None:
    amina, hugo, sofia = [await api_token(node, name) for name in ("amina", "hugo", "sofia")]
    listener = MastodonListener()
    handle = await asyncio.to_thread(mastodon(node, amina).stream_user, listener, run_async=True)
    raw = await SseStream(http, f"{node.base_url}/api/v1/streaming/user", hugo).open()
    notifications = await SseStream(http, f"{node.base_url}/api/v1/streaming/user/notification", hugo).open()
    try:
        await listener.opened()
        added = await asyncio.to_thread(node.cli, "announcement", "add", "ann-1: the canteen opens at noon")
        found = re.search(r"announcement (\d+)", added.stdout)
        assert found, added.stdout
        announcement_id = found.group(1)

        got = await listener.expect("announcement", lambda m: m.event == "announcement")
        assert str(got.payload["id"]) == announcement_id and "ann-1" in got.payload["content"]
        assert got.payload["read"] is False and got.payload["reactions"] == []
        raw_got = await raw.expect("announcement on the raw stream", lambda m: m.event == "announcement")
        assert raw_got.payload["id"] == announcement_id

        await asyncio.to_thread(mastodon(node, sofia).announcement_reaction_create, announcement_id, "🎉")
        first = await raw.expect("a first reaction", reaction("🎉", 1))
        assert first.payload["announcement_id"] == announcement_id
        await asyncio.to_thread(mastodon(node, amina).announcement_reaction_create, announcement_id, "🎉")
        await raw.expect("a second reaction, counted", reaction("🎉", 2))
        await asyncio.to_thread(mastodon(node, sofia).announcement_reaction_delete, announcement_id, "🎉")
        await raw.expect("a reaction taken back", reaction("🎉", 1))
        await listener.expect("a reaction, through Mastodon.py", lambda m: m.event == "announcement.reaction")

        await asyncio.to_thread(node.cli, "announcement", "remove", announcement_id)
        gone = await raw.expect("announcement.delete", lambda m: m.event == "announcement.delete")
        assert gone.payload == int(announcement_id)  # the bare id, which JSON reads as a number
        deleted = await listener.expect("announcement.delete via Mastodon.py", lambda m: m.event == gone.event)
        assert deleted.payload == announcement_id

        # A fence on the notification stream: nothing about announcements came before it.
        mine = await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "ann-fence"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses/{mine['id']}/favourite", amina)
        await notifications.expect("the fence", lambda m: m.event == "notification")
        assert not any(m.event.startswith("announcement") for m in notifications.seen)
    finally:
        await asyncio.to_thread(handle.close)
        await raw.close()
        await notifications.close()


async def test_a_move_made_with_the_command_line_notifies_followers_live(
    node: Node, http: aiohttp.ClientSession
) -> None:
    """amina follows hugo (demo company); hugo moves to a new local account from the shell."""
    amina = await api_token(node, "amina")
    stream = await SseStream(http, f"{node.base_url}/api/v1/streaming/user/notification", amina).open()
    try:
        create = ("user", "create", "hugo2", "--email", "hugo2@example.com")
        await asyncio.to_thread(lambda: node.cli(*create, input=f"{GOOD_PASSWORD}\n"))
        await asyncio.to_thread(node.cli, "user", "alias", "hugo2", "--add", f"hugo@{node.domain}")
        await asyncio.to_thread(node.cli, "user", "move", "hugo", "--to", f"hugo2@{node.domain}")
        moved: Received = await stream.expect("a move notification", lambda m: m.event == "notification")
        assert moved.payload["type"] == "move" and moved.payload["account"]["acct"] == "hugo"
        assert moved.payload["account"]["moved"]["acct"] == "hugo2"
    finally:
        await stream.close()
