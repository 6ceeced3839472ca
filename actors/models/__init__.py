"""SQLAlchemy tables, one module per family; importing this package registers them all."""

from essaim.actors.models.account import Account, WebSession
from essaim.actors.models.actor import Actor, ActorLanguage, ActorSkill, ActorType
from essaim.actors.models.base import Base
from essaim.actors.models.follow import Follow
from essaim.actors.models.node import NodeSetting
from essaim.actors.models.status import Status, Visibility

__all__ = [
    "Account",
    "Actor",
    "ActorLanguage",
    "ActorSkill",
    "ActorType",
    "Base",
    "Follow",
    "NodeSetting",
    "Status",
    "Visibility",
    "WebSession",
]
