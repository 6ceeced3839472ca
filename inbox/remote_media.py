"""Peers' images, cached on first view: fetched once through the guarded client, capped, re-encoded, kept on disk.

Apps are given this node's `/media_proxy/…` address instead of the peer's (web/media_proxy.py), so a
reader's address never reaches the peer, a peer that vanishes does not blank old posts, and what
reaches apps has been decoded and re-encoded like an upload (no EXIF, no disguised files). Fetching
on the first view rather than on arrival spends nothing on images nobody looks at, and a crash
loses nothing: the next view fetches again.

Two kinds of row hold what was cached: a post's `MediaAttachment` (only images: the node has no
video pipeline, other attachments keep the peer's URL), and a `RemoteImage` for the avatars,
headers and emoji images of peers, keyed by URL. Either is marked `failed` when its file can never
be cached, so later views go straight to the peer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
from sqlalchemy import select

from essaim.actors.models import MediaAttachment, RemoteImage
from essaim.actors.writes import insert_ignoring_duplicates
from essaim.db import Database
from essaim.federation.client import OutboundRefused, ResponseTooLarge, read_body
from essaim.outbox import limits
from essaim.outbox.actions.media import stored_image
from essaim.outbox.media_processing import MediaError
from essaim.uris import remote_url_digest

log = logging.getLogger(__name__)

ACCEPT_IMAGES = ", ".join(limits.IMAGE_MIME_TYPES)

Cached = TypeVar("Cached", MediaAttachment, RemoteImage)


@dataclass(frozen=True)
class Proxied:
    """What to answer for a proxied image: a cached file (relative to `media.dir`) or the peer's URL."""

    file_name: str | None
    remote_url: str


class _Failed(Exception):
    """The peer's file can never be cached (too big, not an image, a refused address)."""


def image_key(remote_url: str) -> str:
    """The `RemoteImage.url_digest` of a URL: the whole SHA-256, so two URLs never share a row."""
    return hashlib.sha256(remote_url.encode()).hexdigest()


class RemoteMediaCache:
    """Fetches each remote image at most once at a time per process, and remembers what it stored."""

    def __init__(self, database: Database, client: aiohttp.ClientSession, media_dir: Path) -> None:
        self.database = database
        self.client = client
        self.media_dir = media_dir
        self._fetching: dict[tuple[str, int], asyncio.Lock] = {}

    async def proxied(self, media_id: int, digest: str, *, preview: bool = False) -> Proxied | None:
        """The cached copy of a post's image from a peer (fetched now if needed); None if no such image exists."""

        async def media() -> MediaAttachment | None:
            async with self.database.session() as session:
                found = await session.get(MediaAttachment, media_id)
            if found is None or found.remote_url is None or found.type != "image":
                return None
            return found if remote_url_digest(found.remote_url) == digest else None

        found = await self._cached(await media(), media)
        if found is None or found.remote_url is None:
            return None
        return self._answer(found.preview_file_name if preview else found.file_name, found.remote_url)

    async def proxied_image(self, remote_url: str) -> Proxied:
        """The cached copy of a peer's avatar, header or emoji image; the caller checked that one names it."""
        key = image_key(remote_url)

        async def image() -> RemoteImage | None:
            async with self.database.session() as session:
                return await session.scalar(select(RemoteImage).where(RemoteImage.url_digest == key))

        if await image() is None:
            async with self.database.transaction() as session:
                await insert_ignoring_duplicates(session, RemoteImage, url_digest=key, remote_url=remote_url)
        found = await self._cached(await image(), image)
        return self._answer(found.file_name if found is not None else None, remote_url)

    def _answer(self, name: str | None, remote_url: str) -> Proxied:
        if name is not None and not (self.media_dir / name).is_file():
            name = None  # removed from disk behind our back: send the reader to the peer
        return Proxied(name, remote_url)

    async def _cached(self, row: Cached | None, reload: Callable[[], Awaitable[Cached | None]]) -> Cached | None:
        """`row` with its file, fetched now unless it has one or failed before; one fetch at a time per row."""
        if row is None or not _to_fetch(row):
            return row
        key = (type(row).__name__, row.id)
        async with self._fetching.setdefault(key, asyncio.Lock()):
            row = await reload()  # another request may have cached it meanwhile
            if row is not None and _to_fetch(row):
                row = await self._cache(row)
        self._fetching.pop(key, None)
        return row

    async def _cache(self, row: Cached) -> Cached:
        model, remote_url = type(row), row.remote_url or ""
        try:
            data = await self._download(remote_url)
            async with stored_image(self.media_dir, data) as stored, self.database.transaction() as session:
                fresh = await session.get(model, row.id)
                if fresh is None:  # its post or profile went while we fetched: the files are removed
                    raise _Failed("no longer shown")
                image = stored.image
                fresh.file_name, fresh.preview_file_name = stored.file_name, stored.preview_file_name
                fresh.mime_type, fresh.width, fresh.height, fresh.size = (
                    image.mime_type,
                    image.width,
                    image.height,
                    len(data),
                )
                if isinstance(fresh, MediaAttachment):
                    fresh.blurhash = fresh.blurhash or image.blurhash
                fresh.state = "ready"
                log.info("cached %s (%d bytes)", remote_url, len(data))
                return fresh
        except (_Failed, MediaError, ResponseTooLarge, OutboundRefused) as error:
            log.warning("cannot cache %s: %s", remote_url, error)
            return await self._give_up(model, row.id) or row
        except (aiohttp.ClientError, TimeoutError) as error:  # the peer may be back later: not marked
            log.info("could not fetch %s now: %s", remote_url, error)
            return row

    async def _download(self, url: str) -> bytes:
        async with self.client.get(url, headers={"Accept": ACCEPT_IMAGES}) as response:
            if response.status != 200:
                if response.status in (404, 410):
                    raise _Failed(f"the peer answered {response.status}")
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=response.reason or ""
                )
            return await read_body(response, limits.IMAGE_SIZE_LIMIT)

    async def _give_up(self, model: type[Cached], row_id: int) -> Cached | None:
        """Remember that this file cannot be cached, so later views go straight to the peer."""
        async with self.database.transaction() as session:
            row = await session.get(model, row_id)
            if row is not None:
                row.state = "failed"
            return row


def _to_fetch(row: MediaAttachment | RemoteImage) -> bool:
    return row.file_name is None and row.state != "failed"
