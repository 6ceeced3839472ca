"""A scenario's runs as a report: median, min and max of each figure, ratios to the baselines,
targets met or missed, checks passed; printed as a table and written as JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from essaim.bench.measure import RunResult, Spread, summarise
from essaim.bench.scenario import Scenario


@dataclass
class Report:
    scenario: str
    title: str
    engine: str
    size: str
    params: dict[str, int]
    environment: dict[str, object]
    figures: dict[str, Spread]
    baselines: dict[str, Spread]
    ratios: dict[str, float]  # "figure / baseline" → median over median
    targets: dict[str, dict[str, Any]]  # figure → {"target": ">= 2000", "met": bool}
    checks_passed: bool
    runs: list[RunResult]


def build_report(
    scenario: Scenario, engine: str, size: str, environment: dict[str, object], runs: Sequence[RunResult]
) -> Report:
    figures, baselines = summarise(runs, "figures"), summarise(runs, "baselines")
    ratios = {
        f"{figure} / {baseline}": figures[figure].median / baselines[baseline].median
        for figure, baseline in scenario.ratios
        if baselines[baseline].median
    }
    targets = {t.figure: {"target": str(t), "met": t.met(figures[t.figure].median)} for t in scenario.targets}
    passed = all(all(run.checks.values()) for run in runs)
    return Report(
        scenario.name,
        scenario.title,
        engine,
        size,
        dict(scenario.sizes[size]),
        environment,
        figures,
        baselines,
        ratios,
        targets,
        passed,
        list(runs),
    )


def as_table(report: Report) -> str:
    """The report as text: one line per figure and baseline, then ratios and checks."""
    lines = [
        f"{report.scenario} {report.title} — {report.engine}, size {report.size}, {len(report.runs)} run(s)",
        f"{'figure':<28} {'median':>11} {'min':>11} {'max':>11}  target",
    ]
    for name, value in report.figures.items():
        target = report.targets.get(name)
        verdict = f"{target['target']} {'met' if target['met'] else 'MISSED'}" if target else ""
        lines.append(f"{name:<28} {value.median:>11.2f} {value.min:>11.2f} {value.max:>11.2f}  {verdict}")
    lines.append("raw baselines (same run)")
    for name, value in report.baselines.items():
        lines.append(f"{name:<28} {value.median:>11.2f} {value.min:>11.2f} {value.max:>11.2f}")
    for name, ratio in report.ratios.items():
        lines.append(f"ratio {name}: {ratio:.3f}")
    for number, run in enumerate(report.runs, 1):
        checks = ", ".join(f"{k} {'ok' if v else 'FAILED'}" for k, v in run.checks.items())
        counts = ", ".join(f"{k}={v}" for k, v in run.counts.items())
        lines.append(f"run {number} checks: {checks} ({counts})")
        lines.extend(f"  node log: {note[:300]}" for note in run.notes)
    return "\n".join(lines)


def environment_lines(environment: dict[str, object]) -> str:
    versions = environment["versions"]
    assert isinstance(versions, dict)
    shown = ", ".join(f"{name} {version}" for name, version in versions.items())
    pinned = "server on core 0, client on core 1" if environment["pinned"] else "not pinned"
    return f"{environment['cpu']} ({environment['cores']} cores, {pinned}); {shown}"


def write_json(path: Path, reports: Sequence[Report]) -> None:
    path.write_text(json.dumps([dataclasses.asdict(r) for r in reports], indent=2) + "\n")
