"""The benchmark scenarios, one module each (`s1_inbox`, …), each defining `SCENARIO`."""

from __future__ import annotations

import importlib
import pkgutil

from essaim.bench.scenario import Scenario


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario by name (S1, S5, …), in the order of their numbers."""
    found: dict[str, Scenario] = {}
    for module in pkgutil.iter_modules(__path__):
        scenario = importlib.import_module(f"{__name__}.{module.name}").SCENARIO
        found[scenario.name] = scenario
    return dict(sorted(found.items(), key=lambda item: int(item[0][1:])))
