"""The node's federation machinery, started and stopped with the server: the federation policy, the
outbound HTTP client and the delivery worker (deliveries themselves live in the database, so a
restart loses none); and when a remote post's replies are worth asking its server for."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import Actor, Status
from essaim.federation.client import create_session
from essaim.federation.followers_sync import HEADER
from essaim.federation.keys import url_authority
from essaim.inbox.policy import FederationPolicy
from essaim.inbox.threads import plan_replies_fetch
from essaim.outbox.delivery import Attempt
from essaim.outbox.followers_sync import sync_header
from essaim.outbox.sender import signed_sender
from essaim.outbox.worker import DeliveryWorker, Sender, delivery_worker
from essaim.web.keys import CONFIG, DATABASE

HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
DELIVERY_WORKER = web.AppKey("delivery_worker", DeliveryWorker)
FEDERATION_POLICY = web.AppKey("federation_policy", FederationPolicy)
POLICY_REFRESH_SECONDS = 5.0  # how soon a domain block made by another process (the CLI) applies here
REPLIES_EVERY = 600.0  # seconds: a remote post's replies are asked for at most this often (per process)

log = logging.getLogger(__name__)


async def federation_policy(app: web.Application) -> AsyncIterator[None]:
    """Load the policy (settings and domain blocks) before serving; pick up other processes' block changes."""
    database = app[DATABASE]
    policy = app[FEDERATION_POLICY] = await FederationPolicy.load(app[CONFIG], database)

    async def keep_fresh() -> None:
        while True:
            await asyncio.sleep(POLICY_REFRESH_SECONDS)
            try:
                if await policy.refresh(database):
                    log.info("domain blocks changed: %d in force", len(policy.blocks.entries))
            except Exception:  # the database is away: keep the last list, try again later
                log.exception("reloading the domain blocks failed")

    refresher = asyncio.create_task(keep_fresh(), name="federation policy refresh")
    try:
        yield
    finally:
        refresher.cancel()
        await asyncio.gather(refresher, return_exceptions=True)


async def http_client(app: web.Application) -> AsyncIterator[None]:
    """One pooled, SSRF-guarded session for every request to peers."""
    app[HTTP_CLIENT] = create_session(app[CONFIG])
    try:
        yield
    finally:
        await app[HTTP_CLIENT].close()


def _sender(app: web.Application) -> Sender:
    database = app[DATABASE]

    async def keys(actor_id: int) -> tuple[str, str]:
        async with database.session() as session:
            row = (await session.execute(select(Actor.key_id, Actor.private_key_pem).where(Actor.id == actor_id))).one()
        if row.private_key_pem is None:
            raise LookupError(f"actor {actor_id} has no private key: it is not local")
        return row.key_id, row.private_key_pem

    async def extra(attempt: Attempt) -> dict[str, str]:
        async with database.session() as session:
            header = await sync_header(session, attempt.actor_id, attempt.host, attempt.body)
        return {} if header is None else {HEADER: header.render()}

    return signed_sender(app[HTTP_CLIENT], keys, extra)


deliveries = delivery_worker(lambda app: app[DATABASE], _sender, key=DELIVERY_WORKER)


class RecentlyAsked:
    """Remote posts whose replies were asked for lately, so a thread read again and again costs one fetch."""

    def __init__(self, every: float = REPLIES_EVERY, capacity: int = 10_000) -> None:
        self.every, self.capacity = every, capacity
        self._asked: dict[int, float] = {}

    def first_in_a_while(self, status_id: int) -> bool:
        now = time.monotonic()
        if now - self._asked.get(status_id, -self.every) < self.every:
            return False
        if len(self._asked) >= self.capacity:  # forget everything rather than grow: at worst a fetch too many
            self._asked.clear()
        self._asked[status_id] = now
        return True


REPLIES_ASKED = web.AppKey("replies_asked", RecentlyAsked)


async def backfill_replies(app: web.Application, status: Status) -> None:
    """Someone reads a remote post's thread: queue the reading of its `replies` collection (inbox/backfill.py),
    unless that was done lately; the replies found show in the context read next."""
    if url_authority(status.uri) == url_authority(app[CONFIG].base_url) or status.reblog_of_id is not None:
        return
    if app[REPLIES_ASKED].first_in_a_while(status.id):
        async with app[DATABASE].transaction() as session:
            await plan_replies_fetch(session, status)
