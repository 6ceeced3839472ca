"""Shared fixtures: real `essaim` processes on free 127.0.0.1 ports, each with its own database.

The database engine is chosen once for the whole run by ESSAIM_TEST_DB (`sqlite`, the
default, or `postgresql`); PostgreSQL databases get unique names so runs never collide,
and are dropped afterwards. ESSAIM_TEST_PG_URL names the server (default: the local one).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from essaim.db import Database, ensure_database_exists, upgrade_to_head
from tests.signed_fetch import PeerActor, SigningKey

ENGINE = os.environ.get("ESSAIM_TEST_DB", "sqlite")
PG_SERVER = os.environ.get("ESSAIM_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
ESSAIM = [sys.executable, "-m", "essaim.cli.main"]
START_TIMEOUT = 30.0
LOG_TAIL_LINES = 80  # of each running server's log, shown beside a failing test

if ENGINE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"ESSAIM_TEST_DB must be sqlite or postgresql, not {ENGINE!r}")


def pytest_report_header() -> str:
    return f"essaim test database engine: {ENGINE}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test shows the end of every server log still running, so a failure on CI explains itself."""
    report: pytest.TestReport = yield
    LoopbackServer.launched[:] = [server for server in LoopbackServer.launched if server.process is not None]
    if report.failed:
        for server in LoopbackServer.launched:
            tail = "\n".join(server.log().splitlines()[-LOG_TAIL_LINES:])
            report.sections.append((f"server log {server.domain} ({server.folder.name})", tail))
    return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _pg_admin(statement: str) -> None:
    engine = create_async_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def new_database_url(folder: Path) -> str:
    """A database no other node or test run uses (created on first use by `essaim init`)."""
    if ENGINE == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'essaim.db'}"
    return f"{PG_SERVER}/essaim_test_{uuid.uuid4().hex[:16]}"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class LoopbackServer:
    """A server process of the tests on a free 127.0.0.1 port, its output in `folder/server.log`."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, kw_only=True)
    launched: ClassVar[list[LoopbackServer]] = []  # servers started by the tests, for failure reports

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def launch(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Start `command` in the folder and wait until it listens on the port."""
        with open(self.folder / "server.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, env=env, cwd=self.folder, stdout=log, stderr=log)
        LoopbackServer.launched.append(self)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{name} did not listen within {START_TIMEOUT} s:\n{self.log()}")

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the server ignored SIGTERM:\n{self.log()}") from None
        finally:
            self.process = None

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Node(LoopbackServer):
    """One Essaim node: its settings, and its server process while it runs."""

    database_url: str
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
        env |= {
            "ESSAIM_NODE_BASE_URL": self.base_url,
            "ESSAIM_SERVER_PORT": str(self.port),
            "ESSAIM_DATABASE_URL": self.database_url,
            "ESSAIM_MEDIA_DIR": str(self.folder / "media"),
            "ESSAIM_FEDERATION_ALLOWED_PRIVATE_RANGES": "127.0.0.1/32",
            "ESSAIM_SERVER_RATE_LIMIT": "0",  # every test calls from 127.0.0.1; test_middleware turns it on
        }
        return env | self.settings

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `essaim ARGS` against this node's configuration."""
        result = subprocess.run(
            [*ESSAIM, *args], env=self.env, cwd=self.folder, input=input, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"essaim {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def start(self) -> None:
        self.launch("essaim run", [*ESSAIM, "run"], self.env)

    def second_process(self) -> Node:
        """Another server process of this node: same database and public URL, its own port (not started)."""
        folder = self.folder.parent / f"{self.folder.name}-second-process"
        folder.mkdir()
        return Node(folder, free_port(), self.database_url, {"ESSAIM_NODE_BASE_URL": self.base_url})


class NodeFactory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.nodes: list[Node] = []

    def create(self, *, demo: bool = False, start: bool = True, init: bool = True, **settings: str) -> Node:
        folder = self.root / f"node{len(self.nodes)}"
        folder.mkdir(parents=True)
        node = Node(folder, free_port(), new_database_url(folder), {k.upper(): v for k, v in settings.items()})
        self.nodes.append(node)
        if demo:
            node.cli("demo")
        elif init:
            node.cli("init")
        if start:
            node.start()
        return node

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
            drop_database(node.database_url)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[NodeFactory]:
    """Make nodes for one test; they are stopped and their databases dropped afterwards."""
    factory = NodeFactory(tmp_path)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def demo_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One running node with the demo company, shared by tests that only read."""
    factory = NodeFactory(tmp_path_factory.mktemp("demo"))
    node = factory.create(demo=True)
    yield node
    factory.close()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A freshly migrated database of its own (no server), for tests of storage-level code."""
    url = new_database_url(tmp_path)
    await ensure_database_exists(url)
    try:
        await asyncio.to_thread(upgrade_to_head, url)  # Alembic drives its own event loop
        database = Database(url)
        try:
            yield database
        finally:
            await database.close()
    finally:
        await asyncio.to_thread(drop_database, url)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client that keeps cookies even for an IP-address host (as a browser would)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


@pytest.fixture(scope="session")
async def peer_reader() -> AsyncIterator[SigningKey]:
    """The key of a remote person on a server of their own (127.0.0.1): nodes fetch it to verify GETs it signs.

    They follow no one and are mentioned nowhere, so they read what any server may: public and unlisted posts.
    """
    peer = PeerActor(free_port())
    await peer.server.start_server()
    try:
        yield peer.key
    finally:
        await peer.server.close()
