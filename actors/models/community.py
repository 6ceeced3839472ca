"""Communities: a local `Group` actor (FEP-1b12) with its kind, access rule, texts and members.

The community's row shares its id with its Group actor (`actor_id`), so posts, follows and
mentions point at the actor as they would at anyone. Membership is a `CommunityMember` row;
an accepted `Follow` of the Group stands beside every `member` row (FEP-1b12: followers are
members), which is what delivery, the followers collection and `visible_to` read.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class CommunityKind(enum.StrEnum):
    LASTING = "lasting"  # a trade, a site: no end
    PROJECT = "project"  # ends on a date


class CommunityAccess(enum.StrEnum):
    OPEN = "open"  # join at once; posts may be public
    CLOSED = "closed"  # join by request a moderator approves; listed; posts members-only
    SECRET = "secret"  # by invitation only; invisible to non-members; posts members-only


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"


class MemberState(enum.StrEnum):
    MEMBER = "member"
    REQUESTED = "requested"  # asked to join a closed community
    INVITED = "invited"  # a moderator invited them; they have not joined yet
    BANNED = "banned"  # removed and may not come back


class Community(Base):
    __tablename__ = "communities"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=CommunityKind.LASTING.value)
    access: Mapped[str] = mapped_column(String(16), default=CommunityAccess.OPEN.value)
    template: Mapped[str] = mapped_column(String(32), default="")
    ends_on: Mapped[date | None] = mapped_column(default=None)  # projects only
    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_for: Mapped[date | None] = mapped_column(default=None)  # the end date its owners were reminded of
    charter: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    welcome_message: Mapped[str] = mapped_column(Text, default="")
    # External (partner or customer) communities also admit people of `partner_domains` (actors/partners.py).
    external: Mapped[bool] = mapped_column(default=False)
    partner_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def members_only(self) -> bool:
        """Whether its posts are for its members only (closed and secret communities)."""
        return self.access != CommunityAccess.OPEN.value


class CommunityMember(Base):
    """One actor (local or remote) in a community: their role and where their membership stands."""

    __tablename__ = "community_members"

    id: Mapped[int] = snowflake_pk()
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.actor_id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.MEMBER.value)
    state: Mapped[str] = mapped_column(String(16), default=MemberState.MEMBER.value)
    rules_accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    by_rule: Mapped[bool] = mapped_column(default=False)  # admitted by an auto-membership rule, which may remove them
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("community_id", "actor_id"),)
