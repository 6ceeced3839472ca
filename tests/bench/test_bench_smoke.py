"""The benchmark scenarios at smoke size, on the test engine: their correctness checks, never their timings.

Each runs once against a real node (and its baselines), so a change that breaks a scenario, or
makes the node store the wrong posts under load, fails here; the figures are only shown.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from essaim.bench.report import as_table
from essaim.bench.runner import main, run_scenario
from essaim.bench.scenarios import all_scenarios
from tests.conftest import ENGINE


async def _smoke(name: str, folder: Path, *, usage: bool = True) -> dict[str, int]:
    """Run a scenario once at smoke size: its checks must pass; `usage`: it reports the node's CPU, memory
    and database growth, and positive baselines."""
    report = await run_scenario(all_scenarios()[name], ENGINE, "smoke", 1, folder)
    print(as_table(report))
    [run] = report.runs
    assert report.checks_passed, (run.checks, run.notes)
    assert "rss_peak_mb" in report.figures
    if usage:
        assert set(report.figures) >= {"cpu_s_per_1k_ops", "rss_idle_mb", "db_growth_mb"}
        assert all(value.median > 0 for value in report.baselines.values()), report.baselines
    return run.counts


async def test_s1_stores_exactly_the_valid_distinct_posts(tmp_path: Path) -> None:
    counts = await _smoke("S1", tmp_path)
    assert counts["stored"] == counts["valid"] > 0
    assert counts["duplicate"] and counts["bad_signature"] and counts["unknown_actor"]


async def test_s5_stores_every_post(tmp_path: Path) -> None:
    counts = await _smoke("S5", tmp_path)
    assert counts["stored"] == counts["posted"] == counts["answered_200"] > 0


async def test_s6_fetches_each_unknown_actor_once(tmp_path: Path) -> None:
    counts = await _smoke("S6", tmp_path)
    assert counts["fetched_once"] == counts["actors"] == counts["stored"] > 0
    assert counts["other_fetches"] == 0


def test_an_unknown_scenario_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(scenarios=["S99"], engine=ENGINE, size="smoke", runs=1, json=None)
    assert main(args) == 2
    assert "unknown scenario S99" in capsys.readouterr().out


async def test_s2_pages_hold_the_expected_posts(tmp_path: Path) -> None:
    counts = await _smoke("S2", tmp_path)
    assert counts["pages_right"] == counts["checked"] > 0


async def test_s3_each_healthy_inbox_gets_each_post_once(tmp_path: Path) -> None:
    counts = await _smoke("S3", tmp_path, usage=False)
    assert counts["healthy_deliveries"] == counts["healthy_hosts"] * counts["posts"] > 0
    assert counts["failing_attempts"] > 0


async def test_s4_every_feed_and_stream_gets_the_post(tmp_path: Path) -> None:
    counts = await _smoke("S4", tmp_path, usage=False)
    assert counts["feed_rows"] == (counts["followers"] + 1) * counts["posts"]
    assert counts["streams_exact"] == counts["streams"] > 0


async def test_s7_drains_every_queued_post_once(tmp_path: Path) -> None:
    counts = await _smoke("S7", tmp_path, usage=False)
    assert counts["stored"] == counts["queued"] > 0 and counts["jobs_left"] == 0
