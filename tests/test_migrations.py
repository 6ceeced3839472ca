"""Migrations and models describe the same schema, on the engine this run uses."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from essaim.actors.models import Base
from essaim.db import Database, ensure_database_exists, upgrade_to_head
from tests.conftest import drop_database, new_database_url


async def test_models_match_migrations(tmp_path: Path) -> None:
    url = new_database_url(tmp_path)
    await ensure_database_exists(url)
    try:
        # Alembic drives its own event loop, so it runs in a worker thread here.
        await asyncio.to_thread(upgrade_to_head, url)
        database = Database(url)
        try:
            async with database.engine.connect() as connection:
                differences = await connection.run_sync(_differences)
                indexes = await connection.run_sync(_index_names)
        finally:
            await database.close()
    finally:
        await asyncio.to_thread(drop_database, url)
    assert differences == []
    # Expression indexes are not compared by Alembic: check they exist by name.
    assert {"uq_actors_local_username", "uq_actors_remote_username"} <= indexes["actors"]
    assert "ix_actor_skills_skill" in indexes["actor_skills"]


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")  # checked by name instead
        return [d for d in compare_metadata(context, Base.metadata) if not _is_expression_index(d)]


def _is_expression_index(difference: object) -> bool:
    """Indexes over expressions (lower(username)) cannot be reflected by Alembic on every engine."""
    return (
        isinstance(difference, tuple)
        and difference[0] in ("add_index", "remove_index")
        and any(
            not hasattr(column, "name") or column.name is None for column in getattr(difference[1], "expressions", [])
        )
    )


def _index_names(connection: Connection) -> dict[str, set[str]]:
    """Index names straight from the catalogue: reflection skips expression indexes."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
        if connection.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = :table"
    )
    return {
        table: set(connection.execute(text(query), {"table": table}).scalars()) for table in ("actors", "actor_skills")
    }
