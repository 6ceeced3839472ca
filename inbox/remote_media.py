"""Peers' images, cached on first view: fetched once through the guarded client, capped, re-encoded, kept on disk.

Apps are given this node's `/media_proxy/…` address instead of the peer's (web/media_proxy.py), so a
reader's address never reaches the peer, a peer that vanishes does not blank old posts, and what
reaches apps has been decoded and re-encoded like an upload (no EXIF, no disguised files). Fetching
on the first view rather than on arrival spends nothing on images nobody looks at, and a crash
loses nothing: the next view fetches again.

Only images are cached (the node has no video pipeline); other attachments keep the peer's URL.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from essaim.actors.models import MediaAttachment
from essaim.db import Database
from essaim.federation.client import OutboundRefused, ResponseTooLarge, read_body
from essaim.outbox import limits
from essaim.outbox.actions.media import stored_image
from essaim.outbox.media_processing import MediaError
from essaim.uris import remote_url_digest

log = logging.getLogger(__name__)

ACCEPT_IMAGES = ", ".join(limits.IMAGE_MIME_TYPES)


@dataclass(frozen=True)
class Proxied:
    """What to answer for a proxied image: a cached file (relative to `media.dir`) or the peer's URL."""

    file_name: str | None
    remote_url: str


class _Failed(Exception):
    """The peer's file can never be cached (too big, not an image, a refused address)."""


class RemoteMediaCache:
    """Fetches each remote image at most once at a time per process, and remembers what it stored."""

    def __init__(self, database: Database, client: aiohttp.ClientSession, media_dir: Path) -> None:
        self.database = database
        self.client = client
        self.media_dir = media_dir
        self._fetching: dict[int, asyncio.Lock] = {}

    async def proxied(self, media_id: int, digest: str, *, preview: bool = False) -> Proxied | None:
        """The cached copy of a peer's image (fetched now if needed); None if no such proxied image exists."""
        media = await self._media(media_id, digest)
        if media is None or media.remote_url is None:
            return None
        if media.file_name is None and media.state != "failed":
            lock = self._fetching.setdefault(media_id, asyncio.Lock())
            async with lock:
                media = await self._media(media_id, digest)  # another request may have cached it meanwhile
                if media is not None and media.remote_url and media.file_name is None and media.state != "failed":
                    media = await self._cache(media)
            self._fetching.pop(media_id, None)
        if media is None or media.remote_url is None:
            return None
        name = media.preview_file_name if preview else media.file_name
        if name is not None and not (self.media_dir / name).is_file():
            name = None  # removed from disk behind our back: send the reader to the peer
        return Proxied(name, media.remote_url)

    async def _media(self, media_id: int, digest: str) -> MediaAttachment | None:
        async with self.database.session() as session:
            media = await session.get(MediaAttachment, media_id)
        if media is None or media.remote_url is None or media.type != "image":
            return None
        return media if remote_url_digest(media.remote_url) == digest else None

    async def _cache(self, media: MediaAttachment) -> MediaAttachment:
        remote_url = media.remote_url or ""
        try:
            data = await self._download(remote_url)
            async with stored_image(self.media_dir, data) as stored, self.database.transaction() as session:
                row = await session.get(MediaAttachment, media.id)
                if row is None:  # the post went while we fetched: the block fails, the files are removed
                    raise _Failed("the post was deleted meanwhile")
                image = stored.image
                row.file_name, row.preview_file_name = stored.file_name, stored.preview_file_name
                row.mime_type, row.width, row.height, row.size = image.mime_type, image.width, image.height, len(data)
                row.blurhash = row.blurhash or image.blurhash
                row.state = "ready"
                log.info("cached %s (%d bytes)", remote_url, len(data))
                return row
        except (_Failed, MediaError, ResponseTooLarge, OutboundRefused) as error:
            log.warning("cannot cache %s: %s", remote_url, error)
            return await self._give_up(media.id) or media
        except (aiohttp.ClientError, TimeoutError) as error:  # the peer may be back later: not marked
            log.info("could not fetch %s now: %s", remote_url, error)
            return media

    async def _download(self, url: str) -> bytes:
        async with self.client.get(url, headers={"Accept": ACCEPT_IMAGES}) as response:
            if response.status != 200:
                if response.status in (404, 410):
                    raise _Failed(f"the peer answered {response.status}")
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=response.reason or ""
                )
            return await read_body(response, limits.IMAGE_SIZE_LIMIT)

    async def _give_up(self, media_id: int) -> MediaAttachment | None:
        """Remember that this file cannot be cached, so later views go straight to the peer."""
        async with self.database.transaction() as session:
            row = await session.get(MediaAttachment, media_id)
            if row is not None:
                row.state = "failed"
            return row
