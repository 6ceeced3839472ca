"""Conversations: one person's view of a thread of direct posts they wrote or were addressed in.

Each local person has their own row per thread (keyed by the thread's first post), listing only the
direct posts that reached them, so a post never shows in the conversation of someone it did not
address. Deleting a conversation removes the row; a later post in the thread starts a new one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("actor_id", "root_id"),)

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # whose view this is
    root_id: Mapped[int] = mapped_column(BigInteger)  # the thread's first post (an identity: it may be gone)
    last_status_id: Mapped[int] = mapped_column(BigInteger, index=True)  # newest post added: the paging key
    unread: Mapped[bool] = mapped_column(default=True)


class ConversationStatus(Base):
    __tablename__ = "conversation_statuses"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True)
