"""`/api/v1/streaming` as a WebSocket: several streams on one socket, as Mastodon's web app and most apps use.

The token comes as `Authorization: Bearer`, `?access_token=` or as the `Sec-WebSocket-Protocol` offered
by browsers (which cannot set headers); in that case the protocol is echoed back, as Mastodon does. An
invalid token, or a `?stream=` the caller may not read, is refused at the handshake (401/403/404 JSON).
Once open, `{"type": "subscribe"|"unsubscribe", "stream": …, "tag": …, "list": …}` messages add and
remove streams; events arrive as `{"stream": [...], "event": …, "payload": "<JSON string>"}` (no `payload`
for `filters_changed`, as Mastodon). A message
that is not understood (garbage, binary, a stream one may not read) is answered with
`{"error": …, "status": …}` and the socket stays open; so is a subscription past `MAX_STREAMS` (429).
Pings every `streaming.heartbeat_seconds`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from essaim.web.api.auth import Token, current_token, token_for
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE
from essaim.web.streaming.bus import BUS, Subscription
from essaim.web.streaming.reader import Reader, messages
from essaim.web.streaming.streams import StreamError, check_access, parse_stream

routes = web.RouteTableDef()
MAX_MESSAGE_BYTES = 4096  # subscribe messages are tiny; anything bigger is not one
MAX_STREAMS = 64  # per socket: each event costs a query per stream, so one client cannot make it cost thousands


async def _caller(request: web.Request) -> tuple[Token | None, str | None]:
    """The token, and the protocol to echo: a browser offers its token as the one protocol, and refuses
    a handshake whose answer does not name it."""
    token = await current_token(request)
    offered = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    if not offered or "," in offered:
        return token, None
    return token or await token_for(request, offered), offered


class _Socket:
    """One open WebSocket: its reader's streams, and sends that never interleave."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, reader: Reader) -> None:
        self.request, self.ws, self.reader = request, ws, reader
        self._sending = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self.ws.send_str(json.dumps(message))

    async def error(self, status: int, text: str) -> None:
        await self.send({"error": text, "status": status})

    async def handle(self, raw: str) -> None:
        """Apply one subscribe or unsubscribe message; answer anything else with an error message."""
        try:
            request = json.loads(raw)
        except ValueError:
            await self.error(400, "Invalid JSON")
            return
        if not isinstance(request, dict) or request.get("type") not in ("subscribe", "unsubscribe"):
            await self.error(400, "Unknown message type")
            return
        try:
            stream = parse_stream(request.get("stream"), request.get("tag"), request.get("list"))
            if request["type"] == "unsubscribe":
                self.reader.streams.discard(stream)
                return
            if stream not in self.reader.streams and len(self.reader.streams) >= MAX_STREAMS:
                raise StreamError(429, f"At most {MAX_STREAMS} streams on one connection")
            async with self.request.app[DATABASE].session() as session:
                await check_access(session, stream, self.reader.token)
        except StreamError as refused:
            await self.error(refused.status, refused.message)
            return
        self.reader.streams.add(stream)

    async def pump(self, subscription: Subscription) -> None:
        """Send the reader's events until the subscription closes (or the token is revoked), then close."""
        heartbeat = self.request.app[CONFIG].streaming.heartbeat_seconds
        async for message in messages(self.request.app, subscription, self.reader, heartbeat):
            if message is None:
                continue
            sent: dict[str, Any] = {"stream": message.stream.label, "event": message.event}
            if message.payload is not None:  # Mastodon leaves out a payload it does not have
                sent["payload"] = message.payload
            await self.send(sent)
        if subscription.overflowed:
            await self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too far behind")
        elif subscription.closed:
            await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        else:
            await self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"access token revoked")


@routes.get("/api/v1/streaming")
@routes.get("/api/v1/streaming/")
async def websocket(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise ApiError(400, "Expected a WebSocket upgrade (SSE streams are at /api/v1/streaming/<stream>)")
    token, protocol = await _caller(request)
    reader = Reader(token)
    if "stream" in request.query:
        try:
            first = parse_stream(request.query["stream"], request.query.get("tag"), request.query.get("list"))
            async with request.app[DATABASE].session() as session:
                await check_access(session, first, token)
        except StreamError as refused:
            raise ApiError(refused.status, refused.message) from None
        reader.streams.add(first)
    ws = web.WebSocketResponse(
        protocols=(protocol,) if protocol else (),
        heartbeat=request.app[CONFIG].streaming.heartbeat_seconds,
        max_msg_size=MAX_MESSAGE_BYTES,
    )
    socket = _Socket(request, ws, reader)
    with request.app[BUS].subscribe() as subscription:
        await ws.prepare(request)  # subscribed first: nothing committed after the handshake is missed
        pump = asyncio.create_task(socket.pump(subscription), name="streaming websocket")
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await socket.handle(frame.data)
                elif frame.type == WSMsgType.BINARY:
                    await socket.error(400, "Binary messages are not understood")
        except ConnectionResetError:
            pass
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
    return ws
