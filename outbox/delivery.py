"""The delivery ledger: plan one delivery per target inbox, decide what each answer means, claim what is due.

Rules, after Mastodon (`delivery_worker.rb`):

- one row and one `outbox.deliver` job per (activity, inbox); callers pass shared inboxes
  (`inboxes_for`), so a post reaches a host once however many followers live there;
- 2xx → delivered;
- 410 Gone → given up, and the inbox is remembered as gone: its actor was deleted, so later
  activities are not sent there;
- other 4xx, and 501, → given up: sending the same body again cannot help. 401, 408 and 429
  are retried, as Mastodon does (401 is often a peer briefly unable to fetch our key);
- anything else (5xx, 408, 429, network errors, timeouts) → retried with `jobs.backoff`,
  given up after `jobs.MAX_ATTEMPTS` sends (about 2.8 days);
- per host, the circuit breaker and the unreachable mark of essaim.outbox.hosts;
- deliveries about one subject keep their order per inbox (essaim.outbox.ordering);
- a host that had been failing and is heard from again — it answers a delivery, or sends us
  an activity (`heard_from`) — gets its waiting deliveries at once instead of at their
  backoff time; an admin can ask the same (`retry_now`).
- a host under a `suspend` domain block gets nothing: its deliveries give up when planned, and
  those planned before the block give up when claimed.

A transaction that makes deliveries due marks its session (`DELIVERIES_DUE`), so the worker
can be woken once it commits (essaim.outbox.worker.wake_on_commit). What the ledger shows
people is in essaim.outbox.ledger.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.domain_blocks import suspended_hosts
from essaim.actors.models import Actor, Delivery, DeliveryState, GoneInbox, HostHealth
from essaim.actors.models.base import utcnow
from essaim.ids import new_id
from essaim.outbox import hosts
from essaim.outbox.actions import insert_ignoring_duplicates
from essaim.outbox.ordering import PENDING_STATES, next_in_line, waiting_behind

DELIVER = "outbox.deliver"  # the job kind; its payload is {"delivery_id": …}
# Set in a session's `info` when its transaction made deliveries due: wake the worker after the commit.
DELIVERIES_DUE = "essaim.deliveries_due"

FINAL_STATES = (DeliveryState.DELIVERED.value, DeliveryState.GAVE_UP.value)
RETRIED_CLIENT_ERRORS = (401, 408, 429)
SUSPENDED = "the host's domain is suspended by this node's administrators"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """A claimed delivery, detached from the database: what a sender needs to POST it."""

    job_id: int
    delivery_id: int
    activity_id: str
    body: str
    actor_id: int  # the local actor whose key signs the request
    inbox_url: str
    host: str


@dataclass(frozen=True)
class Batch:
    """What one claim produced: the attempts to send now, and how many jobs it took from the queue."""

    ready: list[Attempt]
    claimed: int


def host_of(url: str) -> str:
    """The key deliveries are grouped by: lower-case host, with the port unless it is the scheme's default."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (parts.scheme, port) in (("https", 443), ("http", 80)):
        return host
    return f"{host}:{port}"


def inboxes_for(actors: Iterable[Actor]) -> list[str]:
    """Where to send an activity addressed to remote `actors`: each host's shared inbox once, else personal inboxes."""
    seen: dict[str, None] = {}
    for actor in actors:
        if actor.domain is None:  # local: nothing to send
            continue
        inbox = actor.shared_inbox_uri or actor.inbox_uri
        if inbox:
            seen.setdefault(inbox)
    return list(seen)


def serialise(activity: Mapping[str, Any] | str) -> str:
    """The exact body to send: stored once so every retry, even after a restart, sends the same bytes."""
    if isinstance(activity, str):
        return activity
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":"))


