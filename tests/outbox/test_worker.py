"""The delivery worker against real HTTP peers on 127.0.0.1: healthy, failing then healthy, hanging, gone.

Sending is a plain aiohttp POST of the stored body (the signed sender is wired with the
federation client). Retries fall due because the test's clock moves, never by sleeping.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from essaim.actors import jobs
from essaim.actors.models import Delivery, DeliveryState, Job
from essaim.db import Database
from essaim.outbox.delivery import DELIVER, Attempt, plan_deliveries
from essaim.outbox.ledger import HostState, ledger
from essaim.outbox.worker import DeliveryWorker, Sender, WorkerSettings, delivery_worker
from tests.outbox.conftest import Clock

FAST = WorkerSettings(concurrency=8, per_host=4, lease=300, send_timeout=30, poll_interval=0.05, grace=5)


class Peer:
    """An inbox on its own port (so its own host) answering as told; it records what it accepted."""

    def __init__(self, answer: Callable[[Peer, bytes], Awaitable[int]]) -> None:
        self.answer = answer
        self.requests = 0
        self.accepted: list[bytes] = []
        self.ids: Counter[str] = Counter()
        self.released = asyncio.Event()  # lets hanging requests end when the test is over
        app = web.Application()
        app.router.add_post("/inbox", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def inbox(self) -> str:
        return str(self.server.make_url("/inbox"))

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests += 1
        status = await self.answer(self, body)
        if 200 <= status < 300:
            self.accepted.append(body)
            self.ids[json.loads(body)["id"]] += 1
        return web.Response(status=status)


async def healthy(peer: Peer, body: bytes) -> int:
    return 202


async def flaky(peer: Peer, body: bytes) -> int:
    return 503 if peer.requests <= 2 else 202


async def hangs(peer: Peer, body: bytes) -> int:
    await peer.released.wait()
    return 503


async def gone(peer: Peer, body: bytes) -> int:
    return 410


async def slow(peer: Peer, body: bytes) -> int:
    await asyncio.sleep(0.3)
    return 202


async def busy(peer: Peer, body: bytes) -> int:
    await asyncio.sleep(0.01)
    return 202


@pytest.fixture
async def peers() -> AsyncIterator[Callable[[Callable[[Peer, bytes], Awaitable[int]]], Awaitable[Peer]]]:
    started: list[Peer] = []

    async def start(answer: Callable[[Peer, bytes], Awaitable[int]]) -> Peer:
        peer = Peer(answer)
        await peer.server.start_server()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.released.set()
        await peer.server.close()


@pytest.fixture
async def send() -> AsyncIterator[Sender]:
    """POST the stored body as is, as the signed sender will (minus the signature)."""
    async with aiohttp.ClientSession() as http:

        async def post(attempt: Attempt) -> tuple[int | None, str | None]:
            try:
                async with http.post(
                    attempt.inbox_url, data=attempt.body.encode(), headers={"Content-Type": "application/activity+json"}
                ) as response:
                    await response.read()
                    return response.status, None
            except aiohttp.ClientError as exc:
                return None, f"{type(exc).__name__}: {exc}"

        yield post


def activity(n: int) -> dict[str, object]:
    return {"id": f"https://essaim.example/activities/{n}", "type": "Create", "object": {"content": f"post {n}"}}


async def plan(database: Database, signer: int, clock: Clock, n: int, *inboxes: str, late: float = 0) -> None:
    async with database.transaction() as session:
        when = clock.now - timedelta(seconds=late)
        await plan_deliveries(session, str(activity(n)["id"]), activity(n), signer, inboxes, now=when)


async def rows(database: Database) -> list[Delivery]:
    async with database.session() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def queued_jobs(database: Database) -> list[Job]:
    async with database.session() as session:
        return list(await session.scalars(select(Job)))


async def eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def test_each_peer_answer_is_recorded_and_failures_are_retried_until_delivered(
    database: Database, signer: int, clock: Clock, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    ok, failing, deleted = await peers(healthy), await peers(flaky), await peers(gone)
    await plan(database, signer, clock, 1, ok.inbox, failing.inbox, deleted.inbox)
    worker = DeliveryWorker(database, send, FAST, clock=clock)

    assert await worker.run_once() == 3
    stored = {d.inbox_url: d for d in await rows(database)}
    assert ok.accepted == [stored[ok.inbox].activity.encode()], "the peer got exactly the stored bytes"
    assert (failing.requests, deleted.requests) == (1, 1)
    states = {s.host: s for s in await _ledger(database, 1)}
    assert states[ok.server.host + f":{ok.server.port}"].state == DeliveryState.DELIVERED
    retrying = stored[failing.inbox]
    assert (retrying.state, retrying.last_status, retrying.last_error) == ("retrying", 503, "HTTP 503")
    assert stored[deleted.inbox].state == "gave_up"

    assert await worker.run_once() == 0, "nothing is due before the retry's time"
    for expected_status in (503, 202):
        due = next(d for d in await rows(database) if d.inbox_url == failing.inbox).next_attempt_at
        assert due is not None
        clock.to(due)
        assert await worker.run_once() == 1
        assert next(d for d in await rows(database) if d.inbox_url == failing.inbox).last_status == expected_status
    assert failing.requests == 3 and len(failing.accepted) == 1
    assert [s.state for s in await _ledger(database, 1)] == ["gave_up", "delivered", "delivered"]

    await plan(database, signer, clock, 2, deleted.inbox, ok.inbox)
    assert await worker.run_once() == 1, "nothing is sent to an inbox that answered 410"
    assert deleted.requests == 1 and len(ok.accepted) == 2
    assert await queued_jobs(database) == []


async def _ledger(database: Database, n: int) -> list[HostState]:
    async with database.session() as session:
        return list(await ledger(session, str(activity(n)["id"])))


async def test_a_peer_that_never_answers_times_out_as_a_failed_try(
    database: Database, signer: int, clock: Clock, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    silent = await peers(hangs)
    await plan(database, signer, clock, 1, silent.inbox)
    worker = DeliveryWorker(database, send, WorkerSettings(send_timeout=0.3), clock=clock)
    started = time.monotonic()
    assert await worker.run_once() == 1
    assert time.monotonic() - started < 5
    [row] = await rows(database)
    assert (row.state, row.last_status, row.last_error) == ("retrying", None, "no answer within 0.3 s")


async def test_a_hanging_peer_does_not_hold_up_the_others(
    database: Database, signer: int, clock: Clock, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    stuck, ok = await peers(hangs), await peers(healthy)
    for n in range(6):  # the hanging host's deliveries are due first: a FIFO worker would take them all
        await plan(database, signer, clock, n, stuck.inbox, late=60)
    for n in range(6, 12):
        await plan(database, signer, clock, n, ok.inbox)
    settings = WorkerSettings(concurrency=4, per_host=2, lease=300, send_timeout=60, poll_interval=0.05)
    worker = DeliveryWorker(database, send, settings, clock=clock)
    worker.start()
    try:
        await eventually(lambda: len(ok.accepted) == 6 and len(worker.in_flight) == 2)
        assert stuck.requests == 2, "at most per_host sends wait on the hanging host"
        assert [a.inbox_url for a in worker.in_flight] == [stuck.inbox, stuck.inbox]
        assert [d.state for d in await rows(database) if d.inbox_url == ok.inbox] == ["delivered"] * 6
    finally:
        await worker.stop(grace=0.2)
    # Stopping cancelled the two hanging sends and handed their jobs back, no attempt counted.
    hanging = [d for d in await rows(database) if d.inbox_url == stuck.inbox]
    assert [(d.state, d.attempts) for d in hanging] == [("queued", 0)] * 6
    remaining = await queued_jobs(database)
    assert len(remaining) == 6 and all(job.locked_by is None and job.attempts == 0 for job in remaining)


async def test_stopping_lets_sends_in_flight_finish(
    database: Database, signer: int, clock: Clock, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    peer = await peers(slow)
    for n in range(3):
        await plan(database, signer, clock, n, peer.inbox)
    worker = DeliveryWorker(database, send, FAST, clock=clock)
    worker.start()
    await eventually(lambda: peer.requests == 3)
    await worker.stop(grace=5)
    assert [d.state for d in await rows(database)] == ["delivered"] * 3
    assert await queued_jobs(database) == []


DRAIN = """
import asyncio, json, sys
import aiohttp
from essaim.db import Database
from essaim.outbox.worker import DeliveryWorker, WorkerSettings

