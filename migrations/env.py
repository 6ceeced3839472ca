"""Alembic environment: runs migrations over the async engine, in batch mode on SQLite."""

from __future__ import annotations

import asyncio
import warnings

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning

from essaim.actors.models import Base
from essaim.db import create_engine, is_sqlite

# SQLite batch mode reflects tables to copy them; it cannot reflect indexes over expressions
# (lower(username)) and says so. Such indexes are created by name in the migrations; a batch
# alteration of their table must re-create them.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)

config = context.config
url: str = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or ""


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite(url),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_async())
