"""Snowflake ids: unique, numeric, ordered by creation time."""

from __future__ import annotations

import time

from essaim.ids import _Generator, id_at, new_id, timestamp_of


def test_ids_are_unique_and_increase_with_time() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2**63 for i in ids)
    before = new_id()
    time.sleep(0.002)
    assert new_id() > before


def test_ids_carry_their_creation_time() -> None:
    now = time.time()
    created = new_id()
    assert abs(timestamp_of(created) - now) < 1
    assert id_at(now - 1) < created < id_at(now + 1)


def test_a_clock_going_back_does_not_reuse_ids() -> None:
    generator = _Generator()
    first = generator.next(now_ms=1_000_000)
    second = generator.next(now_ms=999_000)
    assert second > first >> 16 << 16
    assert second != first


def test_a_crowded_millisecond_borrows_the_next() -> None:
    generator = _Generator()
    ids = [generator.next(now_ms=5_000) for _ in range(70_000)]
    assert len(set(ids)) == 70_000
    assert max(ids) >> 16 == 5_001
