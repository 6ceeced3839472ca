"""S3 remote fan-out: one local author with many remote followers spread over many loopback servers
(2 % slow to answer, 2 % answering 503, 1 % refusing connections) posts, first once, then a burst.

Measures, for the lone post, when 95 % and all of the healthy servers had it (head-of-line blocking
would make the healthy wait for the slow); for the burst, deliveries per second sustained and the
share of requests that came over a reused connection, as the servers saw them. Correct when every
healthy and slow server got each post exactly once (one shared inbox each), and the ledger shows
the failing and refusing servers' deliveries retrying, none delivered or given up.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from sqlalchemy import func, select

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Delivery, DeliveryState
from essaim.bench import bulk, seed
from essaim.bench.inbox_sinks import FAILING, HEALTHY, REFUSING, SLOW, SLOW_SECONDS, InboxSinks
from essaim.bench.measure import RunResult, percentile
from essaim.bench.process import PYTHON, BenchNode, run_pinned
from essaim.bench.scenario import RunContext, Scenario, Target
from essaim.bench.seed import LocalPerson

WAIT = 120.0


def behaviours(hosts: int) -> list[str]:
    """2 % slow, 2 % failing, 1 % refusing (at least one each), the rest healthy."""
    slow, failing, refusing = (max(1, hosts * share // 100) for share in (2, 2, 1))
    return [SLOW] * slow + [FAILING] * failing + [REFUSING] * refusing + [HEALTHY] * (hosts - slow - failing - refusing)


async def post(client: aiohttp.ClientSession, base_url: str, author: LocalPerson, number: int) -> str:
    """Post a public status as the author; its URI."""
    headers = {"Authorization": f"Bearer {author.token}"}
    body = {"status": f"Fan-out number {number}", "visibility": "public"}
    async with client.post(f"{base_url}/api/v1/statuses", json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["uri"])


async def arrivals(sinks: InboxSinks, behaviour: str, uris: list[str], timeout: float) -> list[float]:
    """Wait until every sink of `behaviour` has a delivery about each post; the arrival times."""
    deadline = time.perf_counter() + timeout
    wanted = len(sinks.of(behaviour)) * len(uris)
    while True:
        times = [t for s in sinks.of(behaviour) for a, t, _ in s.received if any(a.startswith(u) for u in uris)]
        if len(times) >= wanted or time.perf_counter() > deadline:
            return times
        await asyncio.sleep(0.01)


async def ledger(node: BenchNode) -> dict[tuple[str, str], int]:
    """Deliveries by (host, state)."""
    database = node.database()
    try:
        async with database.session() as session:
            rows = await session.execute(select(Delivery.host, Delivery.state, func.count()).group_by("host", "state"))
            return {(host, state): count for host, state, count in rows}
    finally:
        await database.close()


async def bare_rate(ctx: RunContext, sinks: InboxSinks, posts: int) -> float:
    """Signed deliveries/s with bare aiohttp on the node's core, to the healthy servers, as many as the burst."""
    keys = new_key_pair()
    body = json.dumps({"id": "http://127.0.0.1/bare/activity", "type": "Create", "filler": "x" * 1500})
    urls = [f"{sink.base_url}/bare" for _ in range(posts) for sink in sinks.of(HEALTHY)]
    spec = ctx.folder / "bare_sender.json"
    key_id = "http://127.0.0.1/bare#main-key"
    spec.write_text(
        json.dumps(
            {"urls": urls, "body": body, "key_id": key_id, "private_key_pem": keys.private_pem, "concurrency": 32}
        )
    )
    return float((await run_pinned([PYTHON, "-m", "essaim.bench.bare_sender", str(spec)], ctx.folder)).split()[-1])


async def run(ctx: RunContext) -> RunResult:
    hosts, per_host, burst = ctx.params["hosts"], ctx.params["followers_per_host"], ctx.params["burst_posts"]
    sinks = InboxSinks(behaviours(hosts))
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    await sinks.start()
    try:
        node.init()
        [author] = await seed.local_people(node, ["author"])
        remote = [(sink.base_url, f"f{n}") for sink in sinks.sinks for n in range(per_host)]
        followers = await bulk.remote_people(node, remote, new_key_pair())
        await bulk.follows(node, ((follower, author.actor_id) for follower in followers))
        node.start()
        async with aiohttp.ClientSession() as client:
            started = time.perf_counter()
            first = [await post(client, node.base_url, author, 0)]
            lone = [t - started for t in await arrivals(sinks, HEALTHY, first, WAIT)]
            burst_started = time.perf_counter()
            uris = [await post(client, node.base_url, author, n) for n in range(1, burst + 1)]
            burst_times = await arrivals(sinks, HEALTHY, uris, WAIT)
            burst_seconds = max(burst_times, default=burst_started) - burst_started
            await arrivals(sinks, SLOW, [*first, *uris], WAIT + SLOW_SECONDS)
        states = await ledger(node)
        usage = node.stats()
        await node.destroy()
        bare = await bare_rate(ctx, sinks, burst)
    finally:
        await node.destroy()
        await sinks.close()
    posts = len(uris) + 1

    def exactly_once(behaviour: str) -> bool:
        return all(
            sink.deliveries() == dict.fromkeys(sink.deliveries(), 1) and len(sink.deliveries()) == posts
            for sink in sinks.of(behaviour)
        )

    def only_retrying(behaviour: str) -> bool:
        return all(
            set(state for (host, state) in states if host == f"127.0.0.1:{sink.port}") == {DeliveryState.RETRYING.value}
            for sink in sinks.of(behaviour)
        )

    healthy = len(sinks.of(HEALTHY))
    return RunResult(
        figures={
            "deliveries_per_s": len(burst_times) / burst_seconds if burst_seconds else 0.0,
            "lone_post_healthy_95_s": percentile(lone, 0.95),
            "lone_post_healthy_all_s": max(lone, default=0.0),
            "connection_reuse": sinks.connection_reuse(),
            "cpu_s_total": usage.cpu_seconds,
            "rss_peak_mb": usage.peak_rss_mb,
        },
        baselines={"bare_signed_deliveries_per_s": bare},
        checks={
            "healthy got each post once": exactly_once(HEALTHY),
            "slow got each post once": exactly_once(SLOW),
            "503 and refusing only retrying": only_retrying(FAILING) and only_retrying(REFUSING),
        },
        counts={
            "hosts": hosts,
            "followers": len(followers),
            "posts": posts,
            "healthy_hosts": healthy,
            "healthy_deliveries": sum(len(s.received) for s in sinks.of(HEALTHY)),
            "failing_attempts": sum(len(s.received) for s in sinks.of(FAILING)),
        },
    )


SCENARIO = Scenario(
    name="S3",
    title="remote fan-out",
    sizes={
        "smoke": {"hosts": 40, "followers_per_host": 5, "burst_posts": 3},
        "medium": {"hosts": 200, "followers_per_host": 20, "burst_posts": 10},
        "full": {"hosts": 500, "followers_per_host": 20, "burst_posts": 20},
    },
    run=run,
    targets=(
        Target("deliveries_per_s", minimum=2000),
        Target("lone_post_healthy_95_s", maximum=1),
        Target("connection_reuse", minimum=0.95),
    ),
    ratios=(("deliveries_per_s", "bare_signed_deliveries_per_s"),),
)
