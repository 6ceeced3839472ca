"""Lists (Mastodon's): a person's named selection of the accounts they follow, read as a timeline of its own.

A membership names the follow that allows it (`follow_id`, deleted with it): however a follow
ends — unfollow, block, a remote Reject, a suspended server — the followee leaves the lists.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class RepliesPolicy(enum.StrEnum):
    """Which replies by members a list shows (besides replies to the owner and to oneself, always shown)."""

    FOLLOWED = "followed"  # replies to anyone the owner follows
    LIST = "list"  # replies to other members of the list
    NONE = "none"


class List(Base):
    __tablename__ = "lists"

    id: Mapped[int] = snowflake_pk()
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    replies_policy: Mapped[str] = mapped_column(String(16), default=RepliesPolicy.LIST.value)
    exclusive: Mapped[bool] = mapped_column(default=False)  # members' posts are left out of the owner's home
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListAccount(Base):
    """A member of a list; its id orders the list's accounts (when they were added)."""

    __tablename__ = "list_accounts"

    id: Mapped[int] = snowflake_pk()
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("list_id", "actor_id"),)
