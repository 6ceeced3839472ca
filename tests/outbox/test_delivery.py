"""The delivery ledger (essaim.outbox.delivery, hosts, ledger) on a real database: planning, answers, breaker, 410.

No HTTP here: answers are recorded as a sender would report them (test_worker.py sends for real).
Time is the test's `clock`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from essaim.actors import jobs
from essaim.actors.models import Actor, Delivery, DeliveryState, GoneInbox, HostHealth, Job
from essaim.db import Database
from essaim.outbox import delivery, hosts, ledger
from essaim.outbox.delivery import DELIVER, claim_deliveries, finish_attempt, plan_deliveries, record_result
from tests.outbox.conftest import Clock

ACTIVITY_ID = "https://essaim.example/activities/1"
ACTIVITY = {"id": ACTIVITY_ID, "type": "Create", "object": {"content": "héllo"}}


def remote(username: str, domain: str, shared: str | None) -> Actor:
    return Actor(
        username=username,
        domain=domain,
        uri=f"https://{domain}/users/{username}",
        inbox_uri=f"https://{domain}/users/{username}/inbox",
        shared_inbox_uri=shared,
    )


async def _deliveries(database: Database) -> list[Delivery]:
    async with database.session() as session:
        return list(await session.scalars(select(Delivery)))


async def _by_inbox(database: Database, activity_id: str) -> dict[str, Delivery]:
    async with database.session() as session:
        return {
            d.inbox_url: d for d in await session.scalars(select(Delivery).where(Delivery.activity_id == activity_id))
        }


async def _jobs(database: Database) -> list[Job]:
    async with database.session() as session:
        return list(await session.scalars(select(Job).where(Job.kind == DELIVER)))


async def _health(database: Database, host: str) -> HostHealth | None:
    async with database.session() as session:
        return await session.get(HostHealth, host)


async def _plan(database: Database, signer: int, clock: Clock, activity_id: str, *inboxes: str) -> list[Delivery]:
    async with database.transaction() as session:
        return await plan_deliveries(
            session, activity_id, {**ACTIVITY, "id": activity_id}, signer, inboxes, now=clock.now
        )


async def _answer(database: Database, clock: Clock, status: int | None, error: str | None = None) -> list[Delivery]:
    """Claim everything due and answer each the same way, as a worker would."""
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "test", 100, 300, now=clock.now)
    settled = []
    for attempt in batch.ready:
        async with database.transaction() as session:
            done = await finish_attempt(session, attempt, status, error, now=clock.now)
            assert done is not None
            settled.append(done)
    return settled


def test_hosts_and_shared_inboxes() -> None:
    assert delivery.host_of("https://Social.Example/inbox") == "social.example"
    assert delivery.host_of("https://social.example:443/inbox") == "social.example"
    assert delivery.host_of("http://127.0.0.1:8080/inbox") == "127.0.0.1:8080"
    assert delivery.host_of("https://[2001:db8::1]:8443/inbox") == "[2001:db8::1]:8443"
    actors = [
        remote("a", "social.example", "https://social.example/inbox"),
        remote("b", "social.example", "https://social.example/inbox"),
        remote("c", "solo.example", None),
        Actor(
            username="local", domain=None, uri="https://essaim.example/users/9", inbox_uri="https://essaim.example/x"
        ),
    ]
    assert delivery.inboxes_for(actors) == ["https://social.example/inbox", "https://solo.example/users/c/inbox"]


async def test_plan_dedupes_stores_the_exact_body_and_is_safe_to_rerun(
    database: Database, signer: int, clock: Clock
) -> None:
    shared = "https://social.example/inbox"
    planned = await _plan(database, signer, clock, ACTIVITY_ID, shared, shared, "ftp://nope", "https://b.example/i")
    assert [d.inbox_url for d in planned] == [shared, "https://b.example/i"], "one row per inbox; invalid URLs left out"
    rows = await _by_inbox(database, ACTIVITY_ID)
    assert (
        rows[shared].activity
        == '{"id":"https://essaim.example/activities/1","type":"Create","object":{"content":"héllo"}}'
    )
    assert (rows[shared].state, rows[shared].host, rows[shared].actor_id) == ("queued", "social.example", signer)
    queued = await _jobs(database)
    assert sorted((job.payload["delivery_id"], job.group_key) for job in queued) == sorted(
        (d.id, d.host) for d in rows.values()
    )

    again = await _plan(database, signer, clock, ACTIVITY_ID, shared, "https://c.example/i")
    assert [d.inbox_url for d in again] == ["https://c.example/i"], "re-planning adds only new inboxes"
    assert len(await _jobs(database)) == 3
    async with database.transaction() as session:
        text = await plan_deliveries(session, "urn:x", '{"id": "urn:x"}', signer, [shared], now=clock.now)
    assert text[0].activity == '{"id": "urn:x"}', "a serialised activity is kept byte for byte"


async def test_each_answer_is_classified(database: Database, signer: int, clock: Clock) -> None:
    answers: dict[str, tuple[int | None, str]] = {
        "ok": (202, DeliveryState.DELIVERED),
        "ok200": (200, DeliveryState.DELIVERED),
        "gone": (410, DeliveryState.GAVE_UP),
        "notfound": (404, DeliveryState.GAVE_UP),
        "bad": (400, DeliveryState.GAVE_UP),
        "forbidden": (403, DeliveryState.GAVE_UP),
        "notimplemented": (501, DeliveryState.GAVE_UP),
        "unauthorized": (401, DeliveryState.RETRYING),
        "timeout": (408, DeliveryState.RETRYING),
        "throttled": (429, DeliveryState.RETRYING),
        "error": (500, DeliveryState.RETRYING),
        "down": (503, DeliveryState.RETRYING),
        "redirect": (302, DeliveryState.RETRYING),
        "network": (None, DeliveryState.RETRYING),
    }
    await _plan(database, signer, clock, ACTIVITY_ID, *(f"https://{name}.example/inbox" for name in answers))
    rows = await _by_inbox(database, ACTIVITY_ID)
    for name, (status, expected) in answers.items():
        async with database.transaction() as session:
            row = await session.get(Delivery, rows[f"https://{name}.example/inbox"].id)
            assert row is not None
            error = "connection refused" if status is None else None
            await record_result(session, row, status, error, now=clock.now)
            assert row.state == expected, name
            assert row.attempts == 1 and row.last_status == status
            if expected == DeliveryState.RETRYING:
                assert row.next_attempt_at is not None
                assert 16 <= (row.next_attempt_at - clock.now).total_seconds() < 26
                assert row.last_error == (error or f"HTTP {status}")
            else:
                assert row.next_attempt_at is None
    delivered = (await _by_inbox(database, ACTIVITY_ID))["https://ok.example/inbox"]
    assert delivered.delivered_at == clock.now and delivered.last_error is None
    async with database.session() as session:
        assert list(await session.scalars(select(GoneInbox.inbox_url))) == ["https://gone.example/inbox"]
    failing = await _health(database, "down.example")
    assert failing is not None and failing.consecutive_failures == 1 and failing.failing_since == clock.now
    assert await _health(database, "notfound.example") is None, "a refusal is an answer: the host is up"


async def test_a_410_stops_every_later_delivery_to_that_inbox(database: Database, signer: int, clock: Clock) -> None:
    inbox, other = "https://social.example/users/bob/inbox", "https://social.example/users/eve/inbox"
    await _plan(database, signer, clock, "https://essaim.example/a/1", inbox)
    await _plan(database, signer, clock, "https://essaim.example/a/2", inbox, other)  # queued before the 410
    async with database.transaction() as session:
        first = await claim_deliveries(session, "w", 1, 300, now=clock.now)
    assert [a.activity_id for a in first.ready] == ["https://essaim.example/a/1"]
    async with database.transaction() as session:
        await finish_attempt(session, first.ready[0], 410, None, now=clock.now)

    async with database.transaction() as session:
        rest = await claim_deliveries(session, "w", 10, 300, now=clock.now)
    assert [a.inbox_url for a in rest.ready] == [other], "the queued delivery to the gone inbox is dropped"
    queued_before = (await _by_inbox(database, "https://essaim.example/a/2"))[inbox]
    assert queued_before.state == "gave_up" and queued_before.attempts == 0
    assert queued_before.last_error is not None and "410" in queued_before.last_error

    [later] = await _plan(database, signer, clock, "https://essaim.example/a/3", inbox)
    assert (later.state, later.attempts) == ("gave_up", 0), "planned as given up: nothing is sent"
    assert all(job.payload["delivery_id"] != later.id for job in await _jobs(database))
    async with database.transaction() as session:
        assert (await claim_deliveries(session, "w", 10, 300, now=clock.now)).claimed == 0


async def test_retries_until_the_last_attempt_then_gives_up(database: Database, signer: int, clock: Clock) -> None:
    await _plan(database, signer, clock, ACTIVITY_ID, "https://down.example/inbox")
    start = clock.now
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        [row] = await _answer(database, clock, 503)
        assert row.attempts == attempt
        if attempt < jobs.MAX_ATTEMPTS:
            assert row.state == "retrying" and row.state_since == start, "retrying since the first failure"
            assert row.next_attempt_at is not None
            async with database.transaction() as session:  # nothing is due before the retry's time
                early = await claim_deliveries(session, "w", 10, 300, now=row.next_attempt_at - timedelta(seconds=1))
            assert early.claimed == 0
            clock.to(row.next_attempt_at)
    assert row.state == "gave_up" and row.last_error == "HTTP 503"
    assert 2.5 <= (clock.now - start).total_seconds() / 86400 < 3
    assert await _jobs(database) == [], "its job is gone"
    [state] = await _ledger(database, ACTIVITY_ID)
    assert (state.state, state.attempts, state.last_status) == (DeliveryState.GAVE_UP, 17, 503)


async def _ledger(database: Database, activity_id: str) -> list[ledger.HostState]:
    async with database.session() as session:
        return await ledger.ledger(session, activity_id)


async def test_circuit_breaker_opens_after_ten_failures_and_closes_after_the_cool_off(
    database: Database, signer: int, clock: Clock
) -> None:
    host = "flaky.example"
    for n in range(14):
        await _plan(database, signer, clock, f"https://essaim.example/a/{n}", f"https://{host}/inbox")
    await _plan(database, signer, clock, "https://essaim.example/a/other", "https://fine.example/inbox")
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "w", 11, 300, now=clock.now)
    to_flaky = [a for a in batch.ready if a.host == host][:10]
    for attempt in to_flaky:
        async with database.transaction() as session:
            await finish_attempt(session, attempt, None, "connection reset", now=clock.now)
    health = await _health(database, host)
    assert health is not None and health.consecutive_failures == 10
    assert health.unavailable_until == clock.now + timedelta(seconds=60), "open: the host rests 60 s"

    # Deliveries of a resting host wait without spending an attempt; other hosts go on.
    async with database.transaction() as session:
        jobs_left = await session.scalars(select(Job).where(Job.locked_by.is_not(None)))
        await jobs.release(session, [job.id for job in jobs_left])  # the 11th claim of the first batch
    async with database.transaction() as session:
        resting = await claim_deliveries(session, "w", 100, 300, now=clock.now)
    assert [a.host for a in resting.ready] == ["fine.example"]
    waiting = [d for d in await _deliveries(database) if d.host == host and d.attempts == 0]
    assert len(waiting) == 4 and all(d.next_attempt_at == clock.now + timedelta(seconds=60) for d in waiting)

    # After the cool-off, exactly one delivery probes the host; its failure doubles the rest.
    clock.advance(61)
    async with database.transaction() as session:
        probe = await claim_deliveries(session, "w", 100, 300, now=clock.now)
    assert len([a for a in probe.ready if a.host == host]) == 1
    async with database.transaction() as session:
        await finish_attempt(session, probe.ready[0], 503, None, now=clock.now)
    health = await _health(database, host)
    assert health is not None and health.unavailable_until == clock.now + timedelta(seconds=120)
    assert hosts.cool_off(12) == 240 and hosts.cool_off(30) == 3600 and hosts.cool_off(9) == 0

    # The next probe succeeds: the breaker closes and everything waiting goes.
    clock.advance(121)
    async with database.transaction() as session:
        probe = await claim_deliveries(session, "w", 100, 300, now=clock.now)
    [second_probe] = [a for a in probe.ready if a.host == host]
    async with database.transaction() as session:
        await finish_attempt(session, second_probe, 202, None, now=clock.now)
    health = await _health(database, host)
    assert health is not None and (health.consecutive_failures, health.unavailable_until) == (0, None)
    clock.advance(60)
    settled = await _answer(database, clock, 202)
    assert len([d for d in settled if d.host == host]) == 13, "all that waited for the probe's verdict"
    rows = [d for d in await _deliveries(database) if d.host == host]
    assert len(rows) == 14 and all(d.state == "delivered" for d in rows)
    assert max(d.attempts for d in rows) <= 3, "waiting for a resting host costs no attempt"


async def test_a_host_failing_for_a_week_is_marked_unreachable(database: Database, signer: int, clock: Clock) -> None:
    inbox = "https://dead.example/inbox"
    for day in range(8):
        await _plan(database, signer, clock, f"https://essaim.example/a/{day}", inbox)
        await _answer(database, clock, None, "connection refused")
        clock.advance(86400)
    health = await _health(database, "dead.example")
    assert health is not None and health.unreachable_since is not None
    [planned] = await _plan(database, signer, clock, "https://essaim.example/a/new", inbox)
    assert planned.state == "gave_up" and planned.last_error is not None and "unreachable" in planned.last_error

    async with database.transaction() as session:  # the inbox heard from the host again
        await delivery.heard_from(session, "dead.example", now=clock.now)
    [fresh] = await _plan(database, signer, clock, "https://essaim.example/a/newer", inbox)
    assert fresh.state == "queued"


async def test_the_claim_respects_the_per_host_cap(database: Database, signer: int, clock: Clock) -> None:
    for n in range(6):
        await _plan(database, signer, clock, f"https://essaim.example/a/{n}", "https://busy.example/inbox")
    await _plan(database, signer, clock, "https://essaim.example/a/x", "https://calm.example/inbox")
    async with database.transaction() as session:
        full = await claim_deliveries(session, "w", 10, 300, busy={"busy.example": 2}, per_host=2, now=clock.now)
    assert [a.host for a in full.ready] == ["calm.example"] and full.claimed == 1
    async with database.transaction() as session:
        some = await claim_deliveries(session, "w", 10, 300, busy={"busy.example": 1}, per_host=2, now=clock.now)
    assert [a.host for a in some.ready] == ["busy.example"] and some.claimed == 6
    async with database.session() as session:
        leased = list(await session.scalars(select(Job).where(Job.locked_by.is_not(None))))
        free = list(await session.scalars(select(Job).where(Job.locked_by.is_(None))))
    assert len(leased) == 2 and len(free) == 5, "the calm host's job and one busy-host job are leased"
    assert all(job.attempts == 0 for job in free), "jobs over the cap go back without counting an attempt"


async def test_ledger_shows_each_host(database: Database, signer: int, clock: Clock) -> None:
    activity = ACTIVITY_ID
    start = clock.now
    await _plan(
        database,
        signer,
        clock,
        activity,
        "https://ok.example/inbox",
        "https://down.example/inbox",
        "https://refuses.example/inbox",
        "https://two.example/users/a/inbox",
        "https://two.example/users/b/inbox",
    )
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "w", 10, 300, now=clock.now)
    answers = {"ok.example": 202, "down.example": 503, "refuses.example": 403}
    for attempt in batch.ready:
        if attempt.inbox_url == "https://two.example/users/b/inbox":
            continue  # still queued (we pretend it is in flight)
        status = answers.get(attempt.host, 202)
        async with database.transaction() as session:
            await finish_attempt(session, attempt, status, "boom" if status == 503 else None, now=clock.advance(1))
    states = {s.host: s for s in await _ledger(database, activity)}
    assert [s.host for s in await _ledger(database, activity)] == [
        "down.example",
        "two.example",
        "refuses.example",
        "ok.example",
    ], "pending hosts first"
    down = states["down.example"]
    assert (down.state, down.last_error, down.attempts, down.last_status) == ("retrying", "boom", 1, 503)
    assert down.since > start and down.next_attempt_at is not None
    two = states["two.example"]
    assert (two.state, two.inboxes, two.delivered) == ("queued", 2, 1)
    assert (states["refuses.example"].state, states["refuses.example"].last_error) == ("gave_up", "HTTP 403")
    ok = states["ok.example"]
    assert (ok.state, ok.delivered, ok.next_attempt_at) == ("delivered", 1, None)
    assert await _ledger(database, "https://essaim.example/unknown") == []

    async with database.transaction() as session:  # the periodic sweep keeps what is still pending
        assert await delivery.forget_settled(session, clock.now) == 2
        assert await delivery.forget_settled(session, clock.advance(1)) == 1
    assert {s.host: s.state for s in await _ledger(database, activity)} == {
        "down.example": "retrying",
        "two.example": "queued",
    }


async def test_a_job_without_its_delivery_is_dropped_not_retried_forever(
    database: Database, signer: int, clock: Clock
) -> None:
    async with database.transaction() as session:
        await jobs.enqueue(session, DELIVER, {"unexpected": True}, now=clock.now)
        await jobs.enqueue(session, DELIVER, {"delivery_id": 12345}, now=clock.now)
    await _plan(database, signer, clock, ACTIVITY_ID, "https://ok.example/inbox")
    async with database.transaction() as session:
        batch = await claim_deliveries(session, "w", 10, 300, now=clock.now)
    assert batch.claimed == 3 and [a.inbox_url for a in batch.ready] == ["https://ok.example/inbox"]
    assert [job.payload for job in await _jobs(database)] == [{"delivery_id": batch.ready[0].delivery_id}]
    # A delivery settled meanwhile (a lease lost mid-send, sent twice) is not counted again.
    async with database.transaction() as session:
        await finish_attempt(session, batch.ready[0], 202, None, now=clock.now)
        settled = await finish_attempt(session, batch.ready[0], 500, None, now=clock.now)
    assert settled is not None and (settled.state, settled.attempts, settled.last_status) == ("delivered", 1, 202)
