"""Server processes a benchmark runs: an Essaim node on a fresh database, or a bare aiohttp baseline.

Each is a real process on a free 127.0.0.1 port, pinned to one core when the machine has two
(the load generator takes the other), and read through /proc: CPU seconds, resident memory now
and at its peak. The node's database is created for the run and removed after it (a throwaway
PostgreSQL database on `BenchNode.pg_server`, or a SQLite file in the run's folder).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from essaim.db import Database

PYTHON = sys.executable
START_TIMEOUT = 60.0
PG_SERVER = os.environ.get("ESSAIM_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
SERVER_CORE, CLIENT_CORE = 0, 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Server and client on cores of their own: only when there are two to give (decided before the client pins itself).
PINNING = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def pin_client() -> None:
    """Keep the load generator (this process) off the server's core."""
    if PINNING:
        os.sched_setaffinity(0, {CLIENT_CORE})


@dataclass(frozen=True)
class ProcessStats:
    """What /proc says of a process: CPU seconds used so far, resident memory now and at its peak (MB)."""

    cpu_seconds: float
    rss_mb: float
    peak_rss_mb: float


def process_stats(pid: int) -> ProcessStats:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime
    memory = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            memory[name] = int(value.split()[0]) / 1024
    return ProcessStats(cpu, memory["VmRSS"], memory["VmHWM"])


@dataclass
class ServerProcess:
    """A server command on a free port, its output in `folder/server.log`."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def stats(self) -> ProcessStats:
        return process_stats(self.pid)

    def launch(self, command: list[str], env: dict[str, str] | None = None) -> None:
        """Start the command, pin it to the server's core, and wait until it listens."""
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(command, env=env, cwd=self.folder, stdout=log, stderr=log)
        if PINNING:
            os.sched_setaffinity(self.process.pid, {SERVER_CORE})
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{command[-1]} exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{command[-1]} did not listen within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


class BareServer(ServerProcess):
    """The baseline: a bare aiohttp handler (essaim.bench.bare_server) on the same core a node would get."""

    def start(self) -> None:
        self.launch([PYTHON, "-m", "essaim.bench.bare_server", str(self.port)])


@dataclass
class BenchNode(ServerProcess):
    """An Essaim node on a database of its own, made by `essaim init` and dropped by `destroy`."""

    engine: str = "sqlite"
    database_url: str = ""
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url:
            if self.engine == "sqlite":
                self.database_url = f"sqlite+aiosqlite:///{self.folder / 'essaim.db'}"
            else:
                self.database_url = f"{PG_SERVER}/essaim_bench_{uuid.uuid4().hex[:16]}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
        return (
            env
            | {
                "ESSAIM_NODE_BASE_URL": self.base_url,
                "ESSAIM_SERVER_PORT": str(self.port),
                "ESSAIM_DATABASE_URL": self.database_url,
                "ESSAIM_MEDIA_DIR": str(self.folder / "media"),
                "ESSAIM_FEDERATION_ALLOWED_PRIVATE_RANGES": "127.0.0.1/32",
                "ESSAIM_SERVER_RATE_LIMIT": "0",  # every request of a benchmark comes from 127.0.0.1
            }
            | self.settings
        )

    def init(self) -> None:
        """`essaim init`: create the database, migrate it, make the node's own records."""
        subprocess.run(
            [PYTHON, "-m", "essaim.cli.main", "init"], env=self.env, cwd=self.folder, check=True, capture_output=True
        )

    def start(self) -> None:
        self.launch([PYTHON, "-m", "essaim.cli.main", "run"], self.env)

    def database(self) -> Database:
        """A connection pool of the bench process to the node's database (seeding, counting)."""
        return Database(self.database_url)

    async def database_mb(self) -> float:
        """The size of the database: the SQLite file and its WAL, or what PostgreSQL reports."""
        if self.engine == "sqlite":
            files = self.folder.glob("essaim.db*")
            return sum(path.stat().st_size for path in files) / 2**20
        name = self.database_url.rsplit("/", 1)[1]
        return int(await pg_scalar(f"SELECT pg_database_size('{name}')")) / 2**20

    async def destroy(self) -> None:
        """Stop the node and remove its database and folder."""
        self.stop()
        if self.engine == "postgresql":
            name = self.database_url.rsplit("/", 1)[1]
            await pg_scalar(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)


async def pg_scalar(statement: str) -> str:
    """One value from the PostgreSQL server (in its `postgres` database) as text, "" for a statement without."""
    engine = create_async_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            return str(result.scalar()) if result.returns_rows else ""
    finally:
        await engine.dispose()


async def run_pinned(command: list[str], folder: Path) -> str:
    """Run a command to its end on the server's core (a baseline measured where the node runs), while this
    process's loop keeps serving (the command may talk to its servers); its output."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    if PINNING:
        os.sched_setaffinity(process.pid, {SERVER_CORE})
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    if process.returncode:
        raise RuntimeError(f"{command[-1]} exited with {process.returncode}:\n{output.decode()[-3000:]}")
    return output.decode()
