"""Clients of a node's live streams for tests: Mastodon.py's SSE listener, a raw SSE reader, a WebSocket.

Each collects what arrives, in order, and `expect` waits (up to `WAIT` s) for the first message matching a
test. Streams deliver in commit order, so a test proves something did *not* arrive by waiting for a later
"fence" event and checking nothing unwanted came before it.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from mastodon import StreamListener

WAIT = 10.0  # seconds: generous on a busy machine; events normally arrive well within one


@dataclass(frozen=True)
class Received:
    """One event as a client saw it: the stream it came on (WebSocket only), its name and decoded payload."""

    event: str
    payload: Any
    stream: list[str] | None = None


class Collected:
    """Messages received so far, and a way to wait for one."""

    def __init__(self) -> None:
        self.seen: list[Received] = []
        self._arrivals: asyncio.Queue[Received] = asyncio.Queue()

    def add(self, message: Received) -> None:
        self._arrivals.put_nowait(message)

    async def expect(self, what: str, test: Callable[[Received], bool], wait: float = WAIT) -> Received:
        """The first message (not taken yet) passing `test`; messages skipped on the way stay in `seen`."""
        try:
            async with asyncio.timeout(wait):
                while True:
                    message = await self._arrivals.get()
                    self.seen.append(message)
                    if test(message):
                        return message
        except TimeoutError:
            raise AssertionError(f"no {what} within {wait:g} s; received {self.seen!r}") from None


def update_with(marker: str, event: str = "update") -> Callable[[Received], bool]:
    return lambda m: m.event == event and marker in m.payload.get("content", "")


def conversation_with(marker: str) -> Callable[[Received], bool]:
    """A `conversation` event whose newest post carries `marker`."""
    return lambda m: m.event == "conversation" and marker in (m.payload.get("last_status") or {}).get("content", "")


def mentions_text(messages: list[Received], marker: str) -> bool:
    """Whether any message so far carried `marker` anywhere in its payload."""
    return any(marker in json.dumps(m.payload, default=str) for m in messages)


class SseStream(Collected):
    """A raw SSE reader of one `/api/v1/streaming/...` endpoint."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str | None = None) -> None:
        super().__init__()
        self.http, self.url, self.token = http, url, token
        self.heartbeats = 0
        self.ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> SseStream:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.get(self.url, headers=headers, timeout=aiohttp.ClientTimeout(total=None))
        assert response.status == 200, f"{self.url}: {response.status} {await response.text()}"
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Access-Control-Allow-Origin"] == "*", "browser apps read streams across origins"
        self._task = asyncio.create_task(self._read(response))
        return self

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        fields: dict[str, str] = {}
        try:
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith(":"):
                    self.heartbeats += 1
                elif line:
                    key, _, value = line.partition(": ")
                    fields[key] = value
                elif fields:
                    data = fields["data"]  # "undefined" for an event without payload, as Mastodon's server writes
                    self.add(Received(fields["event"], None if data == "undefined" else json.loads(data)))
                    fields = {}
        except aiohttp.ClientError:
            pass
        finally:
            response.release()
            self.ended.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class WebSocketStream(Collected):
    """A WebSocket on `/api/v1/streaming`; error messages are collected as events named `error`."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        super().__init__()
        self.ws = ws
        self.closed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, url: str, **kwargs: Any) -> WebSocketStream:
        return cls(await http.ws_connect(url, **kwargs))

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                message = json.loads(frame.data)
                if "error" in message:
                    self.add(Received("error", message))
                else:
                    payload = json.loads(message["payload"]) if "payload" in message else None
                    self.add(Received(message["event"], payload, message["stream"]))
        self.closed.set()

    async def send(self, message: Any) -> None:
        await self.ws.send_str(message if isinstance(message, str) else json.dumps(message))

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._task, return_exceptions=True)


class MastodonListener(StreamListener):
    """Mastodon.py's listener (run in its own thread by `stream_user(run_async=True)`), handing events over."""

    def __init__(self) -> None:
        super().__init__()
        self.events: queue.Queue[Received] = queue.Queue()
        self.seen: list[Received] = []
        self.alive = threading.Event()  # set by the first comment line: the stream is open and subscribed

    def handle_heartbeat(self) -> None:
        self.alive.set()

    async def opened(self) -> None:
        assert await asyncio.to_thread(self.alive.wait, WAIT), "Mastodon.py's stream did not open"

    def on_update(self, status: Any) -> None:
        self.events.put(Received("update", dict(status)))

    def on_status_update(self, status: Any) -> None:
        self.events.put(Received("status.update", dict(status)))

    def on_notification(self, notification: Any) -> None:
        self.events.put(Received("notification", dict(notification)))

    def on_delete(self, status_id: Any) -> None:
        self.events.put(Received("delete", str(status_id)))

    def on_filters_changed(self) -> None:
        self.events.put(Received("filters_changed", None))

    def on_conversation(self, conversation: Any) -> None:
        self.events.put(Received("conversation", dict(conversation)))

    def on_announcement(self, announcement: Any) -> None:
        self.events.put(Received("announcement", dict(announcement)))

    def on_announcement_reaction(self, reaction: Any) -> None:
        self.events.put(Received("announcement.reaction", dict(reaction)))

    def on_announcement_delete(self, announcement_id: Any) -> None:
        self.events.put(Received("announcement.delete", str(announcement_id)))

    async def expect(self, what: str, test: Callable[[Received], bool], wait: float = WAIT) -> Received:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while (left := deadline - loop.time()) > 0:
            try:
                message = await asyncio.to_thread(self.events.get, True, min(left, 1.0))
            except queue.Empty:
                continue
            self.seen.append(message)
            if test(message):
                return message
        raise AssertionError(f"Mastodon.py's listener got no {what} within {wait:g} s")