async def main(url: str) -> None:
    database = Database(url)
    async with aiohttp.ClientSession() as http:
        async def send(attempt):
            headers = {"Content-Type": "application/activity+json"}
            async with http.post(attempt.inbox_url, data=attempt.body.encode(), headers=headers) as response:
                return response.status, None
        worker = DeliveryWorker(database, send, WorkerSettings(concurrency=16, per_host=8))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        sent = idle = 0
        while idle < 5:
            done = await worker.run_once()
            sent, idle = sent + done, (0 if done else idle + 1)
            await asyncio.sleep(0 if done else 0.05)
    await database.close()
    print(json.dumps({"sent": sent}), flush=True)

asyncio.run(main(sys.argv[1]))
"""


async def _drain_in_processes(url: str, count: int) -> list[int]:
    """PostgreSQL: each worker in its own process, started together once all are connected."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            DRAIN,
            url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(count)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line == b"ready\n", (line, await process.stderr.read() if process.stderr else b"")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        outputs = [await asyncio.wait_for(process.communicate(), 120) for process in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    return [json.loads(out.decode().strip().splitlines()[-1])["sent"] for out, _ in outputs]


async def _drain_in_one_process(database: Database, send: Sender, count: int) -> list[int]:
    """SQLite: one process runs the workers (they share its Database and its write lock)."""

    async def drain(worker: DeliveryWorker) -> int:
        sent = idle = 0
        while idle < 5:
            done = await worker.run_once()
            sent, idle = sent + done, (0 if done else idle + 1)
            await asyncio.sleep(0 if done else 0.05)
        return sent

    settings = WorkerSettings(concurrency=16, per_host=8)
    return list(await asyncio.gather(*(drain(DeliveryWorker(database, send, settings)) for _ in range(count))))


async def test_two_workers_drain_one_queue_without_delivering_twice(
    database: Database, signer: int, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    receiver = await peers(busy)
    async with database.transaction() as session:
        for n in range(200):
            await plan_deliveries(session, str(activity(n)["id"]), activity(n), signer, [receiver.inbox])
    if database.engine.dialect.name == "postgresql":
        sent = await _drain_in_processes(database.url, 2)
    else:
        sent = await _drain_in_one_process(database, send, 2)
    assert len(receiver.ids) == 200 and set(receiver.ids.values()) == {1}, "each activity arrived exactly once"
    assert sum(sent) == 200 and all(n > 0 for n in sent), sent
    assert {d.state for d in await rows(database)} == {"delivered"}
    assert await queued_jobs(database) == []


async def test_the_cleanup_context_runs_the_worker_beside_the_application(
    database: Database, signer: int, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    peer = await peers(healthy)
    database_key = web.AppKey("database", Database)
    worker_key = web.AppKey("worker", DeliveryWorker)
    app = web.Application()
    app[database_key] = database
    slow_polls = WorkerSettings(poll_interval=60)  # so only waking on commit can explain a prompt delivery
    app.cleanup_ctx.append(delivery_worker(lambda app: app[database_key], lambda app: send, slow_polls, key=worker_key))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        worker = app[worker_key]
        assert worker.running
        await asyncio.sleep(0.1)  # the first claim found nothing
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:  # rolled back: nothing to announce
                await plan_deliveries(session, "urn:a:0", {"id": "urn:a:0"}, signer, [peer.inbox])
                raise RuntimeError("the action failed after planning")
        async with database.transaction() as session:
            await plan_deliveries(session, "urn:a:1", {"id": "urn:a:1"}, signer, [peer.inbox])
        await eventually(lambda: peer.ids["urn:a:1"] == 1, seconds=5)
    finally:
        await runner.cleanup()
    assert not worker.running, "stopped with the application"
    assert peer.ids["urn:a:0"] == 0
    async with database.transaction() as session:
        await plan_deliveries(session, "urn:a:2", {"id": "urn:a:2"}, signer, [peer.inbox])
    await asyncio.sleep(0.3)
    assert peer.ids["urn:a:2"] == 0, "a stopped worker no longer listens for commits"


async def test_a_worker_renews_its_leases_and_a_dead_workers_jobs_are_taken_again(
    database: Database, signer: int, peers: Callable[..., Awaitable[Peer]], send: Sender
) -> None:
    stuck = await peers(hangs)
    async with database.transaction() as session:  # by the real clock: leases run out in real time here
        await plan_deliveries(session, "urn:a:hang", {"id": "urn:a:hang"}, signer, [stuck.inbox])
    short = WorkerSettings(lease=1.0, renew_every=0.2, send_timeout=30, poll_interval=0.05)
    worker = DeliveryWorker(database, send, short)
    worker.start()
    try:
        await eventually(lambda: stuck.requests == 1)
        await asyncio.sleep(2.5)  # more than two leases: only renewals keep the job ours
        async with database.transaction() as session:
            assert await jobs.claim(session, [DELIVER], "another", 10, 30) == [], "still leased to the live worker"
    finally:
        await worker.stop(grace=0)
    # A worker that dies cannot release: simulate it by leasing to a worker id nobody renews.
    async with database.transaction() as session:
        [job] = await jobs.claim(session, [DELIVER], "dead-worker", 10, 1.0)
    async with database.transaction() as session:
        assert await jobs.renew(session, [job.id], "someone-else", 30) == 0, "only the holder renews"
    await asyncio.sleep(1.1)
    async with database.transaction() as session:
        assert [j.id for j in await jobs.claim(session, [DELIVER], "restarted", 10, 30)] == [job.id]
