"""Live streams on one node: Mastodon.py's SSE `stream_user`, raw SSE endpoints and the WebSocket.

In the demo company hugo is followed by amina (among others) and not by pierre. What hugo does reaches
amina's streams as it happens — his followers-only post (`update`), its edit (`status.update`), its
deletion (`delete`), his favourite of her post (`notification`) — and never pierre's: not on his home
stream, not on the public stream. Streams deliver in commit order, so "never" is checked by waiting for a
later public post (a fence) and looking at everything that came before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.streaming_helpers import (
    MastodonListener,
    SseStream,
    mentions_text,
    update_with,
)


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("streaming"))
    yield await asyncio.to_thread(factory.create, demo=True, ESSAIM_STREAMING_HEARTBEAT_SECONDS="1")
    await asyncio.to_thread(factory.close)


async def tokens(node: Node, *names: str) -> list[str]:
    return [await api_token(node, name) for name in names]


def sse(http: aiohttp.ClientSession, node: Node, path: str, token: str | None = None) -> SseStream:
    return SseStream(http, f"{node.base_url}/api/v1/streaming/{path}", token)


async def test_mastodon_py_user_stream_gets_each_event_of_a_followed_person(
    node: Node, http: aiohttp.ClientSession
) -> None:
    hugo, amina, pierre = await tokens(node, "hugo", "amina", "pierre")
    listener = MastodonListener()
    handle = await asyncio.to_thread(mastodon(node, amina).stream_user, listener, run_async=True)
    outsider = await sse(http, node, "user", pierre).open()
    public = await sse(http, node, "public", pierre).open()
    try:
        await listener.opened()
        post = await call(
            http,
            "POST",
            f"{node.base_url}/api/v1/statuses",
            hugo,
            data={"status": "fol-1 for followers", "visibility": "private"},
        )
        got = await listener.expect("update", lambda m: m.event == "update" and m.payload["id"] == post["id"])
        assert got.payload["visibility"] == "private" and got.payload["account"]["acct"] == "hugo"

        await call(http, "PUT", f"{node.base_url}/api/v1/statuses/{post['id']}", hugo, data={"status": "fol-1 edited"})
        edited = await listener.expect("status.update", lambda m: m.event == "status.update")
        assert edited.payload["id"] == post["id"] and "fol-1 edited" in edited.payload["content"]

        mine = await call(http, "POST", f"{node.base_url}/api/v1/statuses", amina, data={"status": "amina-1"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses/{mine['id']}/favourite", hugo)
        note = await listener.expect("notification", lambda m: m.event == "notification")
        assert note.payload["type"] == "favourite" and note.payload["account"]["acct"] == "hugo"
        assert note.payload["status"]["id"] == mine["id"]

        await call(http, "DELETE", f"{node.base_url}/api/v1/statuses/{post['id']}", hugo)
        await listener.expect("delete", lambda m: m.event == "delete" and m.payload == post["id"])

        fence = await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "fence-1 public"})
        await public.expect("the public fence", update_with("fence-1"))
        assert not mentions_text(public.seen, "fol-1"), "a followers-only post reached the public stream"
        assert not any(m.event == "delete" and m.payload == post["id"] for m in public.seen)
        assert fence["visibility"] == "public"
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", amina, data={"status": "@pierre fence-2"})
        await outsider.expect("the mention fence", lambda m: m.event == "update" and "fence-2" in m.payload["content"])
        assert not mentions_text(outsider.seen, "fol-1"), "a followers-only post reached a non-follower"
    finally:
        await asyncio.to_thread(handle.close)
        await outsider.close()
        await public.close()
