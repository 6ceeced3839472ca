"""S1 inbox ingestion: signed `Create{Note}`s from peers whose keys are cached, with duplicates, bad
signatures and unknown actors mixed in, POSTed to the shared inbox.

Measures how fast the inbox acknowledges (accepted/s, p50/p99), then how long the node takes to
store what it acknowledged. Correct when exactly the valid, distinct posts are stored, every valid
request (duplicates included) and every unknown actor's got 202 (the node verifies those once it has
the key, here none: the peer does not know them), and every bad signature 401.
"""

from __future__ import annotations

import random

from essaim.actors.keys import new_key_pair
from essaim.bench import baselines, seed
from essaim.bench.load import Request, run_load
from essaim.bench.measure import RunResult, latency_figures, node_usage
from essaim.bench.peer import PeerServer
from essaim.bench.process import BenchNode
from essaim.bench.scenario import RunContext, Scenario, Target

WORDS = "ingestion federation colleague quarterly roadmap meeting release notes lunch office team".split()


def filler(rng: random.Random, length: int) -> str:
    """Plain words up to `length` characters: post text of a realistic size."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)


def plan(peer: PeerServer, inbox: str, mention: str, ctx: RunContext) -> tuple[list[Request], dict[str, int]]:
    """The requests in a shuffled order, and how many of each kind there are."""
    rng = random.Random(ctx.seed)
    total, actors = ctx.params["activities"], ctx.params["actors"]
    counts = {"valid": total * 80 // 100, "duplicate": total // 10, "bad_signature": total // 20}
    counts["unknown_actor"] = total - sum(counts.values())
    wrong_keys = new_key_pair()
    text = filler(rng, 3000)

    def note(number: int, name: str) -> dict[str, object]:
        return peer.create_note(name, number, mention, text)

    valid = []
    for number in range(counts["valid"]):
        name = f"actor{number % actors}"
        valid.append(peer.signed_post(inbox, note(number, name), name, peer.keys[name]))
    requests = valid + [rng.choice(valid) for _ in range(counts["duplicate"])]
    for number in range(counts["bad_signature"]):
        name = f"actor{number % actors}"
        requests.append(peer.signed_post(inbox, note(total + number, name), name, wrong_keys))
    for number in range(counts["unknown_actor"]):
        name = f"stranger{number}"
        requests.append(peer.signed_post(inbox, note(2 * total + number, name), name, wrong_keys))
    rng.shuffle(requests)
    return requests, counts


async def run(ctx: RunContext) -> RunResult:
    peer = PeerServer()
    node = BenchNode(ctx.folder / "node", engine=ctx.engine)
    node.folder.mkdir()
    names = [f"actor{number}" for number in range(ctx.params["actors"])]
    peer.keys = {name: new_key_pair() for name in names}
    await peer.start()
    try:
        node.init()
        [bench] = await seed.local_people(node, ["bench"])
        await seed.remote_actors(node, peer, names)
        node.start()
        idle = node.stats()
        inbox = f"{node.base_url}/inbox"
        first = names[0]
        warmup = [
            peer.signed_post(inbox, peer.create_note(first, -n - 1, bench.uri, "warm-up"), first, peer.keys[first])
            for n in range(ctx.params["warmup"])
        ]
        await run_load(warmup, ctx.params["concurrency"])
        requests, counts = plan(peer, inbox, bench.uri, ctx)
        await seed.wait_for_inbox(node, timeout=60)
        before, db_before = node.stats(), await node.database_mb()
        load = await run_load(requests, ctx.params["concurrency"])
        drain = await seed.wait_for_inbox(node, timeout=max(60.0, len(requests) * 0.05))
        stored = await seed.stored_posts(node, peer.base_url) - len(warmup)
        result = RunResult(
            figures={
                "accepted_per_s": load.rate(202),
                **latency_figures("ack", load.latencies),
                "drain_after_load_s": drain,
                "stored_per_s": stored / (load.seconds + drain),
                **await node_usage(node, idle, before, db_before, len(requests)),
            },
            baselines={
                "rsa_verify_per_s": baselines.rsa_verify_rate(peer.keys[names[0]]),
                **await baselines.bare_http(ctx.folder, requests, ctx.params["concurrency"]),
            },
        )
    finally:
        await node.destroy()
        await peer.close()
    accepted, refused = load.statuses[202], load.statuses[401]
    result.counts = counts | {"stored": stored, "answered_202": accepted, "answered_401": refused}
    result.checks = {
        "stored == valid unique": stored == counts["valid"],
        "202 == valid + duplicates + unknown actors": accepted
        == counts["valid"] + counts["duplicate"] + counts["unknown_actor"],
        "401 == bad signatures": refused == counts["bad_signature"],
    }
    return result


SCENARIO = Scenario(
    name="S1",
    title="inbox ingestion",
    sizes={
        "smoke": {"activities": 200, "actors": 10, "warmup": 10, "concurrency": 64},
        "medium": {"activities": 2000, "actors": 20, "warmup": 100, "concurrency": 64},
        "full": {"activities": 50000, "actors": 20, "warmup": 500, "concurrency": 64},
    },
    run=run,
    targets=(Target("accepted_per_s", minimum=2000), Target("ack_p99_ms", maximum=50)),
    ratios=(("accepted_per_s", "bare_aiohttp_req_s"),),
)
