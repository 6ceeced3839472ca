"""S7 backlog drain: a node starts with many inbound `Create{Note}`s already acknowledged and queued
(as after an outage, written as `inbox/receive.py` writes them: an `InboxItem` and an `inbox.process`
job each), while its people read their home timelines at a steady rate.

Measures the time until the queue is empty, the timeline latency meanwhile and the node's memory.
Correct when every queued post is stored exactly once and no job was given up.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

import aiohttp
from sqlalchemy import func, select

from essaim.actors.keys import new_key_pair
from essaim.actors.models import InboxItem, Job
from essaim.actors.models.base import utcnow
from essaim.bench import bulk, seed
from essaim.bench.measure import RunResult, latency_figures
from essaim.bench.peer import PeerServer
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target
from essaim.bench.scenarios.s1_inbox import filler
from essaim.bench.seed import LocalPerson
from essaim.inbox.recorder import PROCESS


async def queue(node: BenchNode, peer: PeerServer, senders: list[int], names: list[str], count: int, text: str) -> None:
    """`count` activities acknowledged and queued, round-robin over the senders."""
    domain, now = peer.base_url.split("://", 1)[1], utcnow()
    notes = [peer.create_note(names[n % len(names)], n, peer.actor(names[0]), text) for n in range(count)]
    await bulk.insert_rows(node, InboxItem, ({"activity_id": a["id"], "received_at": now} for a in notes))
    jobs = (
        {
            "kind": PROCESS,
            "payload": {"activity": a, "sender_id": senders[n % len(senders)]},
            "group_key": domain,
            "run_at": now,
            "created_at": now,
        }
        for n, a in enumerate(notes)
    )
    await bulk.insert_rows(node, Job, jobs)


async def read_timelines(
    base_url: str, readers: list[LocalPerson], rate: float, stop: asyncio.Event
) -> tuple[list[float], Counter[int]]:
    """GET home timelines at `rate` per second, whoever answers slowly, until `stop`; latencies and statuses."""
    rng, latencies, statuses = random.Random(7), [], Counter[int]()

    async def one(client: aiohttp.ClientSession, reader: LocalPerson) -> None:
        started = time.perf_counter()
        headers = {"Authorization": f"Bearer {reader.token}"}
        async with client.get(f"{base_url}/api/v1/timelines/home?limit=20", headers=headers) as response:
            await response.read()
        statuses[response.status] += 1
        latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        tasks, started = [], time.perf_counter()
        while not stop.is_set():
            tasks.append(asyncio.create_task(one(client, rng.choice(readers))))
            await asyncio.sleep(max(0.0, started + len(tasks) / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    return latencies, statuses


async def jobs_left(node: BenchNode) -> int:
    database = node.database()
    try:
        async with database.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Job).where(Job.kind == PROCESS)) or 0)
    finally:
        await database.close()


async def run(ctx: RunContext) -> RunResult:
    count, actors = ctx.params["activities"], ctx.params["actors"]
    peer = PeerServer()
    names = [f"partner{n}" for n in range(actors)]
    peer.keys = dict.fromkeys(names, new_key_pair())
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    await peer.start()
    try:
        node.init()
        readers = await bulk.people(node, [f"reader{n}" for n in range(ctx.params["readers"])])
        senders = await bulk.remote_people(node, [(peer.base_url, n) for n in names], peer.keys[names[0]])
        await bulk.follows(node, ((r.actor_id, s) for r in readers for s in senders))
        await queue(node, peer, senders, names, count, filler(random.Random(ctx.seed), 1000))
        node.start()
        stop = asyncio.Event()
        reading = asyncio.create_task(read_timelines(node.base_url, readers, ctx.params["timeline_rate"], stop))
        drain = await seed.wait_for_inbox(node, timeout=ctx.params["timeout"])
        stop.set()
        latencies, statuses = await reading
        failures = [line for line in node.log().splitlines() if "Error" in line][-3:]
        stats = node.stats()
        stored = await seed.stored_posts(node, peer.base_url)
        left = await jobs_left(node)
    finally:
        await node.destroy()
        await peer.close()
    return RunResult(
        figures={
            "drain_s": drain,
            "drained_per_s": count / drain,
            **latency_figures("timeline", latencies),
            "cpu_s_per_1k_ops": stats.cpu_seconds * 1000 / count,
            "rss_peak_mb": stats.peak_rss_mb,
        },
        baselines={"peer_fetches": float(sum(peer.fetches.values()))},
        checks={
            "every post stored once": stored == count,
            "no job left or given up": left == 0,
            "every timeline read answered 200": statuses[200] == sum(statuses.values()),
        },
        counts={"queued": count, "stored": stored, "jobs_left": left, "timeline_reads": len(latencies)}
        | {f"answered_{s}": n for s, n in statuses.items()},
        notes=failures,
    )


SCENARIO = Scenario(
    name="S7",
    title="backlog drain under timeline reads",
    sizes={
        "smoke": {"activities": 100, "actors": 10, "readers": 10, "timeline_rate": 5, "timeout": 120},
        "medium": {"activities": 2000, "actors": 20, "readers": 100, "timeline_rate": 50, "timeout": 600},
        "full": {"activities": 100_000, "actors": 20, "readers": 1000, "timeline_rate": 50, "timeout": 3600},
    },
    run=run,
    targets=(
        Target("drain_s", maximum=60),
        Target("timeline_p99_ms", maximum=100),
        Target("rss_peak_mb", maximum=300),
    ),
)
