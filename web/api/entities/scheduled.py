"""The ScheduledStatus entity: when, the request as sent, and the media it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from essaim.actors.models import MediaAttachment, ScheduledStatus
from essaim.uris import LocalURIs
from essaim.web.api.entities.common import timestamp
from essaim.web.api.entities.media import render_media


def render_scheduled(scheduled: ScheduledStatus, media: Sequence[MediaAttachment], uris: LocalURIs) -> dict[str, Any]:
    """`media`: the attachments it holds, in the order the request named them."""
    return {
        "id": str(scheduled.id),
        "scheduled_at": timestamp(scheduled.scheduled_at),
        "params": scheduled.params,
        "media_attachments": [render_media(m, uris) for m in media],
    }
