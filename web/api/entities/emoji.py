"""The CustomEmoji entity: this node's own emoji from its media folder, peers' through its cache (media_proxy)."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import CustomEmoji
from essaim.uris import LocalURIs


def render_emoji(emoji: CustomEmoji, uris: LocalURIs) -> dict[str, Any]:
    url: str | None = uris.media(emoji.file_name) if emoji.file_name else None
    if url is None and emoji.image_url:
        url = uris.emoji_image(emoji.id, emoji.image_url)
    return {
        "shortcode": emoji.shortcode,
        "url": url,
        "static_url": url,
        "visible_in_picker": emoji.visible_in_picker,
        "category": emoji.category,
    }
