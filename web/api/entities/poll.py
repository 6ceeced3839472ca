"""The Poll entity, as the viewer sees it (their own votes included)."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import Poll
from essaim.actors.models.base import utcnow
from essaim.web.api.entities.common import optional_timestamp


def render_poll(
    poll: Poll, own_votes: list[int], *, viewer_signed_in: bool, emojis: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    expired = poll.closed_at is not None or (poll.expires_at is not None and poll.expires_at <= utcnow())
    return {
        "id": str(poll.id),
        "expires_at": optional_timestamp(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": sum(poll.option_votes),
        "voters_count": poll.voters_count,
        "options": [
            {"title": title, "votes_count": None if poll.hide_totals and not expired else votes}
            for title, votes in zip(poll.options, poll.option_votes, strict=True)
        ],
        "emojis": emojis or [],
        "voted": bool(own_votes) if viewer_signed_in else None,
        "own_votes": own_votes if viewer_signed_in else None,
    }
