"""Keyset paging windows as Mastodon defines them: `max_id`, `since_id`, `min_id`, `limit`.

`max_id` and `since_id` select the newest rows below / above a cursor; `min_id`
selects the rows just above a cursor (paging forward), still returned newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class Window:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


def windowed(query: Select[*Columns], key: InstrumentedAttribute[int], window: Window) -> Select[*Columns]:
    """Restrict and order `query` by `key` for `window` (ascending when paging forward with `min_id`)."""
    if window.max_id is not None:
        query = query.where(key < window.max_id)
    if window.since_id is not None:
        query = query.where(key > window.since_id)
    if window.min_id is not None:
        query = query.where(key > window.min_id)
    forward = window.min_id is not None and window.since_id is None
    return query.order_by(key.asc() if forward else key.desc()).limit(window.limit)


def newest_first(rows: list[T], window: Window, key: Any) -> list[T]:
    """Rows of a forward (`min_id`) page come oldest first from SQL; clients want them newest first."""
    return sorted(rows, key=key, reverse=True) if window.min_id is not None else rows