async def plan_deliveries(
    session: AsyncSession,
    activity_id: str,
    activity: Mapping[str, Any] | str,
    signer_actor_id: int,
    inbox_urls: Iterable[str],
    *,
    subject: str | None = None,
    now: datetime | None = None,
) -> list[Delivery]:
    """Create a ledger row and a job for each new target inbox of an activity; the rows created.

    Duplicate URLs are sent once, and planning the same activity again adds only inboxes it
    did not have (safe to re-run). Inboxes known to be gone, hosts marked unreachable and suspended hosts get
    a row that has given up already, so the ledger still shows them. With a `subject` (what
    the activity is about), an inbox still waiting for an earlier activity about it gets this
    one only after that (essaim.outbox.ordering).
    """
    now = now or utcnow()
    wanted: dict[str, str] = {}
    for url in inbox_urls:
        if url in wanted:
            continue
        try:
            wanted[url] = host_of(url)
        except ValueError:
            log.warning("not delivering %s to the invalid inbox %r", activity_id, url)
    if not wanted:
        return []
    existing = set(
        await session.scalars(
            select(Delivery.inbox_url).where(Delivery.activity_id == activity_id, Delivery.inbox_url.in_(list(wanted)))
        )
    )
    gone = set(await session.scalars(select(GoneInbox.inbox_url).where(GoneInbox.inbox_url.in_(list(wanted)))))
    unreachable = {
        health.host: health.unreachable_since
        for health in await session.scalars(
            select(HostHealth).where(
                HostHealth.host.in_(set(wanted.values())), HostHealth.unreachable_since.is_not(None)
            )
        )
    }
    behind = await waiting_behind(session, subject, list(wanted)) if subject is not None else set()
    suspended = await suspended_hosts(session, wanted.values())
    body = serialise(activity)
    planned: list[Delivery] = []
    for url, host in wanted.items():
        if url in existing:
            continue
        delivery = Delivery(
            id=new_id(),
            activity_id=activity_id,
            activity=body,
            actor_id=signer_actor_id,
            inbox_url=url,
            host=host,
            subject_uri=subject,
            state=DeliveryState.QUEUED.value,
            state_since=now,
            attempts=0,
            next_attempt_at=None if url in behind else now,
            created_at=now,
        )
        if host in suspended:
            _stop(delivery, SUSPENDED, now)
        elif url in gone:
            _stop(delivery, "the inbox answered 410 Gone before: its actor was deleted", now)
        elif (since := unreachable.get(host)) is not None:
            _stop(delivery, f"the host is unreachable (failing since {since.isoformat()})", now)
        planned.append(delivery)
    session.add_all(planned)
    due = [d for d in planned if d.state == DeliveryState.QUEUED.value and d.next_attempt_at is not None]
    await jobs.enqueue_many(session, DELIVER, [({"delivery_id": d.id}, d.host) for d in due], now=now)
    if due:
        session.info[DELIVERIES_DUE] = True
    return planned


async def record_result(
    session: AsyncSession,
    delivery: Delivery,
    status: int | None,
    error: str | None,
    *,
    now: datetime | None = None,
) -> Delivery:
    """Apply the answer to one send (an HTTP status, or None and an error) to the delivery and its host.

    Sets `delivery.next_attempt_at` when it will be retried.
    """
    now = now or utcnow()
    delivery.attempts += 1
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        _set_state(delivery, DeliveryState.DELIVERED, now)
        delivery.delivered_at = now
        delivery.next_attempt_at = None  # last_error stays: the ledger shows what the tries before met
        await hosts.note_success(session, delivery.host, now)
        await heard_from(session, delivery.host, now=now)
        await _release_next(session, delivery, now)
        return delivery
    error = error or f"HTTP {status}"
    if status == 410:
        await _give_up(session, delivery, error, now)
        await insert_ignoring_duplicates(session, GoneInbox, inbox_url=delivery.inbox_url, gone_at=now)
        await heard_from(session, delivery.host, now=now)
    elif status is not None and (status == 501 or (400 <= status < 500 and status not in RETRIED_CLIENT_ERRORS)):
        await _give_up(session, delivery, error, now)
        await heard_from(session, delivery.host, now=now)
    else:
        await hosts.host_failed(session, delivery.host, error, now)
        if delivery.attempts >= jobs.MAX_ATTEMPTS:
            await _give_up(session, delivery, error, now)
        else:
            if delivery.state != DeliveryState.RETRYING.value:
                _set_state(delivery, DeliveryState.RETRYING, now)
            delivery.last_error = error
            delivery.next_attempt_at = now + timedelta(seconds=jobs.backoff(delivery.attempts))
    await session.flush()
    return delivery


