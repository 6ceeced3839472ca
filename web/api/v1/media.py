"""`/api/v1/media`: upload an image, read it back, describe it; see docs/api.md.

Uploads are read from the multipart body as a stream with a cap per part, rather than through
`Params.of` (which buffers the whole form): an oversized file is refused after 16 MiB, not
after the whole body has arrived. Images are processed within the request (a worker thread),
so an upload answers with a ready attachment: 200, with `url` set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage
from multidict import MultiDict

from essaim.outbox.actions.media import (
    MediaDetails,
    check_media_details,
    do_create_media,
    do_update_media,
    own_media,
    stored_image,
)
from essaim.outbox.limits import IMAGE_SIZE_LIMIT
from essaim.outbox.media_processing import MediaError
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.media import render_media
from essaim.web.api.params import Params, parse_id
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()

SCOPE = "write:media"  # Mastodon asks for it on every media endpoint, reading one's own uploads included
FIELD_LIMIT = 64 * 1024  # bytes in one text field of the form (a description is at most 1500 characters)
MAX_PARTS = 50
_CHUNK = 64 * 1024


@routes.post("/api/v1/media")
async def create_media(request: web.Request) -> web.Response:
    """The legacy upload: always answered once processed (200)."""
    return await upload(request)


async def upload(request: web.Request) -> web.Response:
    """Check, process and store an upload; 200 with the MediaAttachment. Shared with `POST /api/v2/media`.

    Anything refused (no file, not an image, too large, too many pixels, bad description or
    focus) is a 422 and leaves no row and no file behind.
    """
    token = await authenticate(request, SCOPE)
    data, params = await _read_upload(request)
    if data is None:
        raise ApiError(422, "file is missing: send the image as multipart/form-data in a field named file")
    details = _details(params)
    media_dir = Path(request.app[CONFIG].media.dir)
    database = request.app[DATABASE]
    try:
        async with stored_image(media_dir, data) as stored, database.transaction() as session:
            media = await do_create_media(session, token.user.actor_id, stored, details)
    except MediaError as exc:
        raise ApiError(422, exc.message) from None
    return web.json_response(render_media(media, request.app[URIS]))


@routes.get("/api/v1/media/{id}")
async def show_media(request: web.Request) -> web.Response:
    """One's own upload; 206 while it is still being processed (as Mastodon), 404 for anyone else's."""
    token = await authenticate(request, SCOPE)
    media_id = parse_id(request.match_info["id"])
    async with request.app[DATABASE].session() as session:
        media = await own_media(session, token.user.actor_id, media_id)
    if media is None:
        raise ApiError(404, "Record not found")
    status = 206 if media.state == "processing" else 200
    return web.json_response(render_media(media, request.app[URIS]), status=status)


@routes.put("/api/v1/media/{id}")
async def update_media(request: web.Request) -> web.Response:
    """Change the description or focal point of one's own upload (`thumbnail` is ignored: images only)."""
    token = await authenticate(request, SCOPE)
    media_id = parse_id(request.match_info["id"])
    details = _details(await Params.of(request))
    async with request.app[DATABASE].transaction() as session:
        media = await own_media(session, token.user.actor_id, media_id)
        if media is None:
            raise ApiError(404, "Record not found")
        do_update_media(media, details)
    return web.json_response(render_media(media, request.app[URIS]))


def _details(params: Params) -> MediaDetails:
    try:
        return check_media_details(params.text("description"), params.text("focus"))
    except MediaError as exc:
        raise ApiError(422, exc.message) from None


async def _read_upload(request: web.Request) -> tuple[bytes | None, Params]:
    """The `file` part (None if absent) and the other fields, query string included; ignored files are skipped."""
    if request.content_type != "multipart/form-data":
        raise ApiError(422, "file is missing: send the image as multipart/form-data in a field named file")
    values: MultiDict[Any] = MultiDict(request.query)
    data: bytes | None = None
    try:
        reader = await request.multipart()
        for _ in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                return data, Params(values)
            if not isinstance(part, BodyPartReader):
                raise ApiError(422, "Malformed multipart body: nested multipart parts are not accepted")
            if part.name == "file" and data is None:
                # One byte over the limit is enough for process_image to refuse the file with its own message.
                data = await _read_part(part, IMAGE_SIZE_LIMIT + 1)
                if len(data) > IMAGE_SIZE_LIMIT:
                    return data, Params(values)  # aiohttp reads and drops the rest of the body before answering
            elif part.filename is not None:  # `thumbnail` (for video and audio, which we do not take): skipped
                if len(await _read_part(part, IMAGE_SIZE_LIMIT + 1)) > IMAGE_SIZE_LIMIT:
                    raise ApiError(422, f"{part.name} is too large")
            else:
                raw = await _read_part(part, FIELD_LIMIT + 1)
                if len(raw) > FIELD_LIMIT:
                    raise ApiError(422, f"{part.name} is too long")
                values.add(part.name or "", raw.decode(part.get_charset("utf-8")))
    except (ValueError, LookupError, RuntimeError, BadHttpMessage) as exc:  # UnicodeDecodeError is a ValueError
        raise ApiError(422, f"Malformed multipart body: {exc}") from None
    raise ApiError(422, f"Malformed multipart body: more than {MAX_PARTS} parts")


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    """The part as sent (no transfer decoding: RFC 7578 forbids it), or its first `limit` bytes if longer."""
    kept = bytearray()
    while len(kept) < limit and (chunk := await part.read_chunk(_CHUNK)):
        kept += chunk
    return bytes(kept[:limit])
