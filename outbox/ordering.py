"""Deliveries about one subject reach each inbox in the order they were planned.

A post's `Create`, its `Update`s and its `Delete` (or a `Like` and its `Undo`) are separate
deliveries, each retried on its own schedule. After an outage, an `Update` retried before its
`Create` arrives first, and peers drop an update of a post they do not have yet (Mastodon
does), so the edit would be lost. So a delivery planned while an earlier one about the same
subject is still pending to the same inbox waits, without a job (`next_attempt_at` NULL),
until that one is delivered or given up; then the next in line is released.

Races on PostgreSQL: planning locks the pending deliveries it waits behind, and settling holds
the settled delivery's lock, so a waiting delivery is always seen by the settling that must
release it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Delivery, DeliveryState

PENDING_STATES = (DeliveryState.QUEUED.value, DeliveryState.RETRYING.value)


async def waiting_behind(session: AsyncSession, subject: str, inbox_urls: Collection[str]) -> set[str]:
    """The inboxes among `inbox_urls` that still have a delivery about `subject` pending: new ones wait there."""
    query = (
        select(Delivery.inbox_url)
        .where(
            Delivery.subject_uri == subject,
            Delivery.inbox_url.in_(list(inbox_urls)),
            Delivery.state.in_(PENDING_STATES),
        )
        .with_for_update()
    )
    return set(await session.scalars(query))


async def next_in_line(session: AsyncSession, settled: Delivery) -> Delivery | None:
    """The oldest delivery waiting behind `settled` (same subject, same inbox), now free to go."""
    if settled.subject_uri is None:
        return None
    query = (
        select(Delivery)
        .where(
            Delivery.subject_uri == settled.subject_uri,
            Delivery.inbox_url == settled.inbox_url,
            Delivery.state == DeliveryState.QUEUED.value,
            Delivery.next_attempt_at.is_(None),
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    return await session.scalar(query)
