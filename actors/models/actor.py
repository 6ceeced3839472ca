"""Actors: local people, remote people, communities and the node itself.

Local and remote actors share one table so that follows, posts and mentions
point at one kind of row whatever server the actor lives on (`domain` is NULL
for local actors). Enterprise profile attributes are real columns and relations
because the directory and search filter on them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class ActorType(enum.StrEnum):
    PERSON = "Person"
    GROUP = "Group"
    APPLICATION = "Application"
    SERVICE = "Service"


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[int] = snowflake_pk()
    type: Mapped[str] = mapped_column(String(32), default=ActorType.PERSON.value)
    username: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str | None] = mapped_column(String(255), default=None)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    inbox_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    outbox_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    followers_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    following_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    shared_inbox_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    featured_uri: Mapped[str | None] = mapped_column(String(2048), default=None)  # pinned posts (toot:featured)
    # When a peer's partial followers collection was last fetched (FEP-8fcf): at most once per interval.
    followers_synced_at: Mapped[datetime | None] = mapped_column(default=None)

    display_name: Mapped[str] = mapped_column(String(255), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML, as published
    summary_source: Mapped[str] = mapped_column(Text, default="")  # what a local user typed
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    avatar_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    header_url: Mapped[str | None] = mapped_column(String(2048), default=None)

    key_id: Mapped[str] = mapped_column(String(2048))
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text, default=None)  # local actors only; never served

    manually_approves_followers: Mapped[bool] = mapped_column(default=False)
    discoverable: Mapped[bool] = mapped_column(default=True)
    published: Mapped[datetime] = mapped_column(default=utcnow)
    # Account migration (Mastodon's Move): the ids of the actor's other accounts (`alsoKnownAs`), and
    # the account it moved to (`movedTo`); while set, the actor takes no new followers.
    also_known_as: Mapped[list[str]] = mapped_column(JSON, default=list)
    moved_to_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    updated: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    department: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    site: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    job_title: Mapped[str | None] = mapped_column(String(255), default=None)
    phone: Mapped[str | None] = mapped_column(String(64), default=None)
    manager_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("actors.id", ondelete="SET NULL"), default=None
    )

    manager: Mapped[Actor | None] = relationship(remote_side=[id], lazy="raise")
    skills: Mapped[list[ActorSkill]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ActorSkill.skill"
    )
    languages: Mapped[list[ActorLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ActorLanguage.position"
    )

    __table_args__ = (
        # Handles are unique case-insensitively: per node for local actors, per domain for remote ones.
        Index(
            "uq_actors_local_username",
            func.lower(username),
            unique=True,
            sqlite_where=domain.is_(None),
            postgresql_where=domain.is_(None),
        ),
        Index(
            "uq_actors_remote_username",
            func.lower(username),
            domain,
            unique=True,
            sqlite_where=domain.is_not(None),
            postgresql_where=domain.is_not(None),
        ),
    )

    @property
    def is_local(self) -> bool:
        return self.domain is None


class ActorSkill(Base):
    """One skill or area of expertise an actor declares (the expert directory searches these)."""

    __tablename__ = "actor_skills"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_actor_skills_skill", func.lower(skill)),)


class ActorLanguage(Base):
    """A language an actor speaks, as a BCP 47 tag, in the order they listed them."""

    __tablename__ = "actor_languages"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_actor_languages_language", "language"),)
