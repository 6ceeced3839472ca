"""Two `essaim run` processes of one node on one PostgreSQL database: a change committed through either
reaches streams open on both (LISTEN/NOTIFY), each exactly once; a lost LISTEN connection is re-opened.

PostgreSQL only: on SQLite a node is one process by design (one writer, the in-process bus), so there is no
second process to reach (tests/cli/test_server_processes.py shows a second one is refused); this module runs
when ESSAIM_TEST_DB=postgresql.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sqlalchemy import text

from tests.api_helpers import api_token, call
from tests.conftest import ENGINE, Node, NodeFactory
from tests.federation_helpers import eventually
from tests.helpers import database
from tests.streaming_helpers import SseStream, WebSocketStream, update_with

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="SQLite nodes are one process by design")


async def test_events_cross_processes_sharing_the_database(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    first = await asyncio.to_thread(nodes.create, demo=True)
    second = first.second_process()
    await asyncio.to_thread(second.start)
    hugo, amina = await api_token(first, "hugo"), await api_token(first, "amina")
    on_second = await SseStream(http, f"{second.base_url}/api/v1/streaming/user", amina).open()
    ws = f"ws://127.0.0.1:{first.port}/api/v1/streaming?stream=user:notification"
    on_first = await WebSocketStream.open(http, ws, headers={"Authorization": f"Bearer {hugo}"})
    try:
        post = await call(http, "POST", f"{first.base_url}/api/v1/statuses", hugo, data={"status": "proc-1 via first"})
        got = await on_second.expect("a post made through the first process", update_with("proc-1"))
        assert got.payload["id"] == post["id"]

        await call(http, "POST", f"{second.base_url}/api/v1/statuses/{post['id']}/favourite", amina)
        note = await on_first.expect("a favourite made through the second process", lambda m: m.event == "notification")
        assert (note.payload["type"], note.payload["status"]["id"]) == ("favourite", post["id"])

        await call(http, "POST", f"{second.base_url}/api/v1/statuses", hugo, data={"status": "proc-2 via second"})
        await call(http, "POST", f"{first.base_url}/api/v1/statuses", hugo, data={"status": "proc-3 fence"})
        await on_second.expect("the fence", update_with("proc-3"))
        copies = [m for m in on_second.seen if update_with("proc-2")(m)]
        assert len(copies) == 1, "a post made through the stream's own process arrives once"
    finally:
        await on_second.close()
        await on_first.close()
        await asyncio.to_thread(second.stop)


async def _listeners(node: Node) -> set[int]:
    """Backend ids of the node's LISTEN connections (the only ones whose last statement was a LISTEN)."""
    name = node.database_url.rsplit("/", 1)[1]
    async with database(node.database_url) as session:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND query LIKE 'LISTEN %'")
        return set((await session.scalars(query, {"name": name})).all())


async def test_streams_carry_on_after_the_listen_connection_is_lost(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    node = await asyncio.to_thread(nodes.create, demo=True)
    hugo, amina = await api_token(node, "hugo"), await api_token(node, "amina")
    stream = await SseStream(http, f"{node.base_url}/api/v1/streaming/user", amina).open()
    try:
        (lost,) = await _listeners(node)
        async with database(node.database_url) as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
        await eventually(lambda: _listeners(node), "the node listening again")  # events meanwhile are missed
        assert lost not in await _listeners(node)
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "relisten-1"})
        await stream.expect("a post after the reconnection", update_with("relisten-1"))
        assert not stream.ended.is_set(), "the open stream itself was never interrupted"
    finally:
        await stream.close()
