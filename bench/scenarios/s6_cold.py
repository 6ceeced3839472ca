"""S6 cold federation: many actors the node has never seen send one `Create{Note}` each; their
server answers key fetches 50 ms late.

Measures the acknowledgement latency while keys are being fetched and the time until every post
is stored. Correct when every activity got 202, every post is stored and each actor's document
was fetched exactly once.
"""

from __future__ import annotations

import time

from essaim.actors.keys import new_key_pair
from essaim.bench import seed
from essaim.bench.load import Request, run_load
from essaim.bench.measure import RunResult, latency_figures, node_usage
from essaim.bench.peer import PeerServer
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target

LATENCY = 0.05


async def run(ctx: RunContext) -> RunResult:
    peer = PeerServer(latency=LATENCY)
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    keys = new_key_pair()
    names = [f"cold{number}" for number in range(ctx.params["actors"])]
    peer.keys = dict.fromkeys(names, keys)
    concurrency = ctx.params["concurrency"]
    await peer.start()
    try:
        fetch_all = await run_load([Request("GET", peer.actor(name)) for name in names], concurrency)
        peer.fetches.clear()
        node.init()
        [bench] = await seed.local_people(node, ["bench"])
        node.start()
        idle = node.stats()
        inbox = f"{node.base_url}/inbox"
        requests = [
            peer.signed_post(inbox, peer.create_note(name, number, bench.uri, "hello"), name, keys)
            for number, name in enumerate(names)
        ]
        before, db_before = node.stats(), await node.database_mb()
        started = time.perf_counter()
        load = await run_load(requests, concurrency)
        await seed.wait_for_inbox(node, timeout=60)
        all_stored = time.perf_counter() - started
        usage = await node_usage(node, idle, before, db_before, len(requests))
        stored = await seed.stored_posts(node, peer.base_url)
    finally:
        await node.destroy()
        await peer.close()
    fetched_once = sum(1 for name in names if peer.fetches[f"/users/{name}"] == 1)
    other_fetches = sum(peer.fetches.values()) - sum(peer.fetches[f"/users/{name}"] for name in names)
    return RunResult(
        figures={
            **latency_figures("ack", load.latencies),
            "accepted_per_s": load.rate(202),
            "all_stored_s": all_stored,
            **usage,
        },
        baselines={"peer_fetch_all_s": fetch_all.seconds, "peer_fetch_p99_ms": max(fetch_all.latencies) * 1000},
        checks={
            "all answered 202": load.statuses[202] == len(names),
            "all stored": stored == len(names),
            "one fetch per actor": fetched_once == len(names) and other_fetches == 0,
        },
        counts={"actors": len(names), "stored": stored, "fetched_once": fetched_once, "other_fetches": other_fetches}
        | {f"answered_{s}": n for s, n in load.statuses.items()},
    )


SCENARIO = Scenario(
    name="S6",
    title="cold federation (keys served 50 ms late)",
    sizes={
        "smoke": {"actors": 100, "concurrency": 64},
        "medium": {"actors": 1000, "concurrency": 64},
        "full": {"actors": 1000, "concurrency": 64},
    },
    run=run,
    targets=(Target("ack_p99_ms", maximum=50), Target("all_stored_s", maximum=5)),
    ratios=(("all_stored_s", "peer_fetch_all_s"),),
)
