"""Jobs that fetch from peers for the inbox, run outside any transaction: the network is never waited on
while the database is held, and an inbound activity is never kept waiting for a peer.

A job kind registers its runner with `@runs(kind)`; the runner gets an `ActorResolver` (signed fetches as
this node's actor, the federation policy) and the job's payload, and opens its own transactions.
`PeerJobWorker` (essaim.inbox.worker) runs them. Runners today: essaim.inbox.featured (pinned posts),
essaim.inbox.followers_sync (FEP-8fcf).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from essaim.inbox.resolve import ActorResolver

Runner = Callable[[ActorResolver, dict[str, Any]], Awaitable[None]]
_RUNNERS: dict[str, Runner] = {}


def runs(kind: str) -> Callable[[Runner], Runner]:
    def register(runner: Runner) -> Runner:
        _RUNNERS[kind] = runner
        return runner

    return register


def runner(kind: str) -> Runner | None:
    return _RUNNERS.get(kind)


def kinds() -> tuple[str, ...]:
    return tuple(_RUNNERS)
