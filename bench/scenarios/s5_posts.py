"""S5 post creation: `POST /api/v1/statuses` by many local authors, each post 1–2 KB with two mentions,
two hashtags and a link (the 500-character limit applies: a long link, counted as 23, makes up the size).

Measures statuses/s and p50/p99, all the work of a post included (sanitising, mentions and tags
resolved, insert, fan-out and notifications). Correct when every request got 200 and exactly
that many posts are stored.
"""

from __future__ import annotations

import json
import random

from essaim.bench import baselines, seed
from essaim.bench.load import Request, run_load
from essaim.bench.measure import RunResult, latency_figures, node_usage
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target
from essaim.bench.scenarios.s1_inbox import filler


def plan(node: BenchNode, people: list[seed.LocalPerson], count: int, rng: random.Random) -> list[Request]:
    url = f"{node.base_url}/api/v1/statuses"
    requests = []
    for number in range(count):
        author = people[number % len(people)]
        mentioned = [people[(number + step) % len(people)].username for step in (1, 2)]
        link = f"https://example.com/notes/{number}?ref=" + "x" * rng.randint(600, 1500)  # counts 23 characters
        text = f"@{mentioned[0]} @{mentioned[1]} {filler(rng, 380)} {link} #bench #release{number % 10}"
        body = json.dumps({"status": text, "visibility": "public"}).encode()
        headers = {"Authorization": f"Bearer {author.token}", "Content-Type": "application/json"}
        requests.append(Request("POST", url, body, headers))
    return requests


async def run(ctx: RunContext) -> RunResult:
    rng = random.Random(ctx.seed)
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    try:
        node.init()
        people = await seed.local_people(node, [f"author{n}" for n in range(ctx.params["authors"])])
        raw_insert = await baselines.raw_insert_rate(node, ctx.params["raw_inserts"])
        node.start()
        idle = node.stats()
        await run_load(plan(node, people, ctx.params["warmup"], rng), ctx.params["concurrency"])
        requests = plan(node, people, ctx.params["posts"], rng)
        before, db_before = node.stats(), await node.database_mb()
        load = await run_load(requests, ctx.params["concurrency"])
        usage = await node_usage(node, idle, before, db_before, len(requests))
        stored = await seed.stored_posts(node, node.base_url) - ctx.params["warmup"]
    finally:
        await node.destroy()
    bare = await baselines.bare_http(ctx.folder, requests, ctx.params["concurrency"])
    return RunResult(
        figures={"statuses_per_s": load.rate(200), **latency_figures("post", load.latencies), **usage},
        baselines={**bare, "raw_insert_per_s": raw_insert},
        checks={"all answered 200": load.statuses[200] == len(requests), "stored == posted": stored == len(requests)},
        counts={"posted": len(requests), "stored": stored} | {f"answered_{s}": n for s, n in load.statuses.items()},
    )


SCENARIO = Scenario(
    name="S5",
    title="post creation",
    sizes={
        "smoke": {"posts": 80, "authors": 10, "warmup": 16, "concurrency": 16, "raw_inserts": 200},
        "medium": {"posts": 1000, "authors": 100, "warmup": 50, "concurrency": 16, "raw_inserts": 2000},
        "full": {"posts": 10000, "authors": 100, "warmup": 200, "concurrency": 16, "raw_inserts": 5000},
    },
    run=run,
    targets=(Target("statuses_per_s", minimum=300), Target("post_p99_ms", maximum=100)),
    ratios=(("statuses_per_s", "bare_aiohttp_req_s"), ("statuses_per_s", "raw_insert_per_s")),
)
