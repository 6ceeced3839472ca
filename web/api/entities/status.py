"""The Status entity: every field present (null or [] where Mastodon has them so), per viewer."""

from __future__ import annotations

from typing import Any

from essaim.actors.hydrate import StatusData
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.common import optional_timestamp, timestamp
from essaim.web.api.entities.emoji import render_emoji
from essaim.web.api.entities.filter import render_filter_result
from essaim.web.api.entities.media import render_media
from essaim.web.api.entities.poll import render_poll


def render_status(data: StatusData, uris: LocalURIs, viewer_id: int | None) -> dict[str, Any]:
    status = data.status
    account = data.account.actor
    emojis = [render_emoji(emoji, uris) for emoji in data.emojis]
    rendered: dict[str, Any] = {
        "id": str(status.id),
        "uri": status.uri,
        "url": status.url or status.uri,
        "created_at": timestamp(status.published),
        "edited_at": optional_timestamp(status.edited_at),
        "account": render_account(data.account, uris),
        "content": status.content,
        "visibility": status.visibility,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "language": status.language,
        "media_attachments": [render_media(m, uris) for m in data.media],
        "application": (
            {"name": data.application.name, "website": data.application.website} if data.application else None
        ),
        "mentions": [
            {
                "id": str(actor.id),
                "username": actor.username,
                "acct": actor.username if actor.domain is None else f"{actor.username}@{actor.domain}",
                "url": actor.url or actor.uri,
            }
            for actor in data.mentions
        ],
        "tags": [{"name": tag.display_name, "url": uris.tag_page(tag.name)} for tag in data.tags],
        "emojis": emojis,
        "reblogs_count": data.reblogs,
        "favourites_count": data.favourites,
        "replies_count": data.replies,
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None,
        "reblog": render_status(data.reblog, uris, viewer_id) if data.reblog else None,
        "poll": (
            render_poll(data.poll, data.own_votes, viewer_signed_in=viewer_id is not None, emojis=emojis)
            if data.poll
            else None
        ),
        "card": None,
        "filtered": [render_filter_result(r) for r in data.filtered],
    }
    if viewer_id is not None:
        rendered |= {
            "favourited": data.favourited,
            "reblogged": data.reblogged,
            "muted": data.muted,
            "bookmarked": data.bookmarked,
        }
        if account.id == viewer_id:
            rendered["pinned"] = data.pinned
    return rendered
