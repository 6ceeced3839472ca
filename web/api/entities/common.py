"""Formats every entity shares: timestamps and ids as Mastodon clients parse them."""

from __future__ import annotations

from datetime import datetime


def timestamp(moment: datetime) -> str:
    """ISO 8601 with milliseconds and `Z` (Toot! and others refuse anything else)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def optional_timestamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None
