"""The delivery ledger as JSON (Essaim extensions): a post's deliveries per host, and peer hosts for admins."""

from __future__ import annotations

from typing import Any

from essaim.outbox.ledger import HostState, HostSummary, PostHost
from essaim.web.api.entities.common import optional_timestamp, timestamp


def render_host_state(state: HostState) -> dict[str, Any]:
    return {
        "host": state.host,
        "state": state.state.value,
        "since": timestamp(state.since),
        "attempts": state.attempts,
        "last_status": state.last_status,
        "last_error": state.last_error,
        "next_attempt_at": optional_timestamp(state.next_attempt_at),
        "inboxes": state.inboxes,
        "delivered": state.delivered,
    }


def render_post_host(entry: PostHost) -> dict[str, Any]:
    """One host: its overall state, then each of the post's activities there (without repeating the host)."""
    activities = []
    for activity in entry.activities:
        detail = render_host_state(activity.state)
        del detail["host"]
        activities.append({"id": activity.activity_id, "type": activity.type} | detail)
    return render_host_state(entry.overall) | {"activities": activities}


def render_host_summary(summary: HostSummary) -> dict[str, Any]:
    return {
        "host": summary.host,
        "queued": summary.queued,
        "retrying": summary.retrying,
        "gave_up": summary.gave_up,
        "last_success_at": optional_timestamp(summary.last_success_at),
        "last_failure_at": optional_timestamp(summary.last_failure_at),
        "last_error": summary.last_error,
        "consecutive_failures": summary.consecutive_failures,
        "failing_since": optional_timestamp(summary.failing_since),
        "breaker": summary.breaker,
        "resting_until": optional_timestamp(summary.resting_until),
        "unreachable": summary.unreachable_since is not None,
        "unreachable_since": optional_timestamp(summary.unreachable_since),
    }
