"""What the ledger shows (essaim.outbox.ledger) and how a host coming back is handled (delivery, hosts).

On a real database, without HTTP: answers are recorded as the worker would record them, and
time is the test's `clock`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from essaim.actors.models import DeliveryState, HostHealth, Job, Status, StatusEdit
from essaim.db import Database
from essaim.federation.render.post_activities import create_id, update_id
from essaim.outbox import delivery, ledger
from essaim.outbox.delivery import DELIVERIES_DUE, claim_deliveries, finish_attempt, plan_deliveries
from tests.outbox.conftest import Clock

UP, DOWN, PICKY = "https://up.example/inbox", "https://down.example/inbox", "https://picky.example/inbox"


async def plan(
    database: Database, signer: int, clock: Clock, activity_id: str, *inboxes: str, subject: str | None = None
) -> None:
    async with database.transaction() as session:
        body = {"id": activity_id}
        await plan_deliveries(session, activity_id, body, signer, inboxes, subject=subject, now=clock.now)


async def answer(database: Database, clock: Clock, answers: dict[str, int | None]) -> int:
    """Claim what is due now and answer per host (None: a network error); how many were sent."""
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "w", 100, 30, now=clock.now)
    for attempt in batch.ready:
        status = answers[attempt.host]
        async with database.transaction() as session:
            error = "connection refused" if status is None else None
            await finish_attempt(session, attempt, status, error, now=clock.now)
    return len(batch.ready)


async def _health(database: Database, host: str) -> HostHealth:
    async with database.session() as session:
        health = await session.get(HostHealth, host)
    assert health is not None, host
    return health


async def _post_with_an_edit(database: Database, signer: int, clock: Clock) -> Status:
    async with database.transaction() as session:
        status = Status(actor_id=signer, uri="https://essaim.example/users/1/statuses/7", published=clock.now)
        session.add(status)
        await session.flush()
        edited = clock.now + timedelta(minutes=5)
        session.add_all(
            [
                StatusEdit(status_id=status.id, content="first", created_at=clock.now),
                StatusEdit(status_id=status.id, content="second", created_at=edited),
            ]
        )
        status.edited_at = edited
    return status


async def test_a_posts_ledger_covers_its_create_and_updates_per_host(
    database: Database, signer: int, clock: Clock
) -> None:
    status = await _post_with_an_edit(database, signer, clock)
    assert status.edited_at is not None
    create, update = create_id(status), update_id(status, status.edited_at)
    async with database.session() as session:
        assert await ledger.post_activities(session, status) == {create: "Create", update: "Update"}
    await plan(database, signer, clock, create, UP, DOWN, PICKY)
    await answer(database, clock, {"up.example": 202, "down.example": None, "picky.example": 403})
    await plan(database, signer, clock, update, UP, DOWN)
    await plan(database, signer, clock, "https://essaim.example/users/1#likes/1", UP)  # not about this post

    async with database.session() as session:
        hosts = await ledger.post_ledger(session, status)
    assert [h.overall.host for h in hosts] == ["down.example", "up.example", "picky.example"], "pending first"
    down, up, picky = hosts
    assert (down.overall.state, down.overall.last_error, down.overall.attempts) == (
        DeliveryState.RETRYING,
        "connection refused",
        1,
    )
    assert [(a.type, a.state.state) for a in down.activities] == [("Create", "retrying"), ("Update", "queued")]
    assert down.overall.next_attempt_at is not None and down.overall.next_attempt_at > clock.now
    assert (up.overall.state, up.overall.inboxes, up.overall.delivered) == ("queued", 1, 0), "the update is waiting"
    assert [(a.activity_id, a.state.state) for a in up.activities] == [(create, "delivered"), (update, "queued")]
    assert (picky.overall.state, picky.overall.last_error, [a.type for a in picky.activities]) == (
        "gave_up",
        "HTTP 403",
        ["Create"],
    )

    await answer(database, clock, {"up.example": 202, "down.example": None})
    async with database.session() as session:
        up_now = next(h for h in await ledger.post_ledger(session, status) if h.overall.host == "up.example")
    assert (up_now.overall.state, up_now.overall.delivered) == ("delivered", 1)


async def test_a_boosts_ledger_is_its_announce(database: Database, signer: int, clock: Clock) -> None:
    async with database.transaction() as session:
        original = Status(actor_id=signer, uri="https://essaim.example/users/1/statuses/8")
        session.add(original)
        await session.flush()
        boost = Status(actor_id=signer, uri="https://essaim.example/users/1/statuses/9", reblog_of_id=original.id)
        session.add(boost)
    async with database.session() as session:
        assert await ledger.post_activities(session, boost) == {create_id(boost): "Announce"}


async def test_a_host_heard_from_again_gets_its_waiting_deliveries_now(
    database: Database, signer: int, clock: Clock
) -> None:
    for n in range(3):
        await plan(database, signer, clock, f"https://essaim.example/a/{n}", DOWN, "https://other-down.example/i")
    await answer(database, clock, {"down.example": None, "other-down.example": None})
    assert (await _health(database, "down.example")).consecutive_failures == 3
    clock.advance(1)
    async with database.transaction() as session:
        assert await claim_deliveries(session, "w", 100, 30, now=clock.now) == delivery.Batch([], 0)

    async with database.transaction() as session:  # down.example sends us an activity
        assert await delivery.heard_from(session, "down.example", now=clock.now) == 3
        assert session.info[DELIVERIES_DUE] is True, "the worker is to be woken after the commit"
    assert (await _health(database, "down.example")).consecutive_failures == 0
    async with database.transaction() as session:
        again = await claim_deliveries(session, "w", 100, 30, now=clock.now)
    assert sorted(a.host for a in again.ready) == ["down.example"] * 3, "the other failing host still waits"
    async with database.transaction() as session:
        assert await delivery.heard_from(session, "up.example", now=clock.now) == 0, "a healthy host: nothing moves"
        assert DELIVERIES_DUE not in session.info


async def test_the_first_success_after_failures_brings_the_others_forward(
    database: Database, signer: int, clock: Clock
) -> None:
    for n in range(3):
        await plan(database, signer, clock, f"https://essaim.example/a/{n}", DOWN)
    assert await answer(database, clock, {"down.example": 503}) == 3
    async with database.session() as session:
        due = sorted(run_at for run_at in await session.scalars(select(Job.run_at)) if run_at is not None)
    clock.to(due[0])  # the earliest retry falls due; the host is back
    assert await answer(database, clock, {"down.example": 202}) == 1
    assert await answer(database, clock, {"down.example": 202}) == 2, "the others did not wait for their backoff"
    health = await _health(database, "down.example")
    assert (health.consecutive_failures, health.last_success_at) == (0, clock.now)
    async with database.session() as session:
        [state] = await ledger.ledger(session, "https://essaim.example/a/0")
    assert (state.state, state.attempts, state.last_error) == ("delivered", 2, "HTTP 503"), "the history is kept"


async def test_retry_now_ends_the_rest_and_makes_waiting_deliveries_due(
    database: Database, signer: int, clock: Clock
) -> None:
    for n in range(10):
        await plan(database, signer, clock, f"https://essaim.example/a/{n}", DOWN)
    await answer(database, clock, {"down.example": None})
    health = await _health(database, "down.example")
    assert health.unavailable_until == clock.now + timedelta(seconds=60), "ten failures: the breaker is open"
    async with database.session() as session:
        [summary] = await ledger.host_overview(session, clock.now)
    assert (summary.breaker, summary.retrying, summary.last_failure_at) == ("open", 10, clock.now)

    async with database.transaction() as session:
        assert await delivery.retry_now(session, "down.example", now=clock.now) == 10
    health = await _health(database, "down.example")
    assert (health.unavailable_until, health.consecutive_failures) == (None, 10), "its failures still count"
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "w", 100, 30, now=clock.now)
    assert len(batch.ready) == 1, "past the threshold, one delivery probes the host while the others wait"


async def test_admins_overview_of_hosts(database: Database, signer: int, clock: Clock) -> None:
    await plan(database, signer, clock, "https://essaim.example/a/1", UP, DOWN, PICKY)
    await answer(database, clock, {"up.example": 202, "down.example": 503, "picky.example": 403})
    await plan(database, signer, clock, "https://essaim.example/a/2", UP)
    async with database.session() as session:
        summaries = {s.host: s for s in await ledger.host_overview(session, clock.now)}
    assert list(summaries) == ["down.example", "picky.example", "up.example"], "troubled hosts first"
    down = summaries["down.example"]
    assert (down.retrying, down.last_error, down.last_failure_at, down.breaker) == (1, "HTTP 503", clock.now, "closed")
    assert (summaries["picky.example"].gave_up, summaries["picky.example"].last_success_at) == (1, None)
    up = summaries["up.example"]
    assert (up.queued, up.last_success_at, up.troubled) == (1, clock.now, False)


async def test_a_busy_hosts_last_success_is_written_once_a_minute(
    database: Database, signer: int, clock: Clock
) -> None:
    first = clock.now
    for n, later in enumerate((30, 31, 0)):
        await plan(database, signer, clock, f"https://essaim.example/a/{n}", UP)
        await answer(database, clock, {"up.example": 202})
        expected = first if n < 2 else clock.now
        assert (await _health(database, "up.example")).last_success_at == expected
        clock.advance(later)
