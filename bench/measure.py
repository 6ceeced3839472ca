"""Figures from raw measurements: percentiles, a node's resource use, runs summarised, the machine described.

A scenario's run returns a `RunResult` (its figures, the raw baselines measured in the same run,
and its correctness checks); `summarise` turns several runs into median, min and max.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from essaim.bench.process import PINNING, BenchNode, ProcessStats, pg_scalar

PACKAGES = ("essaim", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "cryptography", "bleach")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no values): p99 of 100 latencies is the 99th smallest."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(prefix: str, latencies: Sequence[float]) -> dict[str, float]:
    """`<prefix>_p50_ms` and `<prefix>_p99_ms`."""
    return {
        f"{prefix}_p50_ms": percentile(latencies, 0.50) * 1000,
        f"{prefix}_p99_ms": percentile(latencies, 0.99) * 1000,
    }


async def node_usage(
    node: BenchNode, idle: ProcessStats, before: ProcessStats, db_before_mb: float, operations: int
) -> dict[str, float]:
    """What the node spent on `operations` since `before` was read: CPU seconds per 1 000 of them, database
    growth; and its memory when `idle` was read (just started) and at its peak."""
    now = node.stats()
    cpu = now.cpu_seconds - before.cpu_seconds
    return {
        "cpu_s_per_1k_ops": cpu * 1000 / operations if operations else 0.0,
        "rss_idle_mb": idle.rss_mb,
        "rss_peak_mb": now.peak_rss_mb,
        "db_growth_mb": await node.database_mb() - db_before_mb,
    }


@dataclass
class RunResult:
    """One run of a scenario: figures of the node, the machine's limits measured beside them, the checks."""

    figures: dict[str, float] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # what the checks compared, for the report
    notes: list[str] = field(default_factory=list)  # what the node logged that explains a failed check


@dataclass(frozen=True)
class Spread:
    median: float
    min: float
    max: float


def spread(values: Sequence[float]) -> Spread:
    return Spread(statistics.median(values), min(values), max(values))


def summarise(runs: Sequence[RunResult], attribute: str) -> dict[str, Spread]:
    """Median, min and max of each figure (or baseline) over the runs."""
    names = getattr(runs[0], attribute).keys()
    return {name: spread([getattr(run, attribute)[name] for run in runs]) for name in names}


async def environment(engine: str) -> dict[str, object]:
    """The machine and software the figures come from, to print and store beside them."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    versions["python"] = platform.python_version()
    versions["sqlite"] = sqlite3.sqlite_version
    if engine == "postgresql":
        versions["postgresql"] = await pg_scalar("SHOW server_version")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "pinned": PINNING,
        "platform": platform.platform(),
        "versions": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
