"""What a scenario is: a name, its sizes, one async run, the targets of issue #8 and the ratios it reports.

A scenario module in `essaim.bench.scenarios` defines `SCENARIO`; the runner finds it there, so
adding a scenario is adding one module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from essaim.bench.measure import RunResult

SIZES = ("smoke", "medium", "full")


@dataclass(frozen=True)
class RunContext:
    """One run: the engine, the parameters of the chosen size, a folder of its own, a seed for its data."""

    engine: str
    params: Mapping[str, int]
    folder: Path
    seed: int


@dataclass(frozen=True)
class Target:
    """A goal for a figure: at least `minimum`, or below `maximum`."""

    figure: str
    minimum: float | None = None
    maximum: float | None = None

    def met(self, value: float) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value < self.maximum

    def __str__(self) -> str:
        return f">= {self.minimum:g}" if self.minimum is not None else f"< {self.maximum:g}"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    sizes: Mapping[str, Mapping[str, int]]  # smoke, medium, full → parameters
    run: Callable[[RunContext], Awaitable[RunResult]]
    targets: tuple[Target, ...] = ()
    ratios: tuple[tuple[str, str], ...] = ()  # (figure, baseline): the figure as a share of the machine's limit
