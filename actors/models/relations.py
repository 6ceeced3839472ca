"""A person's private ties to accounts and hashtags: mutes, notes, endorsements, followed and featured tags.

None of these is federated except featured tags, which are public on the profile. A `Mute` hides
an account's posts from the muter's timelines (and, with `notifications`, its notifications) until
`expires_at`; an `AccountNote` is a private comment about an account; an `Endorsement` features a
followed account on the profile and names the follow that allows it (deleted with it, like list
memberships); a `TagFollow` brings a hashtag's public posts into the home feed; a `FeaturedTag`
is a hashtag shown on the profile. An `AccountDomainBlock` hides a whole server (host[:port], as
actors/domain_blocks.py spells entries) from one person; a `ConversationMute` stops one person's
notifications about a thread, keyed by the thread's first post.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Mute(Base):
    __tablename__ = "mutes"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who mutes
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    notifications: Mapped[bool] = mapped_column(default=True)  # their notifications are hidden too
    expires_at: Mapped[datetime | None] = mapped_column(default=None, index=True)  # None: until unmuted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


class AccountNote(Base):
    __tablename__ = "account_notes"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who wrote it
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


class Endorsement(Base):
    __tablename__ = "endorsements"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who endorses
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


class TagFollow(Base):
    __tablename__ = "tag_follows"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("actor_id", "tag_id"),)


class FeaturedTag(Base):
    __tablename__ = "featured_tags"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)

    __table_args__ = (UniqueConstraint("actor_id", "tag_id"),)


class AccountDomainBlock(Base):
    __tablename__ = "account_domain_blocks"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who blocks
    domain: Mapped[str] = mapped_column(String(255))  # normalised as actors/domain_blocks.normalise_domain
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "domain"),)


class ConversationMute(Base):
    __tablename__ = "conversation_mutes"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who mutes
    root_id: Mapped[int] = mapped_column(BigInteger)  # the thread's first post (an identity: it may be gone)

    __table_args__ = (UniqueConstraint("actor_id", "root_id"),)
