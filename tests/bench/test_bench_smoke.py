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


async def _smoke(name: str, folder: Path) -> dict[str, int]:
    report = await run_scenario(all_scenarios()[name], ENGINE, "smoke", 1, folder)
    print(as_table(report))
    [run] = report.runs
    assert report.checks_passed, run.checks
    assert set(report.figures) >= {"cpu_s_per_1k_ops", "rss_idle_mb", "rss_peak_mb", "db_growth_mb"}
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
