"""Local sign-in: an account owns one local Person actor; web sessions belong to accounts.

Kept apart from `actors` because remote actors have no account, and because
credentials must never travel with the actor rows that renderers read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from essaim.actors.models.actor import Actor
from essaim.actors.models.base import Base, snowflake_pk, utcnow

STAFF_ROLES = ("admin", "moderator")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")  # user | moderator | admin
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Posting defaults, Mastodon's `source[privacy|sensitive|language]`.
    default_visibility: Mapped[str] = mapped_column(String(16), default="public")
    default_sensitive: Mapped[bool] = mapped_column(default=False)
    default_language: Mapped[str | None] = mapped_column(String(35), default=None)

    actor: Mapped[Actor] = relationship(lazy="raise")

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def is_staff(self) -> bool:
        """Admins and moderators: they see the node's administration pages and API."""
        return self.role in STAFF_ROLES


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = snowflake_pk()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(String(255), default="")
