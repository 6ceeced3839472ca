"""What long commands print while they work: steps, and progress through a known number of items."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def step(label: str) -> Iterator[None]:
    start = time.monotonic()
    print(f"{label}…", end="", flush=True)
    try:
        yield
    except BaseException:
        print(" failed", flush=True)
        raise
    print(f" done ({time.monotonic() - start:.1f} s)", flush=True)


def progress(label: str, done: int, total: int) -> None:
    """One line that updates in a terminal, and a line per tenth of the way otherwise (logs, CI)."""
    width = 24
    filled = width * done // max(total, 1)
    line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    if sys.stdout.isatty():
        print(f"\r{line}", end="\n" if done == total else "", flush=True)
    elif done == total or done % max(total // 10, 1) == 0:
        print(line, flush=True)
