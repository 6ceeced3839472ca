"""Many peer servers on 127.0.0.1, one port each, that only receive deliveries: healthy, slow, failing
(503) or refusing connections (a reserved port nobody listens on).

One aiohttp runner in the bench process serves every port; each request is recorded with the
activity id it carries, when it arrived and the client's address, which names the TCP connection
it came on: requests sharing an address came over a reused connection.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from essaim.bench.process import free_port

HEALTHY, SLOW, FAILING, REFUSING = "healthy", "slow", "503", "refusing"
SLOW_SECONDS = 2.0
INBOX = "/inbox"  # the shared inbox the node delivers to; baselines post elsewhere


@dataclass
class Sink:
    port: int
    behaviour: str
    received: list[tuple[str, float, str]] = field(default_factory=list)  # activity id, when, client address

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def deliveries(self) -> Counter[str]:
        return Counter(activity for activity, _, _ in self.received)


class InboxSinks:
    def __init__(self, behaviours: list[str]) -> None:
        self.sinks = [Sink(free_port(), behaviour) for behaviour in behaviours]
        self._by_port = {sink.port: sink for sink in self.sinks}
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)

    def of(self, behaviour: str) -> list[Sink]:
        return [sink for sink in self.sinks if sink.behaviour == behaviour]

    async def start(self) -> None:
        await self._runner.setup()
        for sink in self.sinks:
            if sink.behaviour != REFUSING:
                await web.TCPSite(self._runner, "127.0.0.1", sink.port, backlog=512).start()

    async def close(self) -> None:
        await self._runner.cleanup()

    def connection_reuse(self) -> float:
        """The share of requests that came over a connection that had carried one before."""
        requests = [client for sink in self.sinks for _, _, client in sink.received]
        return 1 - len(set(requests)) / len(requests) if requests else 0.0

    async def _receive(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        sink = self._by_port[request.transport.get_extra_info("sockname")[1]]  # type: ignore[union-attr]
        body = json.loads(await request.read())
        if request.path == INBOX:  # not a baseline's request
            host, port = request.transport.get_extra_info("peername")[:2]  # type: ignore[union-attr]
            sink.received.append((str(body["id"]), arrived, f"{host}:{port}"))
        if sink.behaviour == SLOW:
            await asyncio.sleep(SLOW_SECONDS)
        return web.Response(status=503 if sink.behaviour == FAILING else 202)
