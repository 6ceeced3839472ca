"""The key cache on its own: entries age out, and one fetch per key id serves every waiter (or fails them all)."""

from __future__ import annotations

import asyncio

import pytest

from essaim.actors.models import Actor
from essaim.inbox.key_cache import KeyCache, OwnedKey

KEY = "https://peer.example/users/pat#main-key"
PAT = Actor(uri="https://peer.example/users/pat")


async def test_an_entry_lives_for_its_ttl_and_a_new_key_replaces_it() -> None:
    now = [0.0]
    cache = KeyCache(ttl=60.0, clock=lambda: now[0])
    cache.put(KEY, PAT, "old pem")
    now[0] = 59.0
    assert cache.get(KEY) == (PAT, "old pem")
    cache.put(KEY, PAT, "rotated pem")
    assert cache.get(KEY) == (PAT, "rotated pem")
    now[0] = 59.0 + 60.0
    assert cache.get(KEY) is None


async def test_concurrent_askers_share_one_fetch_and_its_failure() -> None:
    cache = KeyCache()
    fetches = 0
    release = asyncio.Event()

    async def fetch() -> OwnedKey:
        nonlocal fetches
        fetches += 1
        await release.wait()
        return PAT, "pem"

    waiters = [asyncio.create_task(cache.once(KEY, fetch)) for _ in range(20)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # one request going away does not cancel the others' fetch
    release.set()
    results = await asyncio.gather(*waiters[1:])
    assert fetches == 1 and all(result == (PAT, "pem") for result in results)

    async def failing() -> OwnedKey:
        nonlocal fetches
        fetches += 1
        raise LookupError("the peer is away")

    for _ in range(2):  # each failure is its waiters'; the next call asks again
        with pytest.raises(LookupError):
            await cache.once(KEY, failing)
    assert fetches == 3
