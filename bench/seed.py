"""Seed a node's database through the models, and watch it fill: people, remote actors, tokens, stored posts.

The bench process writes and reads the node's database directly (as `essaim` commands do), so
seeding costs no HTTP and counting never goes through the code under measurement.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from essaim.actors.accounts import create_person, hash_password
from essaim.actors.models import Job, Status
from essaim.actors.oauth import issue_token, register_application
from essaim.actors.remote import RemoteProfile, upsert_remote_actor
from essaim.bench.peer import PeerServer
from essaim.bench.process import BenchNode
from essaim.inbox.recorder import PROCESS
from essaim.inbox.unverified import VERIFY
from essaim.uris import LocalURIs

PASSWORD = "Lq7-vortex-Harbor-92"
SCOPES = "read write follow"


@dataclass(frozen=True)
class LocalPerson:
    username: str
    uri: str
    token: str
    actor_id: int


async def local_people(node: BenchNode, usernames: Sequence[str]) -> list[LocalPerson]:
    """Accounts with an access token each (one password hash for all: argon2id is slow on purpose)."""
    database = node.database()
    people = []
    try:
        password_hash = await hash_password(PASSWORD)
        async with database.transaction() as session:
            app = await register_application(
                session, name="Essaim bench", redirect_uris=["urn:ietf:wg:oauth:2.0:oob"], scopes=SCOPES, website=None
            )
            for username in usernames:
                account = await create_person(
                    session,
                    LocalURIs(node.base_url),
                    username=username,
                    email=f"{username}@bench.invalid",
                    password=PASSWORD,
                    min_password_length=8,
                    password_hash=password_hash,
                )
                await session.flush()
                await session.refresh(account, ["actor"])
                issued = await issue_token(session, application_id=app.row.id, account_id=account.id, scopes=SCOPES)
                people.append(LocalPerson(username, account.actor.uri, issued.access_token, account.actor_id))
    finally:
        await database.close()
    return people


async def remote_actors(node: BenchNode, peer: PeerServer, names: Sequence[str]) -> None:
    """Store the peer's actors with their keys, as if the node had fetched them before (a warm key cache)."""
    database = node.database()
    try:
        async with database.transaction() as session:
            for name in names:
                uri = peer.actor(name)
                profile = RemoteProfile(
                    uri=uri,
                    type="Person",
                    username=name,
                    domain=f"127.0.0.1:{peer.port}",
                    inbox_uri=f"{uri}/inbox",
                    key_id=peer.key_id(name),
                    public_key_pem=peer.keys[name].public_pem,
                    shared_inbox_uri=f"{peer.base_url}/inbox",
                )
                await upsert_remote_actor(session, profile)
    finally:
        await database.close()


async def stored_posts(node: BenchNode, uri_prefix: str) -> int:
    database = node.database()
    try:
        async with database.session() as session:
            query = select(func.count()).select_from(Status).where(Status.uri.startswith(uri_prefix))
            return int(await session.scalar(query) or 0)
    finally:
        await database.close()


async def wait_for_inbox(node: BenchNode, timeout: float) -> float:
    """Seconds until no `inbox.verify` or `inbox.process` job is left (the node stored or refused everything
    it acknowledged)."""
    database = node.database()
    pending = select(func.count()).select_from(Job).where(Job.kind.in_((VERIFY, PROCESS)), Job.run_at.is_not(None))
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            async with database.session() as session:
                left = await session.scalar(pending)
            if not left:
                break
            await asyncio.sleep(0.05)
    finally:
        await database.close()
    return time.perf_counter() - started
