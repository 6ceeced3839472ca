"""The one registry of jobs that reach out to peers (or wait a little) for the inbox, run outside any
transaction: the network is never waited on while the database is held, and an inbound activity is
never kept waiting for a peer.

A job kind registers its runner with `@runs(kind)`; the runner gets a `PeerJobContext` (signed fetches as
this node's actor, the federation policy, the node's URLs) and the job's payload, and opens its own
transactions. Returning completes the job; raising `TryLater` (a peer that did not answer) has it run
again after `jobs.backoff`, as any other failure does, until the worker gives up. `PeerJobWorker`
(essaim.inbox.worker) claims every registered kind. Runners: essaim.inbox.backfill (thread parents and
replies), essaim.inbox.featured (pinned posts), essaim.inbox.followers_sync (FEP-8fcf),
essaim.inbox.poll_counts (debounced poll counts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from essaim.db import Database
from essaim.inbox.resolve import ActorResolver
from essaim.outbox.actions import LocalNode


@dataclass(frozen=True)
class PeerJobContext:
    """What a runner works with: the resolver (database, outbound client, policy) and this node."""

    resolver: ActorResolver
    node: LocalNode

    @property
    def database(self) -> Database:
        return self.resolver.database


class TryLater(Exception):
    """The job could not be done now (a peer that did not answer): run it again later, without a traceback."""


Runner = Callable[[PeerJobContext, dict[str, Any]], Awaitable[None]]
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
