"""S2 home timeline: `GET /api/v1/timelines/home?limit=20` by many people (a quarter of the requests a
`max_id` page further down), on a node holding many posts and skewed follows.

Authorship is skewed (weight ∝ rank^-0.8); each person follows 10 and more accounts, mostly popular
ones; 1 % follow more than 300 (as many as there are) and 1 % follow only the quietest accounts (the
sparse case where query-time timelines walk the whole table). The seed writes each person's home feed
as fan-out on write would have, down to `feed_depth` entries (Mastodon keeps 400–800), and pages stay
within it. Measures req/s and p50/p99 at c=16, and the database time of the node's own home query
for the heaviest and sparsest readers. Correct when sampled pages hold exactly the expected posts,
newest first.
"""

from __future__ import annotations

import heapq
import itertools
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from essaim.actors.models import Status
from essaim.actors.paging import Window, windowed
from essaim.bench import baselines, bulk
from essaim.bench.load import Request, run_load
from essaim.bench.measure import RunResult, latency_figures, node_usage
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target
from essaim.bench.seed import LocalPerson
from essaim.ids import new_id
from essaim.web.api.v1.timelines import home_posts

CONTENT = "<p>" + "quarterly roadmap release notes for the team " * 6 + "</p>"
LIMIT = 20


@dataclass
class Network:
    """Who wrote which posts (ids ascending per author) and whom each person follows."""

    posts_by: list[list[int]]
    followees: list[list[int]]
    heavy: list[int]  # people following the most accounts
    sparse: list[int]  # people following only quiet accounts

    def feed(self, person: int, depth: int) -> list[int]:
        """The newest `depth` posts of the person and of those they follow, newest first."""
        authors = [person, *self.followees[person]]
        newest = heapq.merge(*(reversed(self.posts_by[a][-depth:]) for a in authors), reverse=True)
        return list(itertools.islice(newest, depth))


