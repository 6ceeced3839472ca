"""How each peer host has answered lately: the circuit breaker, the unreachable mark, last success and failure.

After Mastodon (`delivery_failure_tracker.rb`, its Stoplight): after `BREAKER_THRESHOLD`
failures in a row a host rests (`BREAKER_COOL_OFF`, doubling with each further failure up to
`BREAKER_MAX_COOL_OFF`) and its deliveries wait instead of hammering it; then one delivery
probes it, alone. A host failing for `UNREACHABLE_AFTER` without one success is marked
unreachable: its deliveries give up at once until it is heard from again.

Any answer at all (even a refusal), and any activity the host sends us, proves it is up and
closes its breaker (`host_reachable`). The rows also feed the admins' per-host view.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import HostHealth
from essaim.outbox.actions import insert_ignoring_duplicates

BREAKER_THRESHOLD = 10
BREAKER_COOL_OFF = 60.0  # seconds, after the threshold is reached
BREAKER_MAX_COOL_OFF = 3600.0
UNREACHABLE_AFTER = timedelta(days=7)
SUCCESS_GRANULARITY = timedelta(minutes=1)  # a busy host's last success is written once a minute, not per delivery

log = logging.getLogger(__name__)


def cool_off(failures: int) -> float:
    """Seconds a host rests after `failures` failures in a row: none below the threshold, then doubling."""
    if failures < BREAKER_THRESHOLD:
        return 0.0
    return min(BREAKER_COOL_OFF * 2 ** (failures - BREAKER_THRESHOLD), BREAKER_MAX_COOL_OFF)


async def host_reachable(session: AsyncSession, host: str) -> bool:
    """The host answered (or sent us something): close its breaker and clear its failures.

    True when it had been failing: its waiting deliveries may go now.
    """
    result = await session.execute(
        update(HostHealth)
        .where(
            HostHealth.host == host,
            or_(
                HostHealth.consecutive_failures > 0,
                HostHealth.unavailable_until.is_not(None),
                HostHealth.unreachable_since.is_not(None),
            ),
        )
        .values(consecutive_failures=0, failing_since=None, unavailable_until=None, unreachable_since=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def note_success(session: AsyncSession, host: str, now: datetime) -> None:
    """Remember when a delivery to the host last went through (to the minute: one write per minute at most)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(HostHealth).values(host=host, consecutive_failures=0, last_success_at=now)
    stale = or_(HostHealth.last_success_at.is_(None), HostHealth.last_success_at < now - SUCCESS_GRANULARITY)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[HostHealth.host], set_={"last_success_at": now}, where=stale)
    )


async def host_failed(session: AsyncSession, host: str, error: str, now: datetime) -> None:
    """Count a failure against the host; open its breaker past the threshold; mark it unreachable after days."""
    await insert_ignoring_duplicates(session, HostHealth, host=host, consecutive_failures=0)
    health = (
        await session.scalars(
            select(HostHealth)
            .where(HostHealth.host == host)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    health.consecutive_failures += 1
    health.failing_since = health.failing_since or now
    health.last_error = error
    health.last_failure_at = now
    if health.consecutive_failures >= BREAKER_THRESHOLD:
        health.unavailable_until = now + timedelta(seconds=cool_off(health.consecutive_failures))
    if health.unreachable_since is None and now - health.failing_since >= UNREACHABLE_AFTER:
        health.unreachable_since = now
        log.warning("marking %s unreachable: failing since %s (%s)", host, health.failing_since.isoformat(), error)


async def take_probe(session: AsyncSession, host: str, now: datetime, lease: float) -> bool:
    """Claim the one probe of a host whose cool-off is over; False when another worker holds it."""
    result = await session.execute(
        update(HostHealth)
        .where(
            HostHealth.host == host,
            or_(HostHealth.unavailable_until.is_(None), HostHealth.unavailable_until <= now),
        )
        .values(unavailable_until=now + timedelta(seconds=lease))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def let_through(session: AsyncSession, host: str) -> None:
    """An admin asks to retry now: end the host's rest and its unreachable mark (its failures still count)."""
    await session.execute(
        update(HostHealth).where(HostHealth.host == host).values(unavailable_until=None, unreachable_since=None)
    )
