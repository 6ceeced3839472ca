"""The Server-Sent Events endpoints Mastodon.py and older apps use: one stream per request.

`GET /api/v1/streaming/{user, user/notification, public, public/local, public/remote, hashtag,
hashtag/local, list, direct}` (`tag`, `list` and `only_media` as query parameters) answer
`text/event-stream`: `event: update` / `data: <Status JSON>` blocks, a comment line as heartbeat.
A stream the caller may not read is refused before the response starts, with the usual JSON error.
`GET /api/v1/streaming/health` says the streaming service is up.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from essaim.web.api.auth import current_token
from essaim.web.api.middleware import CORS_HEADERS
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE
from essaim.web.streaming.bus import BUS
from essaim.web.streaming.reader import Reader, messages
from essaim.web.streaming.streams import Stream, StreamError, check_access, parse_stream

routes = web.RouteTableDef()

PATHS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "list": "list",
    "direct": "direct",
}
HEARTBEAT = b":thump\n\n"


def _requested(request: web.Request) -> Stream:
    name = PATHS[request.match_info["path"]]
    only_media = request.query.get("only_media", "").lower() in ("1", "true")
    if only_media and name.startswith("public"):
        name += ":media"
    return parse_stream(name, request.query.get("tag"), request.query.get("list"))


@routes.get("/api/v1/streaming/health")
async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK", content_type="text/plain")


@routes.get("/api/v1/streaming/{path:" + "|".join(PATHS) + "}")
async def stream(request: web.Request) -> web.StreamResponse:
    token = await current_token(request)
    try:
        wanted = _requested(request)
        async with request.app[DATABASE].session() as session:
            await check_access(session, wanted, token)
    except StreamError as refused:
        raise ApiError(refused.status, refused.message) from None
    reader = Reader(token, {wanted})
    response = web.StreamResponse(  # CORS now: the API middleware adds its headers only once the stream is over
        headers=CORS_HEADERS
        | {"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    heartbeat = request.app[CONFIG].streaming.heartbeat_seconds
    with request.app[BUS].subscribe() as subscription, contextlib.suppress(ConnectionResetError):
        await response.prepare(request)  # subscribed first: nothing committed after the client sees 200 is missed
        await response.write(b":)\n\n")  # an immediate first line: proxies and clients see the stream is open
        async for message in messages(request.app, subscription, reader, heartbeat):
            if message is None:
                await response.write(HEARTBEAT)
            else:
                data = "undefined" if message.payload is None else message.payload  # as Mastodon's server writes it
                await response.write(f"event: {message.event}\ndata: {data}\n\n".encode())
    return response  # the client left, or its stream ended: it fell behind, its token went, the server stops
