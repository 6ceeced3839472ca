"""Node-wide values created once by `essaim init` (the secret key, the instance actor's id)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base


class NodeSetting(Base):
    __tablename__ = "node_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