async def finish_attempt(
    session: AsyncSession, attempt: Attempt, status: int | None, error: str | None, *, now: datetime | None = None
) -> Delivery | None:
    """Record a send's answer and settle its job: removed when the delivery is final, else due again."""
    now = now or utcnow()
    delivery = await session.get(Delivery, attempt.delivery_id, with_for_update=True, populate_existing=True)
    if delivery is None or delivery.state in FINAL_STATES:  # signer deleted; or sent twice after a lost lease
        await jobs.complete(session, attempt.job_id)
        return delivery
    await record_result(session, delivery, status, error, now=now)
    if delivery.state == DeliveryState.RETRYING.value and delivery.next_attempt_at is not None:
        delay = (delivery.next_attempt_at - now).total_seconds()
        await jobs.retry(session, attempt.job_id, delivery.last_error or "", delay, now=now)
    else:
        await jobs.complete(session, attempt.job_id)
    return delivery


async def claim_deliveries(
    session: AsyncSession,
    worker_id: str,
    limit: int,
    lease: float,
    *,
    busy: Mapping[str, int] | None = None,
    per_host: int | None = None,
    now: datetime | None = None,
) -> Batch:
    """Claim due deliveries and sort them: ready to send, waiting for a resting host, or over.

    `busy` counts the sends this worker has in flight per host; with `per_host`, hosts at the
    cap are not claimed and claimed jobs beyond it go back to the queue untouched, so one slow
    host never fills the worker. A host whose breaker is open makes its deliveries wait; when
    the cool-off is over, one delivery probes it while the others wait for the verdict.
    """
    now = now or utcnow()
    busy = dict(busy or {})
    full = [host for host, count in busy.items() if per_host is not None and count >= per_host]
    claimed = await jobs.claim(session, [DELIVER], worker_id, limit, lease, now=now, exclude_groups=full)
    if not claimed:
        return Batch([], 0)
    ids = {job.id: _delivery_id(job.payload) for job in claimed}
    deliveries = {d.id: d for d in await session.scalars(select(Delivery).where(Delivery.id.in_(ids.values())))}
    targets = {d.host for d in deliveries.values()}
    suspended = await suspended_hosts(session, targets)
    health = {h.host: h for h in await session.scalars(select(HostHealth).where(HostHealth.host.in_(targets)))}
    gone = set(
        await session.scalars(
            select(GoneInbox.inbox_url).where(GoneInbox.inbox_url.in_({d.inbox_url for d in deliveries.values()}))
        )
    )
    resting = {
        h.host: h.unavailable_until for h in health.values() if h.unavailable_until and h.unavailable_until > now
    }
    probing: set[str] = set()
    ready: list[Attempt] = []
    over_cap: list[int] = []
    for job in claimed:
        delivery = deliveries.get(ids[job.id])
        if delivery is None or delivery.state in FINAL_STATES:  # signer deleted, or settled by a lost lease
            await jobs.complete(session, job.id)
            continue
        host = health.get(delivery.host)
        if delivery.host in suspended:
            await _give_up(session, delivery, SUSPENDED, now)
            await jobs.complete(session, job.id)
            continue
        if delivery.inbox_url in gone:
            await _give_up(session, delivery, "the inbox answered 410 Gone: its actor was deleted", now)
            await jobs.complete(session, job.id)
            continue
        if host is not None and host.unreachable_since is not None:
            since = host.unreachable_since.isoformat()
            await _give_up(session, delivery, f"the host is unreachable (failing since {since})", now)
            await jobs.complete(session, job.id)
            continue
        probe_wait = now + timedelta(seconds=min(hosts.BREAKER_COOL_OFF, lease))  # for the probe's verdict
        until = resting.get(delivery.host) or (probe_wait if delivery.host in probing else None)
        if until is None and per_host is not None and busy.get(delivery.host, 0) >= per_host:
            over_cap.append(job.id)
            continue
        if until is None and host is not None and host.consecutive_failures >= hosts.BREAKER_THRESHOLD:
            if await hosts.take_probe(session, delivery.host, now, lease):
                probing.add(delivery.host)
            else:  # another worker is probing
                until = resting[delivery.host] = probe_wait
        if until is not None:
            delivery.next_attempt_at = until
            await jobs.postpone(session, job.id, until)
            continue
        busy[delivery.host] = busy.get(delivery.host, 0) + 1
        ready.append(
            Attempt(
                job.id,
                delivery.id,
                delivery.activity_id,
                delivery.activity,
                delivery.actor_id,
                delivery.inbox_url,
                delivery.host,
            )
        )
    await jobs.release(session, over_cap)
    await session.flush()
    return Batch(ready, len(claimed))


