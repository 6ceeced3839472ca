"""The database: engine and sessions, engine-specific set-up, and the schema's migration state.

Reads open a plain session; writes go through `Database.transaction()`, which on
SQLite also takes a process-wide lock: SQLite allows one writer at a time, and
queueing writers here is much faster than letting them collide on
"database is locked" (see ../shared/research/perf.md §2.4).
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseNotReady(Exception):
    """The database cannot be opened or is not at the code's migration head; the message says what to do."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",  # readers never block the writer
        "synchronous=NORMAL",  # durable at each WAL checkpoint, safe against corruption
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Database:
    """One engine per process, shared by every request handler and job."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if is_sqlite(url) else None

    def session(self) -> AsyncSession:
        """A session for reading; use `transaction()` to write."""
        return self.sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error."""
        async with self._write_lock or nullcontext():
            async with self.sessions() as session, session.begin():
                yield session

    async def check_schema(self) -> None:
        """Refuse to serve from a database whose schema differs from the code's."""
        shown = make_url(self.url).render_as_string(hide_password=True)
        try:
            current, head = await migration_state(self.engine)
        except (DBAPIError, OSError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DatabaseNotReady(
                f"cannot open the database {shown} ({reason}): if it does not exist yet, run `essaim init`"
            ) from None
        if current != head:
            where = "has no schema" if current is None else f"is at revision {current}, the code needs {head}"
            raise DatabaseNotReady(
                f"the database {shown} {where}: run `essaim init` (new database) or `essaim db upgrade`"
            )

    async def close(self) -> None:
        await self.engine.dispose()


async def migration_state(engine: AsyncEngine) -> tuple[str | None, str]:
    """(revision the database is at, revision the code expects)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        revision = await connection.run_sync(current)
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "no migrations found"
    return revision, head


def upgrade_to_head(url: str) -> None:
    """Run every pending migration (synchronously: Alembic drives its own event loop in env.py)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", str(MIGRATIONS_DIR))
    alembic_config.attributes["database_url"] = url
    command.upgrade(alembic_config, "head")


def claim_sole_server(url: str) -> IO[str] | None:
    """On SQLite, make this process the node's only server, or raise `DatabaseNotReady`.

    A SQLite node is one process by design (one writer; the job and delivery workers run in it), so a
    second `essaim run` on the same file would run every job twice. An exclusive lock on a file beside
    the database, held as long as the returned handle stays open, refuses that second server clearly.
    PostgreSQL nodes grow by adding processes: nothing to claim there.
    """
    database = make_url(url).database
    if not is_sqlite(url) or not database or database == ":memory:":
        return None
    handle = open(f"{database}.server-lock", "w")  # held open (and locked) until the process exits
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseNotReady(
            f"another `essaim run` already serves {database}: a SQLite node is one process "
            "(use PostgreSQL to run several)"
        ) from None
    return handle


async def ensure_database_exists(url: str) -> bool:
    """Create the SQLite file's folder or the PostgreSQL database; True when something was created."""
    parsed = make_url(url)
    if is_sqlite(url):
        if not parsed.database or parsed.database == ":memory:":
            return False
        folder = Path(parsed.database).parent
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        return created
    name = parsed.database
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            return not found
    finally:
        await admin.dispose()
