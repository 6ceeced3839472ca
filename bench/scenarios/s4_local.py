"""S4 local fan-out and streaming: an author with thousands of local followers posts while many of
them watch their `user` stream over a WebSocket.

Measures, per post, when it was in every follower's home feed (fan-out happens in the post's
transaction, so that is when the POST answered) and when each stream delivered its `update`.
Correct when every follower's home feed holds every post, sampled home timelines show it first
through the API, and every stream got each post exactly once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict

import aiohttp
from sqlalchemy import func, select

from essaim.actors.models import HomeFeedEntry
from essaim.bench import baselines, bulk
from essaim.bench.measure import RunResult, latency_figures, percentile
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target
from essaim.bench.seed import LocalPerson

WAIT = 60.0


class Streams:
    """WebSockets on `user` streams; each `update` recorded as (status id → arrival times)."""

    def __init__(self) -> None:
        self.updates: dict[str, list[float]] = defaultdict(list)
        self.per_socket: list[list[str]] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self, client: aiohttp.ClientSession, base_url: str, people: list[LocalPerson]) -> None:
        for person in people:
            ws = await client.ws_connect(f"{base_url}/api/v1/streaming?stream=user&access_token={person.token}")
            seen: list[str] = []
            self.per_socket.append(seen)
            self._tasks.append(asyncio.create_task(self._read(ws, seen)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, seen: list[str]) -> None:
        async for message in ws:
            event = json.loads(message.data)
            if event.get("event") == "update":
                status_id = str(json.loads(event["payload"])["id"])
                seen.append(status_id)
                self.updates[status_id].append(time.perf_counter())

    async def wait_for(self, status_id: str, timeout: float) -> list[float]:
        deadline = time.perf_counter() + timeout
        while len(self.updates[status_id]) < len(self.per_socket) and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        return self.updates[status_id]

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()


async def post(client: aiohttp.ClientSession, base_url: str, author: LocalPerson, number: int) -> str:
    headers = {"Authorization": f"Bearer {author.token}"}
    body = {"status": f"All hands at {number} o'clock", "visibility": "public"}
    async with client.post(f"{base_url}/api/v1/statuses", json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["id"])


async def feed_rows(node: BenchNode, status_ids: list[str]) -> int:
    database = node.database()
    try:
        async with database.session() as session:
            query = select(func.count()).where(HomeFeedEntry.status_id.in_([int(s) for s in status_ids]))
            return int(await session.scalar(query) or 0)
    finally:
        await database.close()


async def newest_in_home(client: aiohttp.ClientSession, base_url: str, people: list[LocalPerson]) -> list[str]:
    newest = []
    for person in people:
        headers = {"Authorization": f"Bearer {person.token}"}
        async with client.get(f"{base_url}/api/v1/timelines/home?limit=1", headers=headers) as response:
            newest.append(str((await response.json())[0]["id"]))
    return newest


async def run(ctx: RunContext) -> RunResult:
    followers_count, watching = ctx.params["followers"], ctx.params["streams"]
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    streams = Streams()
    try:
        node.init()
        author, *followers = await bulk.people(node, ["author", *(f"colleague{n}" for n in range(followers_count))])
        await bulk.follows(node, ((f.actor_id, author.actor_id) for f in followers))
        raw_fanout = await baselines.raw_fanout_ms(node, author.actor_id)
        node.start()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as client:
            await streams.open(client, node.base_url, followers[:watching])
            warmup = await post(client, node.base_url, author, 0)
            await streams.wait_for(warmup, WAIT)
            before = node.stats()
            visible, delays, posted = [], [], []
            for number in range(1, ctx.params["posts"] + 1):
                started = time.perf_counter()
                status_id = await post(client, node.base_url, author, number)
                visible.append(time.perf_counter() - started)
                delays += [t - started for t in await streams.wait_for(status_id, WAIT)]
                posted.append(status_id)
            cpu = node.stats().cpu_seconds - before.cpu_seconds
            rows = await feed_rows(node, posted)
            sample = followers[:: max(1, len(followers) // ctx.params["checked"])]
            newest = await newest_in_home(client, node.base_url, sample)
            streams.close()
        peak = node.stats().peak_rss_mb
    finally:
        streams.close()
        await node.destroy()
    once = sum(sorted(seen) == sorted([warmup, *posted]) for seen in streams.per_socket)
    return RunResult(
        figures={
            **latency_figures("stream", delays),
            "home_visible_p99_ms": percentile(visible, 0.99) * 1000,
            "cpu_s_per_post": cpu / len(posted),
            "rss_peak_mb": peak,
        },
        baselines={"raw_fanout_ms": raw_fanout},
        checks={
            "every feed has every post": rows == (followers_count + 1) * len(posted),
            "sampled home timelines show it first": newest == [posted[-1]] * len(sample),
            "every stream got each post once": once == watching,
        },
        counts={
            "followers": followers_count,
            "streams": watching,
            "posts": len(posted),
            "feed_rows": rows,
            "streams_exact": once,
            "stream_updates": len(delays),
        },
    )


SCENARIO = Scenario(
    name="S4",
    title="local fan-out and streaming",
    sizes={
        "smoke": {"followers": 200, "streams": 50, "posts": 3, "checked": 10},
        "medium": {"followers": 2000, "streams": 400, "posts": 5, "checked": 20},
        "full": {"followers": 5000, "streams": 1000, "posts": 10, "checked": 50},
    },
    run=run,
    targets=(Target("stream_p99_ms", maximum=1000), Target("home_visible_p99_ms", maximum=1000)),
    ratios=(("home_visible_p99_ms", "raw_fanout_ms"),),
)
