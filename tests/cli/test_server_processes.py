"""How many `essaim run` processes may serve one node: one on SQLite, where the server process is the
only writer and runs the job and delivery workers (a second one would run every job twice), and as
many as wanted on PostgreSQL, where workers share the queue (tests/web/api/test_streaming_processes.py).
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.api_helpers import call
from tests.conftest import ENGINE, NodeFactory


async def test_a_second_server_process_of_one_node(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    first = await asyncio.to_thread(nodes.create)
    second = first.second_process()
    if ENGINE == "sqlite":
        with pytest.raises(AssertionError, match="another `essaim run` already serves .*use PostgreSQL"):
            await asyncio.to_thread(second.start)
        await asyncio.to_thread(first.stop)  # the claim ends with the process that held it
    await asyncio.to_thread(second.start)
    try:
        instance = await call(http, "GET", f"{second.base_url}/api/v2/instance")
        assert instance["domain"] == first.domain, "the same node, served by another process"
    finally:
        await asyncio.to_thread(second.stop)