def network(rng: random.Random, users: int, posts: int) -> Network:
    weights = list(itertools.accumulate((rank + 1) ** -0.8 for rank in range(users)))
    authors = rng.choices(range(users), cum_weights=weights, k=posts)
    posts_by: list[list[int]] = [[] for _ in range(users)]
    for author in authors:
        posts_by[author].append(new_id())
    most = min(users - 1, 400)
    quiet = sorted(range(users), key=lambda a: len(posts_by[a]))[: max(10, users // 5)]
    edge = max(1, users // 100)
    followees = []
    for person in range(users):
        if person < edge:  # heavy: more than 300 (or everyone, on small sizes)
            chosen = set(rng.sample(range(users), min(users, rng.randint(min(most, 301), most) + 1)))
        elif person >= users - edge:  # sparse: the quiet accounts only
            chosen = set(rng.sample(quiet, min(len(quiet), 10)))
        else:
            wanted = min(most, int(10 + rng.expovariate(1 / 82)))
            chosen = set()
            while len(chosen) < wanted:
                chosen.update(rng.choices(range(users), cum_weights=weights, k=wanted - len(chosen)))
        chosen.discard(person)
        followees.append(sorted(chosen))
    return Network(posts_by, followees, list(range(edge)), list(range(users - edge, users)))


@dataclass(frozen=True)
class Page:
    person: int
    max_id: int | None
    expected: list[int]


def pages(rng: random.Random, net: Network, count: int, depth: int) -> list[Page]:
    """`count` pages of random people (the heavy and sparse first), a quarter with a `max_id` inside the feed."""
    people = [*net.heavy, *net.sparse] + rng.choices(range(len(net.followees)), k=count)
    planned = []
    for person in people[:count]:
        feed = net.feed(person, depth)
        max_id = None
        if rng.random() < 0.25 and len(feed) > LIMIT + 1:
            max_id = feed[rng.randint(1, len(feed) - LIMIT - 1)]
        below = [s for s in feed if max_id is None or s < max_id]
        planned.append(Page(person, max_id, below[:LIMIT]))
    return planned


def request(base_url: str, person: LocalPerson, page: Page) -> Request:
    query = f"limit={LIMIT}" + (f"&max_id={page.max_id}" if page.max_id else "")
    return Request(
        "GET", f"{base_url}/api/v1/timelines/home?{query}", headers={"Authorization": f"Bearer {person.token}"}
    )


async def seed(node: BenchNode, net: Network, depth: int) -> list[LocalPerson]:
    people = await bulk.people(node, [f"reader{n}" for n in range(len(net.followees))])
    ids = [p.actor_id for p in people]
    await bulk.posts(node, ((s, ids[a]) for a, lst in enumerate(net.posts_by) for s in lst), CONTENT)
    await bulk.follows(node, ((ids[p], ids[f]) for p, fs in enumerate(net.followees) for f in fs))
    await bulk.feed_entries(node, ((ids[p], s) for p in range(len(ids)) for s in net.feed(p, depth)))
    return people


async def check_pages(base_url: str, people: Sequence[LocalPerson], sample: Sequence[Page]) -> int:
    """How many sampled pages came back with exactly the expected post ids, in order."""
    right = 0
    async with aiohttp.ClientSession() as client:
        for page in sample:
            r = request(base_url, people[page.person], page)
            async with client.get(r.url, headers=r.headers) as response:
                body = await response.json()
            right += response.status == 200 and [int(s["id"]) for s in body] == page.expected
    return right


async def db_times_ms(node: BenchNode, owners: Sequence[int]) -> list[float]:
    """The node's home query (first page) timed through SQLAlchemy for each owner: the best of three."""
    database = node.database()
    times = []
    try:
        async with database.session() as session:
            for owner in owners:
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    (await session.scalars(windowed(home_posts(owner), Status.id, Window(limit=LIMIT)))).all()
                    best = min(best, time.perf_counter() - started)
                times.append(best * 1000)
    finally:
        await database.close()
    return times


async def run(ctx: RunContext) -> RunResult:
    rng = random.Random(ctx.seed)
    depth, concurrency = ctx.params["feed_depth"], ctx.params["concurrency"]
    net = network(rng, ctx.params["users"], ctx.params["posts"])
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    try:
        node.init()
        people = await seed(node, net, depth)
        node.start()
        idle = node.stats()
        plan = pages(rng, net, ctx.params["requests"] + ctx.params["warmup"], depth)
        requests = [request(node.base_url, people[p.person], p) for p in plan]
        await run_load(requests[: ctx.params["warmup"]], concurrency)
        measured = requests[ctx.params["warmup"] :]
        before, db_before = node.stats(), await node.database_mb()
        load = await run_load(measured, concurrency)
        usage = await node_usage(node, idle, before, db_before, len(measured))
        sample = plan[: ctx.params["checked"]]
        right = await check_pages(node.base_url, people, sample)
        owners = [people[p].actor_id for p in [*net.heavy, *net.sparse]]
        owners += [people[p.person].actor_id for p in plan[-ctx.params["checked"] :]]
        db_ms = await db_times_ms(node, owners)
        raw = await baselines.raw_home_rate(node, [people[p.person].actor_id for p in plan])
    finally:
        await node.destroy()
    return RunResult(
        figures={
            "req_per_s": load.rate(200),
            **latency_figures("home", load.latencies),
            "db_p50_ms": statistics.median(db_ms),
            "db_worst_user_ms": max(db_ms),
            **usage,
        },
        baselines={"raw_driver_pages_per_s": raw},
        checks={
            "all answered 200": load.statuses[200] == len(measured),
            "sampled pages exact": right == len(sample),
        },
        counts={"requests": len(measured), "checked": len(sample), "pages_right": right}
        | {"feed_rows": sum(len(net.feed(p, depth)) for p in range(len(people)))}
        | {f"answered_{s}": n for s, n in load.statuses.items()},
    )


SCENARIO = Scenario(
    name="S2",
    title="home timeline",
    sizes={
        "smoke": {
            "users": 200,
            "posts": 5000,
            "feed_depth": 100,
            "requests": 400,
            "warmup": 50,
            "concurrency": 16,
            "checked": 40,
        },
        "medium": {
            "users": 1000,
            "posts": 100_000,
            "feed_depth": 400,
            "requests": 4000,
            "warmup": 200,
            "concurrency": 16,
            "checked": 100,
        },
        "full": {
            "users": 10_000,
            "posts": 1_000_000,
            "feed_depth": 400,
            "requests": 20_000,
            "warmup": 500,
            "concurrency": 16,
            "checked": 200,
        },
    },
    run=run,
    targets=(
        Target("req_per_s", minimum=1000),
        Target("home_p99_ms", maximum=50),
        Target("db_worst_user_ms", maximum=20),
    ),
    ratios=(("req_per_s", "raw_driver_pages_per_s"),),
)
