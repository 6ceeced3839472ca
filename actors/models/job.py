"""Background jobs kept in the database, so a crash or a restart loses no work (see essaim.actors.jobs).

The database is the queue: no broker to run beside a node. A worker claims a due job by
writing a lease (`locked_until`, `locked_by`); if the worker dies, the lease runs out and
another claim picks the job up again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = snowflake_pk()
    kind: Mapped[str] = mapped_column(String(64))  # "outbox.deliver", "inbox.process"…
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Jobs sharing a key can be held back together (deliveries: the target host), so one slow
    # peer never occupies every slot of a worker.
    group_key: Mapped[str | None] = mapped_column(String(255), default=None)
    # When the job may run next; NULL once it has given up (the row stays for inspection).
    run_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)  # times claimed, the current run included
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    locked_by: Mapped[str | None] = mapped_column(String(128), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_jobs_kind_run_at", "kind", "run_at"),)
