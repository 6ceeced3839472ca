"""`essaim init` and `essaim db upgrade`: create the database, migrate it, create the node's own records;
and `open_database` and `in_transaction`, how the administration commands do their work."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import events
from essaim.actors.node import ensure_node
from essaim.cli.output import step
from essaim.config import Config
from essaim.db import Database, ensure_database_exists, migration_state, upgrade_to_head
from essaim.uris import LocalURIs


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init", help="create and migrate the database, create the node's actor and secret (safe to re-run)"
    )
    init.set_defaults(handler=init_command)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(handler=upgrade_command)
    status = db_commands.add_parser("status", help="show the database's migration revision and the code's")
    status.set_defaults(handler=status_command)


def initialise(config: Config) -> None:
    """Everything `essaim init` does; `essaim demo` calls it too, so one command can start from nothing."""
    with step("Preparing the database"):
        asyncio.run(ensure_database_exists(config.database.url))
    with step("Applying migrations"):
        upgrade_to_head(config.database.url)
    with step("Creating the node's actor and secret key"):
        asyncio.run(_ensure_node(config))


async def _ensure_node(config: Config) -> None:
    database = Database(config.database.url)
    try:
        async with database.transaction() as session:
            await ensure_node(session, LocalURIs(config.base_url), config.domain)
    finally:
        await database.close()


def init_command(config: Config, _args: argparse.Namespace) -> int:
    initialise(config)
    print(f"Node {config.domain} is ready: run `essaim run` to serve it on {config.base_url}")
    return 0


def upgrade_command(config: Config, _args: argparse.Namespace) -> int:
    with step("Applying migrations"):
        upgrade_to_head(config.database.url)
    return 0


def status_command(config: Config, _args: argparse.Namespace) -> int:
    current, head = asyncio.run(_state(config))
    print(f"database: {current or 'no schema'}\ncode:     {head}")
    return 0 if current == head else 1


async def _state(config: Config) -> tuple[str | None, str]:
    database = Database(config.database.url)
    try:
        return await migration_state(database.engine)
    finally:
        await database.close()


@asynccontextmanager
async def open_database(config: Config) -> AsyncIterator[Database]:
    """The database for a command that changes things: what it commits reaches the server's live streams
    (NOTIFY on PostgreSQL, the stream event outbox on SQLite: essaim.actors.events)."""
    database = Database(config.database.url)
    stop_observing = events.observe(database.engine.sync_engine, None)
    try:
        yield database
    finally:
        stop_observing()
        await database.close()


def in_transaction(config: Config, work: Callable[[AsyncSession], Awaitable[None]]) -> int:
    """Run one administration step in one transaction on a migrated database (refusals reach cli.main)."""

    async def go() -> None:
        async with open_database(config) as database:
            await database.check_schema()
            async with database.transaction() as session:
                await work(session)

    asyncio.run(go())
    return 0