async def heard_from(session: AsyncSession, host: str, *, now: datetime | None = None) -> int:
    """The host is up (it answered, or sent us an activity): clear its failures; if it had been
    failing, its waiting deliveries are due now rather than at their backoff time. How many.
    """
    if await hosts.host_reachable(session, host):
        return await _bring_forward(session, host, now or utcnow())
    return 0


async def retry_now(session: AsyncSession, host: str, *, now: datetime | None = None) -> int:
    """An admin's "retry now": the host's rest ends and its waiting deliveries are due now. How many."""
    await hosts.let_through(session, host)
    return await _bring_forward(session, host, now or utcnow())


async def _bring_forward(session: AsyncSession, host: str, now: datetime) -> int:
    await session.execute(
        update(Delivery)
        .where(Delivery.host == host, Delivery.state.in_(PENDING_STATES), Delivery.next_attempt_at > now)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    moved = await jobs.hurry(session, DELIVER, host, now=now)
    if moved:
        session.info[DELIVERIES_DUE] = True
    return moved


async def forget_settled(session: AsyncSession, before: datetime) -> int:
    """Delete ledger rows delivered or given up before `before` (a periodic sweep); how many went.

    Gone inboxes and host health are kept: they are what stops future deliveries.
    """
    result = await session.execute(
        delete(Delivery).where(Delivery.state.in_(FINAL_STATES), Delivery.state_since < before)
    )
    return int(getattr(result, "rowcount", 0))


def _delivery_id(payload: Mapping[str, Any]) -> int:
    """The job's delivery; -1 (no such row, the job is dropped) for a payload this code never wrote."""
    try:
        return int(payload["delivery_id"])
    except (KeyError, TypeError, ValueError):
        log.error("dropping an %s job with the payload %r", DELIVER, payload)
        return -1


def _set_state(delivery: Delivery, state: DeliveryState, now: datetime) -> None:
    delivery.state = state.value
    delivery.state_since = now


def _stop(delivery: Delivery, error: str, now: datetime) -> None:
    """Mark the delivery given up (nothing waits behind one that was never pending)."""
    _set_state(delivery, DeliveryState.GAVE_UP, now)
    delivery.last_error = error
    delivery.next_attempt_at = None


async def _give_up(session: AsyncSession, delivery: Delivery, error: str, now: datetime) -> None:
    _stop(delivery, error, now)
    await _release_next(session, delivery, now)


async def _release_next(session: AsyncSession, settled: Delivery, now: datetime) -> None:
    """The delivery is settled: the next one about the same subject to the same inbox may go now."""
    following = await next_in_line(session, settled)
    if following is not None:
        following.next_attempt_at = now
        await jobs.enqueue(session, DELIVER, {"delivery_id": following.id}, group_key=following.host, now=now)
        session.info[DELIVERIES_DUE] = True
