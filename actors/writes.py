"""Inserts that a race must not turn into an error: a repeated click, two requests at once, two posts in one thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    result = await session.execute(_insert_ignoring(session, model).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def insert_many_ignoring_duplicates(
    session: AsyncSession, model: type[Base], rows: Sequence[Mapping[str, Any]], *, returning: Any
) -> set[Any]:
    """Insert the rows a unique constraint does not already hold, in one statement; the `returning` column of
    those inserted (both engines support `RETURNING` with `ON CONFLICT DO NOTHING`)."""
    if not rows:
        return set()
    statement = _insert_ignoring(session, model).values(list(rows)).returning(returning)
    return set((await session.scalars(statement)).all())


def _insert_ignoring(session: AsyncSession, model: type[Base]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(model).on_conflict_do_nothing()
    return insert(model)  # pragma: no cover - only the two supported engines
