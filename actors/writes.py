"""Inserts that a race must not turn into an error: a repeated click, two requests at once, two posts in one thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models.base import Base


async def insert_ignoring_duplicates(session: AsyncSession, model: type[Base], **values: Any) -> bool:
    """Insert one row unless a unique constraint already holds it (a repeated click, a concurrent request).

    True when the row was inserted. Uses `ON CONFLICT DO NOTHING`, which both engines speak, so a race
    between two requests never surfaces as a 500.
    """
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported engines
        statement = insert(model).values(**values)
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
