"""Signing keys of remote actors kept in memory for a short while, and fetched once however many wait.

Every signed request names a key id; without this, each one reads the actor back from the database
to get the key (one query per activity on the hot inbox path, perf.md §5). Entries live `TTL`
seconds: a peer that rotates its key is still verified, since a signature that fails with a
cached key is refetched (`inbox/authenticate.py`) and the fresh key replaces the entry.

A key that is not stored yet is fetched by one task per key id: the activities of a cold actor that
arrive together all wait on that one fetch (single-flight) instead of asking the peer twenty times.

One cache per `Database` (actor ids are per database; tests run several nodes in one process).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any
from weakref import WeakKeyDictionary

from essaim.actors.models import Actor
from essaim.db import Database

TTL = 60.0  # seconds an entry is trusted without asking the database again
MAX_ENTRIES = 4096  # as many as keys.PUBLIC_KEY_CACHE_SIZE: the parsed keys they point to

OwnedKey = tuple[Actor, str]  # the key's owner and its PEM


class KeyCache:
    """key id → (owner, PEM) for `TTL` seconds, and the fetches under way by key id."""

    def __init__(self, ttl: float = TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, OwnedKey]] = {}
        self._fetching: dict[str, asyncio.Task[OwnedKey]] = {}

    def get(self, key_id: str) -> OwnedKey | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        expires, owned = entry
        if self.clock() >= expires:
            del self._entries[key_id]
            return None
        return owned

    def put(self, key_id: str, actor: Actor, pem: str) -> None:
        self._entries.pop(key_id, None)
        self._entries[key_id] = (self.clock() + self.ttl, (actor, pem))
        if len(self._entries) > MAX_ENTRIES:
            del self._entries[next(iter(self._entries))]  # the oldest written

    def forget(self, key_id: str) -> None:
        self._entries.pop(key_id, None)

    async def once(self, key_id: str, fetch: Callable[[], Coroutine[Any, Any, OwnedKey]]) -> OwnedKey:
        """`fetch()`'s result, sharing the fetch already under way for `key_id` if there is one.

        Its failure is every waiter's; the next call after it tries again.
        """
        task = self._fetching.get(key_id)
        if task is None:
            task = asyncio.create_task(fetch(), name=f"fetching the key {key_id}")
            self._fetching[key_id] = task
            task.add_done_callback(lambda done: self._fetched(key_id, done))
        # shield: a waiter cancelled (its request went away) does not cancel the others' fetch
        return await asyncio.shield(task)

    def _fetched(self, key_id: str, task: asyncio.Task[OwnedKey]) -> None:
        self._fetching.pop(key_id, None)
        if not task.cancelled():
            task.exception()  # retrieved: its waiters have it, or had all gone (asyncio would log it)


_CACHES: WeakKeyDictionary[Database, KeyCache] = WeakKeyDictionary()


def key_cache(database: Database) -> KeyCache:
    """The cache of the keys stored in `database`, made on first use."""
    cache = _CACHES.get(database)
    if cache is None:
        cache = _CACHES[database] = KeyCache()
    return cache
