"""Auto-membership rules: everyone whose directory attribute has a value (site Lyon) is in a community."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk


class RuleAttribute(enum.StrEnum):
    """The profile attributes a rule may read (columns of `Actor`)."""

    SITE = "site"
    DEPARTMENT = "department"


class CommunityRule(Base):
    """One rule of a community: local people whose `attribute` equals `value` (case-insensitive) are members."""

    __tablename__ = "community_rules"

    id: Mapped[int] = snowflake_pk()
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.actor_id", ondelete="CASCADE"), index=True)
    attribute: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))

    __table_args__ = (UniqueConstraint("community_id", "attribute", "value"),)
