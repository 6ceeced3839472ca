"""Fixtures for the queue and delivery tests: a freshly migrated database per test, a clock the test moves.

The database is on the engine of the run (ESSAIM_TEST_DB), created and migrated exactly as
`essaim init` does, and dropped afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from essaim.actors.models import Actor
from essaim.db import Database


class Clock:
    """Stands for `utcnow`: time moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def to(self, moment: datetime) -> datetime:
        self.now = max(self.now, moment)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def signer(database: Database) -> int:
    """A local actor whose key would sign deliveries (the ledger refers to it)."""
    async with database.transaction() as session:
        actor = Actor(
            username="ana",
            uri="https://essaim.example/users/1",
            key_id="https://essaim.example/users/1#main-key",
            public_key_pem="-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        )
        session.add(actor)
        await session.flush()
        return actor.id
