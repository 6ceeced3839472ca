"""The delivery baseline: bare aiohttp POSTs of one activity, each signed (draft-cavage, RSA-2048) just
before it leaves, over a keep-alive pool, with no database and no ledger.

Run as `python -m essaim.bench.bare_sender SPEC.json` (urls, body, key_id, private_key_pem,
concurrency); prints the deliveries per second. Run on the node's core, it is what aiohttp and
RSA signing allow there.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON


async def send_all(spec: dict[str, object]) -> float:
    urls, body = list(spec["urls"]), str(spec["body"]).encode()  # type: ignore[call-overload]
    queue = iter(urls)

    async def worker(client: aiohttp.ClientSession) -> None:
        for url in queue:
            headers = {"Content-Type": ACTIVITY_JSON}
            headers |= sign_request(
                "POST", url, headers, body, key_id=str(spec["key_id"]), private_key_pem=str(spec["private_key_pem"])
            )
            async with client.post(url, data=body, headers=headers) as response:
                await response.read()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(int(spec["concurrency"]))))  # type: ignore[call-overload]
        return len(urls) / (time.perf_counter() - started)


if __name__ == "__main__":
    print(asyncio.run(send_all(json.loads(Path(sys.argv[1]).read_text()))))
