"""Web Push subscriptions: where a person's app wants their notifications pushed, one per access token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class PushSubscription(Base):
    """A browser's or phone's push endpoint with its encryption keys (RFC 8291) and what it wants to hear.

    Tied to the access token that made it: a new subscription with the same token replaces it,
    and it goes with the token (revoked tokens stop receiving at once).
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = snowflake_pk()
    token_id: Mapped[int] = mapped_column(ForeignKey("oauth_tokens.id", ondelete="CASCADE"), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(Text)
    key_p256dh: Mapped[str] = mapped_column(String(128))  # the app's P-256 public key, base64url
    key_auth: Mapped[str] = mapped_column(String(64))  # the app's 16-byte auth secret, base64url
    alerts: Mapped[dict[str, bool]] = mapped_column(JSON)  # notification type → wanted
    policy: Mapped[str] = mapped_column(String(16), default="all")  # all, followed, follower, none
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
