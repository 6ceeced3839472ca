"""Route a verified inbound activity to the handlers of its type, inside one transaction.

Handlers register with `@handles("Follow")`. Several may register for one type (`Undo` of a
follow, a like or a boost; `Delete` of a post or an actor): they are tried in registration
order (`first=True` puts one ahead: a community's Follow before a person's) and the first
that returns True has handled the activity. An activity nobody handles is
logged and dropped, as the ActivityPub spec expects of unknown activities; so is one whose
sender's server was suspended after it was received (the inbox refuses them from then on).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.domain_blocks import suspended_hosts
from essaim.actors.models import Actor
from essaim.outbox.actions import LocalNode

log = logging.getLogger(__name__)


@dataclass
class InboxContext:
    """What a handler works with: the transaction, this node, the verified sender, the activity."""

    session: AsyncSession
    node: LocalNode
    sender: Actor  # the remote actor whose signature was verified; the activity's `actor` is this actor
    activity: dict[str, Any]
    now: datetime


Handler = Callable[[InboxContext], Awaitable[bool]]
_HANDLERS: dict[str, list[Handler]] = {}


def handles(*types: str, first: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler; `first` puts it before those already registered (a narrower case of their type)."""

    def register(handler: Handler) -> Handler:
        for kind in types:
            registered = _HANDLERS.setdefault(kind, [])
            if first:
                registered.insert(0, handler)
            else:
                registered.append(handler)
        return handler

    return register


async def dispatch(context: InboxContext) -> bool:
    """Apply the activity; False when no handler took it (it is then ignored, not retried)."""
    kind = context.activity.get("type")
    if context.sender.domain and await suspended_hosts(context.session, [context.sender.domain]):
        log.info("dropped %s %s from %s: its server is suspended", kind, context.activity.get("id"), context.sender.uri)
        return False
    for handler in _HANDLERS.get(kind if isinstance(kind, str) else "", []):
        if await handler(context):
            return True
    log.info("ignored %s %s from %s", kind, context.activity.get("id"), context.sender.uri)
    return False
