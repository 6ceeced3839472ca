"""Posts ("statuses" in the Mastodon API, `Note` in ActivityPub), local or remote."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"  # followers only
    DIRECT = "direct"  # mentioned actors only


class Status(Base):
    __tablename__ = "statuses"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    content: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    source_text: Mapped[str | None] = mapped_column(Text, default=None)  # local posts: what the author typed
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(35), default=None)
    in_reply_to_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL"), default=None, index=True
    )
    in_reply_to_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("actors.id", ondelete="SET NULL"), default=None
    )
    # The parent's id as the reply names it: kept when the parent is not stored yet, so it is linked once it is.
    in_reply_to_uri: Mapped[str | None] = mapped_column(String(2048), default=None, index=True)
    # A boost is a status of its own whose `reblog_of_id` names the boosted one (as in Mastodon).
    reblog_of_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), default=None, index=True
    )
    # The community (its Group actor, local or remote) the post was posted into; for a followers-only
    # post the Group's followers (its members) are the audience, not the author's (actors/visibility.py).
    community_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("actors.id", ondelete="SET NULL"), default=None, index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("oauth_applications.id", ondelete="SET NULL"), default=None
    )
    published: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    # A community's moderators locked it: no more replies (here, and a remote Group's `Lock` on its post).
    locked_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_statuses_actor_id_id", "actor_id", "id"),)


class StatusEdit(Base):
    """A former version of an edited post, for `GET /api/v1/statuses/:id/history`."""

    __tablename__ = "status_edits"

    id: Mapped[int] = snowflake_pk()
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(Text)
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(default=False)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    poll_options: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mention(Base):
    """An actor a post mentions: they are notified and, for a direct post, its whole audience."""

    __tablename__ = "mentions"

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = snowflake_pk()
    name: Mapped[str] = mapped_column(String(100), unique=True)  # lower-cased, without '#'
    display_name: Mapped[str] = mapped_column(String(100))  # as first written


class StatusTag(Base):
    __tablename__ = "status_tags"

    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_status_tags_tag_id_status_id", "tag_id", "status_id"),)
