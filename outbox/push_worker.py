"""The push worker: sends queued Web Pushes (`push.deliver` jobs) to apps' push services and records each answer.

Jobs are written with the notification (`actors.push.queue_pushes`), so a push is never lost
to a crash and never delays the request that caused it. The worker claims a batch, prepares
each push from the database as it is now (a dismissed notification is not pushed), encrypts and
signs it (`federation.webpush`), and POSTs it over the node's guarded HTTP client.

Answers, as Mastodon treats them: 2xx done; 404 or 410, the subscription has expired at the
push service, so it is deleted; 408, 429, 5xx and network errors are retried after the
service's `Retry-After` (capped) or the queue's backoff, up to `max_attempts`; anything else
(another 4xx, an endpoint the outbound policy refuses) is given up at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Job, PushSubscription
from essaim.actors.models.base import utcnow
from essaim.actors.push import PUSH
from essaim.db import Database
from essaim.federation.client import OutboundRefused
from essaim.federation.webpush import PushMessage, push_message
from essaim.outbox.polling import PollingWorker
from essaim.outbox.push_payload import PreparedPush, prepare_push
from essaim.outbox.worker import new_worker_id
from essaim.uris import LocalURIs

EXPIRED = (404, 410)  # the push service no longer knows the subscription
RETRIED = (408, 429)  # and every 5xx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """What the push service said: its status (None: no answer), how long it asked us to wait, what went wrong."""

    status: int | None
    retry_after: float | None = None
    error: str | None = None
    refused: bool = False  # the outbound policy forbids the endpoint: trying again cannot help


PushSender = Callable[[str, PushMessage], Awaitable[Answer]]


@dataclass(frozen=True)
class PushSettings:
    batch: int = 16  # pushes claimed and sent at once
    lease: float = 60.0  # seconds a claimed batch stays ours; longer than `send_timeout`
    send_timeout: float = 15.0
    poll_interval: float = 1.0  # seconds between claims when the queue looks empty
    max_attempts: int = 8  # tries before giving up (backoff: about 80 minutes in all)
    max_retry_after: float = 3600.0  # a push service asking for a longer wait gets this


def http_push_sender(client: aiohttp.ClientSession) -> PushSender:
    """POST a push with the node's outbound client (so the SSRF guard applies); never raises for HTTP trouble."""

    async def send(endpoint: str, message: PushMessage) -> Answer:
        try:
            async with client.post(endpoint, data=message.body, headers=message.headers) as response:
                return Answer(response.status, _seconds(response.headers.get("Retry-After")))
        except OutboundRefused as error:
            return Answer(None, error=str(error), refused=True)
        except (aiohttp.ClientError, OSError) as error:
            return Answer(None, error=f"{type(error).__name__}: {error}")

    return send


class PushWorker(PollingWorker):
    """Drains the push queue of one database; `start()`/`stop()` beside a server, `run_once()` for tests."""

    what = "pushes"

    def __init__(
        self,
        database: Database,
        send: PushSender,
        vapid_key: ec.EllipticCurvePrivateKey,
        uris: LocalURIs,
        settings: PushSettings | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings or PushSettings()
        super().__init__(new_worker_id(), self.settings.batch, self.settings.poll_interval)
        self.database = database
        self.send = send
        self.vapid_key = vapid_key
        self.uris = uris
        self.clock = clock

    async def run_once(self) -> int:
        """Claim the pushes due now, send them together and record the answers; how many were claimed."""
        async with self.database.transaction() as session:
            claimed = await jobs.claim(
                session, [PUSH], self.worker_id, self.settings.batch, self.settings.lease, now=self.clock()
            )
        await asyncio.gather(*(self._push(job) for job in claimed))
        return len(claimed)

    async def _push(self, job: Job) -> None:
        subscription_id, notification_id = _ids(job.payload)
        prepared: PreparedPush | None = None
        answer = Answer(200)  # nothing to send counts as done
        try:
            async with self.database.session() as session:
                prepared = await prepare_push(session, subscription_id, notification_id, self.uris)
            if prepared is not None:
                message = push_message(
                    prepared.payload,
                    endpoint=prepared.endpoint,
                    p256dh=prepared.p256dh,
                    auth=prepared.auth,
                    vapid_key=self.vapid_key,
                    contact=self.uris.base_url,
                )
                answer = await asyncio.wait_for(self.send(prepared.endpoint, message), self.settings.send_timeout)
        except TimeoutError:
            answer = Answer(None, error="the push service did not answer in time")
        except Exception as error:  # a bug or a broken row: keep it for an operator, never crash the loop
            log.exception("preparing push job %d failed", job.id)
            answer = Answer(None, error=f"{type(error).__name__}: {error}", refused=True)
        try:
            async with self.database.transaction() as session:
                await self._record(session, job, subscription_id, answer)
        except Exception:  # the lease runs out and the push is tried again
            log.exception("recording push job %d failed", job.id)

    async def _record(self, session: AsyncSession, job: Job, subscription_id: int, answer: Answer) -> None:
        status = answer.status
        if status is not None and 200 <= status < 300:
            await jobs.complete(session, job.id)
        elif status in EXPIRED:
            log.info("push subscription %d expired (%d): deleted", subscription_id, status)
            await session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
            await jobs.complete(session, job.id)
        elif not answer.refused and (status is None or status in RETRIED or status >= 500):
            reason = answer.error or f"the push service answered {status}"
            if job.attempts >= self.settings.max_attempts:
                await jobs.give_up(session, job.id, reason)
            else:
                wait = answer.retry_after
                delay = min(wait, self.settings.max_retry_after) if wait is not None else jobs.backoff(job.attempts)
                await jobs.retry(session, job.id, reason, delay, now=self.clock())
        else:
            await jobs.give_up(session, job.id, answer.error or f"the push service answered {status}")


def _ids(payload: Any) -> tuple[int, int]:
    if isinstance(payload, dict):
        subscription_id, notification_id = payload.get("subscription_id"), payload.get("notification_id")
        if isinstance(subscription_id, int) and isinstance(notification_id, int):
            return subscription_id, notification_id
    return 0, 0  # no such rows: the job completes without sending


def _seconds(value: str | None) -> float | None:
    """`Retry-After` in seconds (the delay form; an HTTP date is ignored), at least one."""
    if value is None or not value.strip().isdigit():
        return None
    return max(float(value.strip()), 1.0)
