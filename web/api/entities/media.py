"""The MediaAttachment entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import MediaAttachment
from essaim.uris import LocalURIs


def _size(width: int | None, height: int | None) -> dict[str, Any] | None:
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def render_media(media: MediaAttachment, uris: LocalURIs) -> dict[str, Any]:
    ready = media.state == "ready"
    # Remote media are not downloaded yet: apps are pointed at the peer's own copy.
    url = uris.media(media.file_name) if ready and media.file_name else media.remote_url
    preview = uris.media(media.preview_file_name) if ready and media.preview_file_name else url
    meta: dict[str, Any] = {"focus": {"x": media.focus_x, "y": media.focus_y}}
    if original := _size(media.width, media.height):
        meta["original"] = original
        scale = min(1.0, 640 / max(media.width or 1, media.height or 1))
        meta["small"] = _size(round((media.width or 0) * scale), round((media.height or 0) * scale))
    return {
        "id": str(media.id),
        "type": media.type,
        "url": url,
        "preview_url": preview,
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": media.blurhash,
    }
