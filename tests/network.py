"""Watch the sockets this test process opens: proof that a refusal happened before any connection."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_connects: list[list[Any]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _connects:
        _connects[-1].append(args[1])


sys.addaudithook(_audit)  # once per process: audit hooks cannot be removed


@contextmanager
def recorded_connects() -> Iterator[list[Any]]:
    """Every address this process passes to socket.connect while the block runs."""
    seen: list[Any] = []
    _connects.append(seen)
    try:
        yield seen
    finally:
        _connects.remove(seen)
