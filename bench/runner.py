"""`essaim bench` and `python -m essaim.bench`: run scenarios on an engine at a size, print and save the reports.

The runner pins itself to the client core, runs each scenario `--runs` times (a fresh node and
database each time) and exits with 1 when a correctness check failed; missed targets are
reported, never fatal.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from essaim.bench.measure import RunResult, environment
from essaim.bench.process import pin_client
from essaim.bench.report import Report, as_table, build_report, environment_lines, write_json
from essaim.bench.scenario import SIZES, RunContext, Scenario
from essaim.bench.scenarios import all_scenarios


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="S1, S5, S6… or `all`")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=SIZES, default="smoke")
    parser.add_argument("--runs", type=int, default=3, help="measured runs, each on a fresh node (default 3)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the reports as JSON")


async def run_scenario(scenario: Scenario, engine: str, size: str, runs: int, folder: Path) -> Report:
    results: list[RunResult] = []
    for number in range(runs):
        context = RunContext(engine, scenario.sizes[size], folder / f"{scenario.name}-{number}", seed=number)
        context.folder.mkdir(parents=True)
        results.append(await scenario.run(context))
    return build_report(scenario, engine, size, await environment(engine), results)


def main(args: argparse.Namespace) -> int:
    known = all_scenarios()
    names = list(known) if args.scenarios == ["all"] else [name.upper() for name in args.scenarios]
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"essaim bench: unknown scenario {', '.join(unknown)} (known: {', '.join(known)})")
        return 2
    pin_client()
    reports = []
    with tempfile.TemporaryDirectory(prefix="essaim-bench-") as folder:
        for name in names:
            report = asyncio.run(run_scenario(known[name], args.engine, args.size, max(1, args.runs), Path(folder)))
            print(as_table(report), end="\n\n", flush=True)
            reports.append(report)
    print(environment_lines(reports[0].environment))
    if args.json:
        write_json(args.json, reports)
    return 0 if all(report.checks_passed for report in reports) else 1
