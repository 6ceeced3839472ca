"""Filter entities: Filter (v2) with its FilterKeyword and FilterStatus, FilterResult, and the v1 Filter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from essaim.actors.filters import FilterResult
from essaim.actors.models import Filter, FilterKeyword, FilterStatus
from essaim.web.api.entities.common import optional_timestamp


def render_keyword(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def render_filter_status(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def _filter_fields(row: Filter) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "context": list(row.contexts),
        "expires_at": optional_timestamp(row.expires_at),
        "filter_action": row.action,
    }


def render_filter(row: Filter, keywords: Sequence[FilterKeyword], statuses: Sequence[FilterStatus]) -> dict[str, Any]:
    return _filter_fields(row) | {
        "keywords": [render_keyword(k) for k in keywords],
        "statuses": [render_filter_status(s) for s in statuses],
    }


def render_filter_result(result: FilterResult) -> dict[str, Any]:
    """The filter without its keywords and posts (Mastodon omits them here), and what matched."""
    return {
        "filter": _filter_fields(result.filter),
        "keyword_matches": result.keyword_matches,
        "status_matches": [str(i) for i in result.status_matches] if result.status_matches is not None else None,
    }


def render_v1_filter(keyword: FilterKeyword, row: Filter) -> dict[str, Any]:
    """The pre-4.0 view: one keyword of a filter, with its filter's contexts and expiry; `hide` is `irreversible`."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(row.contexts),
        "whole_word": keyword.whole_word,
        "expires_at": optional_timestamp(row.expires_at),
        "irreversible": row.action == "hide",
    }
