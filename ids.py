"""Time-ordered numeric ids, Mastodon style.

Mastodon apps sort and page by id and some crash on ids that are not numeric
strings, so every row id is a 64-bit integer: milliseconds since the Unix epoch
in the high bits, 16 low bits from a per-process sequence that starts at a
random value (two processes seldom pick the same bits in the same millisecond;
the primary key refuses the rare clash). APIs serialise them as strings.
"""

from __future__ import annotations

import secrets
import threading
import time

_SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << _SEQUENCE_BITS) - 1


class _Generator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._used_in_ms = 0
        self._sequence = secrets.randbits(_SEQUENCE_BITS)

    def next(self, now_ms: int | None = None) -> int:
        with self._lock:
            ms = int(time.time() * 1000) if now_ms is None else now_ms
            ms = max(ms, self._last_ms)  # never go back in time, even if the clock does
            self._used_in_ms = self._used_in_ms + 1 if ms == self._last_ms else 1
            if self._used_in_ms > _SEQUENCE_MASK:  # every sequence value used: borrow the next millisecond
                ms, self._used_in_ms = ms + 1, 1
            self._last_ms = ms
            self._sequence = (self._sequence + 1) & _SEQUENCE_MASK
            return (ms << _SEQUENCE_BITS) | self._sequence


_generator = _Generator()


def new_id() -> int:
    """A fresh, unique, time-ordered id."""
    return _generator.next()


def id_at(timestamp: float) -> int:
    """The smallest id that a row created at `timestamp` (seconds) can have: for time-based paging."""
    return int(timestamp * 1000) << _SEQUENCE_BITS


def timestamp_of(row_id: int) -> float:
    """When the id was made, in seconds since the epoch."""
    return (row_id >> _SEQUENCE_BITS) / 1000
