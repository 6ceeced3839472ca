"""The machine's limits, measured in the same run as the node's figures so each figure has a ratio.

Each baseline does the bare minimum of one step of the node's work with the same libraries:
RSA verification with `cryptography`, an aiohttp handler that only reads the body, a raw insert
through the database driver the node uses (aiosqlite or asyncpg, one row per transaction).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import aiosqlite
import asyncpg
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from essaim.actors.keys import KeyPair
from essaim.bench.load import Request, run_load
from essaim.bench.measure import percentile
from essaim.bench.process import BareServer, BenchNode

MEASURE_SECONDS = 0.5


def rsa_verify_rate(keys: KeyPair) -> float:
    """RSA-2048 PKCS#1 v1.5 SHA-256 verifications per second with bare `cryptography`."""
    private = serialization.load_pem_private_key(keys.private_pem.encode(), password=None)
    public = serialization.load_pem_public_key(keys.public_pem.encode())
    assert isinstance(private, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey)
    message = b"(request-target): post /inbox\nhost: 127.0.0.1\ndate: now\ndigest: SHA-256=x"
    signature = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < MEASURE_SECONDS:
        for _ in range(100):
            public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        done += 100
    return done / (time.perf_counter() - started)


async def bare_http(folder: Path, requests: Sequence[Request], concurrency: int) -> dict[str, float]:
    """Requests per second and p99 (ms) of a bare aiohttp handler fed the same requests, on the server's core."""
    server = BareServer(folder)
    server.start()
    try:
        rebased = [Request(r.method, server.base_url + _path(r.url), r.body, r.headers) for r in requests]
        result = await run_load(rebased, concurrency)
    finally:
        server.stop()
    return {"bare_aiohttp_req_s": result.rate(202), "bare_aiohttp_p99_ms": percentile(result.latencies, 0.99) * 1000}


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def raw_insert_rate(node: BenchNode, rows: int) -> float:
    """Rows per second inserted through the node's database driver, one row and one commit each,
    into a scratch table of the node's database (dropped afterwards)."""
    body = "x" * 1500
    if node.engine == "sqlite":
        async with aiosqlite.connect(node.folder / "essaim.db") as db:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, body TEXT)")
            started = time.perf_counter()
            for number in range(rows):
                await db.execute("INSERT INTO bench_raw VALUES (?, ?)", (number, body))
                await db.commit()
            seconds = time.perf_counter() - started
            await db.execute("DROP TABLE bench_raw")
            await db.commit()
        return rows / seconds
    connection = await asyncpg.connect(node.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute("CREATE TABLE bench_raw (id bigint PRIMARY KEY, body text)")
        started = time.perf_counter()
        for number in range(rows):
            await connection.execute("INSERT INTO bench_raw VALUES ($1, $2)", number, body)
        seconds = time.perf_counter() - started
        await connection.execute("DROP TABLE bench_raw")
    finally:
        await connection.close()
    return rows / seconds


HOME_PAGE_SQL = (
    "SELECT s.id, s.actor_id, s.uri, s.content, s.published FROM home_feed f JOIN statuses s ON s.id = f.status_id"
    " WHERE f.owner_id = {owner} ORDER BY f.status_id DESC LIMIT 20"
)


async def raw_home_rate(node: BenchNode, owners: Sequence[int]) -> float:
    """Home pages (20 posts of the precomputed feed) read per second through the node's database driver,
    one after the other on one connection: the floor under the timeline endpoint."""
    if node.engine == "sqlite":
        async with aiosqlite.connect(node.folder / "essaim.db") as db:
            statement = HOME_PAGE_SQL.format(owner="?")
            started = time.perf_counter()
            for owner in owners:
                await (await db.execute(statement, (owner,))).fetchall()
            return len(owners) / (time.perf_counter() - started)
    connection = await asyncpg.connect(node.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        statement = HOME_PAGE_SQL.format(owner="$1")
        started = time.perf_counter()
        for owner in owners:
            await connection.fetch(statement, owner)
        return len(owners) / (time.perf_counter() - started)
    finally:
        await connection.close()


FANOUT_SQL = "INSERT INTO bench_feed SELECT follower_id, {status} FROM follows WHERE followee_id = {author}"


async def raw_fanout_ms(node: BenchNode, author: int) -> float:
    """Milliseconds to write one post's feed rows for every follower of `author` with one INSERT … SELECT
    through the node's database driver, into a scratch table (dropped afterwards): fan-out's floor."""
    create, drop = "CREATE TABLE bench_feed (owner_id bigint, status_id bigint)", "DROP TABLE bench_feed"
    if node.engine == "sqlite":
        async with aiosqlite.connect(node.folder / "essaim.db") as db:
            await db.execute(create)
            started = time.perf_counter()
            await db.execute(FANOUT_SQL.format(status="?", author="?"), (1, author))
            await db.commit()
            seconds = time.perf_counter() - started
            await db.execute(drop)
            await db.commit()
        return seconds * 1000
    connection = await asyncpg.connect(node.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(create)
        started = time.perf_counter()
        await connection.execute(FANOUT_SQL.format(status="$1", author="$2"), 1, author)
        seconds = time.perf_counter() - started
        await connection.execute(drop)
    finally:
        await connection.close()
    return seconds * 1000
