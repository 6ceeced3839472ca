"""What staff do to deliveries: ask for the waiting deliveries of a peer host to be retried now.

Only admins and moderators may (the web layer checks the role before calling).
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Delivery, DeliveryState, HostHealth
from essaim.outbox import delivery
from essaim.outbox.actions import NotFound

MAX_HOST_LENGTH = 255  # as stored (`deliveries.host`, `host_health.host`)


async def check_retry_host(session: AsyncSession, host: str) -> str:
    """The host, if the admins' overview lists it (essaim.outbox.ledger.host_overview); NotFound otherwise."""
    if not host or len(host) > MAX_HOST_LENGTH:
        raise NotFound()
    unsettled = exists().where(Delivery.host == host, Delivery.state != DeliveryState.DELIVERED.value)
    known = select(or_(exists().where(HostHealth.host == host), unsettled))
    if not await session.scalar(known):
        raise NotFound()
    return host


async def do_retry_host(session: AsyncSession, host: str) -> int:
    """End the host's rest and make its waiting deliveries due now; how many were brought forward."""
    return await delivery.retry_now(session, host)
