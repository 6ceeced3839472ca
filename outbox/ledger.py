"""What the delivery ledger shows people: a post's deliveries per host for its author, every peer host for admins.

"The post's deliveries" are the activities its author sent *about that post*: its `Create`
(an `Announce` for a boost) and one `Update` per edit. The `Delete` is not shown (the post is
gone), nor the author's own favourites of other posts, which are about someone else's post.

Per host, a state sums up its inboxes: the least settled one wins (retrying, then queued, then
given up, then delivered), so a host shows "delivered" only when every delivery there went through.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Delivery, DeliveryState, HostHealth, Status, StatusEdit
from essaim.federation.render.post_activities import create_id, update_id
from essaim.outbox.hosts import BREAKER_THRESHOLD

# A host's state is the least settled of its inboxes' states.
_PRECEDENCE = (DeliveryState.RETRYING, DeliveryState.QUEUED, DeliveryState.GAVE_UP, DeliveryState.DELIVERED)
_SETTLED = (DeliveryState.DELIVERED, DeliveryState.GAVE_UP)


@dataclass(frozen=True)
class HostState:
    """One target host of some activities, as the author is shown it."""

    host: str
    state: DeliveryState
    since: datetime  # when it entered that state (retrying: the first failure)
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    inboxes: int  # target inboxes on the host
    delivered: int  # of those, how many have received everything


@dataclass(frozen=True)
class ActivityAtHost:
    """One of a post's activities at one host."""

    activity_id: str
    type: str  # Create, Update, Announce
    state: HostState


@dataclass(frozen=True)
class PostHost:
    """One host a post was sent to: where it stands overall, then each of the post's activities there."""

    overall: HostState
    activities: list[ActivityAtHost]


@dataclass(frozen=True)
class HostSummary:
    """A peer host as admins see it: its deliveries still pending or given up, and how it answers."""

    host: str
    queued: int
    retrying: int
    gave_up: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    failing_since: datetime | None
    breaker: str  # closed, open (resting until `resting_until`), half_open (the next delivery probes it)
    resting_until: datetime | None
    unreachable_since: datetime | None

    @property
    def troubled(self) -> bool:
        return bool(self.retrying or self.consecutive_failures or self.unreachable_since)


async def ledger(session: AsyncSession, activity_id: str) -> list[HostState]:
    """Per target host of one activity, where its delivery stands; hosts still pending first, then by name."""
    rows = await session.scalars(select(Delivery).where(Delivery.activity_id == activity_id))
    return [_host_state(host, deliveries) for host, deliveries in _by_host(rows)]


async def post_activities(session: AsyncSession, status: Status) -> dict[str, str]:
    """The ids of the activities sent about a post, with their types, oldest first."""
    if status.reblog_of_id is not None:
        return {create_id(status): "Announce"}
    edits = await session.scalars(
        select(StatusEdit.created_at).where(StatusEdit.status_id == status.id).order_by(StatusEdit.id)
    )
    updates = {update_id(status, edited): "Update" for edited in edits if edited != status.published}
    return {create_id(status): "Create"} | updates


async def post_ledger(session: AsyncSession, status: Status) -> list[PostHost]:
    """Per target host of a post, its overall state and that of each activity; pending hosts first."""
    kinds = await post_activities(session, status)
    order = {activity_id: n for n, activity_id in enumerate(kinds)}
    rows = await session.scalars(select(Delivery).where(Delivery.activity_id.in_(list(kinds))))
    hosts = []
    for host, deliveries in _by_host(rows):
        activities: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            activities.setdefault(delivery.activity_id, []).append(delivery)
        hosts.append(
            PostHost(
                _host_state(host, deliveries),
                [
                    ActivityAtHost(activity_id, kinds[activity_id], _host_state(host, activities[activity_id]))
                    for activity_id in sorted(activities, key=order.__getitem__)
                ],
            )
        )
    return hosts


async def host_overview(session: AsyncSession, now: datetime, *, host: str | None = None) -> list[HostSummary]:
    """Every peer host (or just `host`) with deliveries not yet delivered or a health record (any
    answer, any failure): troubled hosts first, then by name."""
    counted = select(Delivery.host, Delivery.state, func.count()).where(Delivery.state != DeliveryState.DELIVERED.value)
    known = select(HostHealth)
    if host is not None:
        counted, known = counted.where(Delivery.host == host), known.where(HostHealth.host == host)
    counts: dict[str, dict[str, int]] = {}
    for name, state, count in await session.execute(counted.group_by(Delivery.host, Delivery.state)):
        counts.setdefault(name, {})[state] = count
    health = {row.host: row for row in await session.scalars(known)}
    summaries = [_summary(name, counts.get(name, {}), health.get(name), now) for name in counts.keys() | health.keys()]
    return sorted(summaries, key=lambda s: (not s.troubled, s.host))


def _summary(host: str, counts: dict[str, int], health: HostHealth | None, now: datetime) -> HostSummary:
    resting_until = health.unavailable_until if health and health.unavailable_until else None
    failures = health.consecutive_failures if health else 0
    if resting_until is not None and resting_until > now:
        breaker = "open"
    elif failures >= BREAKER_THRESHOLD:
        breaker, resting_until = "half_open", None
    else:
        breaker, resting_until = "closed", None
    return HostSummary(
        host=host,
        queued=counts.get(DeliveryState.QUEUED.value, 0),
        retrying=counts.get(DeliveryState.RETRYING.value, 0),
        gave_up=counts.get(DeliveryState.GAVE_UP.value, 0),
        last_success_at=health.last_success_at if health else None,
        last_failure_at=health.last_failure_at if health else None,
        last_error=health.last_error if health else None,
        consecutive_failures=failures,
        failing_since=health.failing_since if health else None,
        breaker=breaker,
        resting_until=resting_until,
        unreachable_since=health.unreachable_since if health else None,
    )


def _by_host(rows: Iterable[Delivery]) -> list[tuple[str, list[Delivery]]]:
    """Rows grouped by host, hosts still pending first, then by name."""
    grouped: dict[str, list[Delivery]] = {}
    for row in rows:
        grouped.setdefault(row.host, []).append(row)
    return sorted(grouped.items(), key=lambda item: (_PRECEDENCE.index(_state_of(item[1])), item[0]))


def _state_of(deliveries: Collection[Delivery]) -> DeliveryState:
    return next(s for s in _PRECEDENCE if any(d.state == s.value for d in deliveries))


def _host_state(host: str, deliveries: list[Delivery]) -> HostState:
    state = _state_of(deliveries)
    mine = [d for d in deliveries if d.state == state.value]
    latest = max(mine, key=lambda d: (d.attempts, d.state_since))
    pending = [d.next_attempt_at for d in mine if d.next_attempt_at is not None]
    by_inbox: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_inbox.setdefault(delivery.inbox_url, []).append(delivery)
    return HostState(
        host=host,
        state=state,
        since=min(d.state_since for d in mine),
        attempts=latest.attempts,
        last_status=latest.last_status,
        last_error=latest.last_error,
        next_attempt_at=min(pending) if pending and state not in _SETTLED else None,
        inboxes=len(by_inbox),
        delivered=sum(all(d.state == DeliveryState.DELIVERED.value for d in rows) for rows in by_inbox.values()),
    )
