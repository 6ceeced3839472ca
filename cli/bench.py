"""`essaim bench SCENARIO…`: run the performance scenarios (essaim.bench) against fresh local nodes."""

from __future__ import annotations

import argparse

from essaim.bench import runner
from essaim.config import Config


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser("bench", help="run benchmark scenarios on fresh nodes (see docs/performance.md)")
    runner.add_arguments(bench)
    bench.set_defaults(handler=bench_command)


def bench_command(_config: Config, args: argparse.Namespace) -> int:
    return runner.main(args)
