"""Home feeds, filled when a post is made (fan-out on write), so reading a home timeline is one indexed query.

See ../shared/research/perf.md §2.4: the precomputed feed is the only home-timeline shape that
stays bounded on both SQLite and PostgreSQL for people who follow quiet accounts.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base


class HomeFeedEntry(Base):
    __tablename__ = "home_feed"

    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
