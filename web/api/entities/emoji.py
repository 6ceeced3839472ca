"""The CustomEmoji entity: this node's own emoji from its media folder, peers' at their own address."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import CustomEmoji
from essaim.uris import LocalURIs


def render_emoji(emoji: CustomEmoji, uris: LocalURIs) -> dict[str, Any]:
    url = uris.media(emoji.file_name) if emoji.file_name else emoji.image_url
    return {
        "shortcode": emoji.shortcode,
        "url": url,
        "static_url": url,
        "visible_in_picker": emoji.visible_in_picker,
        "category": emoji.category,
    }
