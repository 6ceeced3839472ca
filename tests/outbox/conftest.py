"""Fixtures for the queue and delivery tests: a freshly migrated database per test, a clock the test moves.

The database is on the engine of the run (ESSAIM_TEST_DB), created and migrated exactly as
`essaim init` does, and dropped afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from essaim.actors.models import Actor
from essaim.db import Database, ensure_database_exists, upgrade_to_head
from tests.conftest import drop_database, new_database_url


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
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    url = new_database_url(tmp_path)
    await ensure_database_exists(url)
    try:
        await asyncio.to_thread(upgrade_to_head, url)  # Alembic drives its own event loop
        database = Database(url)
        try:
            yield database
        finally:
            await database.close()
    finally:
        await asyncio.to_thread(drop_database, url)


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
