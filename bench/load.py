"""The load generator: send prepared requests with `concurrency` in flight, record each status and latency.

One aiohttp client session with a keep-alive pool as large as the concurrency, so the server
sees `concurrency` steady connections, as from a busy peer or many apps.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp


@dataclass(frozen=True)
class Request:
    """One prepared request: everything (signature included) is computed before the clock starts."""

    method: str
    url: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    """What a load run saw: the wall time, each answer's status and latency (seconds)."""

    seconds: float
    statuses: Counter[int]
    latencies: list[float]

    def rate(self, *statuses: int) -> float:
        """Answers per second with one of these statuses (all answers when none is given)."""
        count = sum(self.statuses[s] for s in statuses) if statuses else sum(self.statuses.values())
        return count / self.seconds if self.seconds else 0.0


async def run_load(requests: Sequence[Request], concurrency: int) -> LoadResult:
    """Send every request once, at most `concurrency` at a time, in order of the sequence."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)

    async def worker(client: aiohttp.ClientSession) -> None:
        for request in queue:  # one iterator shared by the workers: each request is taken once
            started = time.perf_counter()
            async with client.request(
                request.method, request.url, data=request.body or None, headers=request.headers
            ) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)
            statuses[response.status] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(seconds, statuses, latencies)
