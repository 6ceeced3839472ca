"""The MediaAttachment entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import MediaAttachment
from essaim.uris import LocalURIs


def _size(width: int | None, height: int | None) -> dict[str, Any] | None:
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def _addresses(media: MediaAttachment, uris: LocalURIs) -> tuple[str | None, str | None]:
    """(url, preview_url): our files; a peer's image through our proxy until cached; else the peer's URL."""
    if media.state == "ready" and media.file_name:
        return uris.media(media.file_name), uris.media(media.preview_file_name or media.file_name)
    if media.remote_url and media.type == "image" and media.state != "failed":
        proxy = uris.media_proxy
        return proxy(media.id, media.remote_url), proxy(media.id, media.remote_url, "small")
    return media.remote_url, media.remote_url


def render_media(media: MediaAttachment, uris: LocalURIs) -> dict[str, Any]:
    url, preview = _addresses(media, uris)
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
