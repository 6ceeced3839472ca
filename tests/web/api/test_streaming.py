"""Live streams on one node: Mastodon.py's SSE `stream_user`, raw SSE endpoints and the WebSocket.

In the demo company hugo is followed by amina (among others) and not by pierre. What hugo does reaches
amina's streams as it happens — his followers-only post (`update`), its edit (`status.update`), its
deletion (`delete`), his favourite of her post (`notification`) — and never pierre's: not on his home
stream, not on the public stream. Streams deliver in commit order, so "never" is checked by waiting for a
later public post (a fence) and looking at everything that came before it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image

from essaim.web.streaming.websocket import MAX_STREAMS
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.streaming_helpers import (
    MastodonListener,
    SseStream,
    WebSocketStream,
    conversation_with,
    mentions_text,
    update_with,
)


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("streaming"))
    yield await asyncio.to_thread(factory.create, demo=True, ESSAIM_STREAMING_HEARTBEAT_SECONDS="1")
    await asyncio.to_thread(factory.close)


async def tokens(node: Node, *names: str) -> list[str]:
    return [await api_token(node, name) for name in names]


def sse(http: aiohttp.ClientSession, node: Node, path: str, token: str | None = None) -> SseStream:
    return SseStream(http, f"{node.base_url}/api/v1/streaming/{path}", token)


async def test_mastodon_py_user_stream_gets_each_event_of_a_followed_person(
    node: Node, http: aiohttp.ClientSession
) -> None:
    hugo, amina, pierre = await tokens(node, "hugo", "amina", "pierre")
    listener = MastodonListener()
    handle = await asyncio.to_thread(mastodon(node, amina).stream_user, listener, run_async=True)
    outsider = await sse(http, node, "user", pierre).open()
    public = await sse(http, node, "public", pierre).open()
    try:
        await listener.opened()
        post = await call(
            http,
            "POST",
            f"{node.base_url}/api/v1/statuses",
            hugo,
            data={"status": "fol-1 for followers", "visibility": "private"},
        )
        got = await listener.expect("update", lambda m: m.event == "update" and m.payload["id"] == post["id"])
        assert got.payload["visibility"] == "private" and got.payload["account"]["acct"] == "hugo"

        await call(http, "PUT", f"{node.base_url}/api/v1/statuses/{post['id']}", hugo, data={"status": "fol-1 edited"})
        edited = await listener.expect("status.update", lambda m: m.event == "status.update")
        assert edited.payload["id"] == post["id"] and "fol-1 edited" in edited.payload["content"]

        mine = await call(http, "POST", f"{node.base_url}/api/v1/statuses", amina, data={"status": "amina-1"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses/{mine['id']}/favourite", hugo)
        note = await listener.expect("notification", lambda m: m.event == "notification")
        assert note.payload["type"] == "favourite" and note.payload["account"]["acct"] == "hugo"
        assert note.payload["status"]["id"] == mine["id"]

        await call(http, "DELETE", f"{node.base_url}/api/v1/statuses/{post['id']}", hugo)
        await listener.expect("delete", lambda m: m.event == "delete" and m.payload == post["id"])

        fence = await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "fence-1 public"})
        await public.expect("the public fence", update_with("fence-1"))
        assert not mentions_text(public.seen, "fol-1"), "a followers-only post reached the public stream"
        assert not any(m.event == "delete" and m.payload == post["id"] for m in public.seen)
        assert fence["visibility"] == "public"
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", amina, data={"status": "@pierre fence-2"})
        await outsider.expect("the mention fence", lambda m: m.event == "update" and "fence-2" in m.payload["content"])
        assert not mentions_text(outsider.seen, "fol-1"), "a followers-only post reached a non-follower"
    finally:
        await asyncio.to_thread(handle.close)
        await outsider.close()
        await public.close()


def ws_url(node: Node, query: str = "") -> str:
    return f"{node.base_url.replace('http', 'ws', 1)}/api/v1/streaming{query}"


async def test_websocket_multiplexes_streams_and_survives_bad_input(node: Node, http: aiohttp.ClientSession) -> None:
    hugo, amina = await tokens(node, "hugo", "amina")
    api = f"{node.base_url}/api/v1"
    socket = await WebSocketStream.open(http, ws_url(node, "?stream=user"), protocols=(amina,))
    try:
        assert socket.ws.protocol == amina, "a token sent as Sec-WebSocket-Protocol is echoed back"
        for garbage in ("not json", "[1, 2]", '{"type": "dance"}', '{"type": "subscribe", "stream": "nope"}'):
            await socket.send(garbage)
            await socket.expect(f"an error for {garbage!r}", lambda m: m.event == "error")
        await socket.ws.send_bytes(b"\x00\xff")
        await socket.expect("an error for a binary frame", lambda m: m.event == "error")
        await socket.send({"type": "subscribe", "stream": "hashtag"})
        missing = await socket.expect("an error for a hashtag stream without a tag", lambda m: m.event == "error")
        assert missing.payload["status"] == 400
        await socket.send({"type": "subscribe", "stream": "hashtag", "tag": "#Ruche"})
        await socket.send({"type": "subscribe", "stream": "public:local"})

        post = await call(http, "POST", f"{api}/statuses", hugo, data={"status": "ws-1 about #ruche"})
        labels = set()
        for _ in range(3):
            got = await socket.expect("ws-1 on each stream", update_with("ws-1"))
            labels.add(tuple(got.stream or ()))
        assert labels == {("user",), ("hashtag", "ruche"), ("public:local",)}

        await call(http, "PUT", f"{api}/statuses/{post['id']}", hugo, data={"status": "ws-1 edited #ruche"})
        edited = await socket.expect("status.update", lambda m: m.event == "status.update")
        assert edited.payload["id"] == post["id"] and "edited" in edited.payload["content"]
        await call(http, "DELETE", f"{api}/statuses/{post['id']}", hugo)
        deleted = await socket.expect("delete", lambda m: m.event == "delete")
        assert str(deleted.payload) == post["id"]

        mine = await call(http, "POST", f"{api}/statuses", amina, data={"status": "ws-amina", "visibility": "unlisted"})
        await call(http, "POST", f"{api}/statuses/{mine['id']}/reblog", hugo)
        note = await socket.expect("notification", lambda m: m.event == "notification")
        assert (note.stream, note.payload["type"], note.payload["status"]["id"]) == (["user"], "reblog", mine["id"])

        await socket.send({"type": "unsubscribe", "stream": "hashtag", "tag": "ruche"})
        await call(http, "POST", f"{api}/statuses", hugo, data={"status": "ws-2 about #ruche"})
        await call(http, "POST", f"{api}/statuses", hugo, data={"status": "ws-3 fence"})
        await socket.expect("the fence", lambda m: update_with("ws-3")(m) and m.stream == ["user"])
        ws2 = [m.stream for m in socket.seen if mentions_text([m], "ws-2")]
        assert ["hashtag", "ruche"] not in ws2 and ["user"] in ws2, "unsubscribed from the hashtag only"
    finally:
        await socket.close()


async def test_websocket_refusals(node: Node, http: aiohttp.ClientSession) -> None:
    (hugo,) = await tokens(node, "hugo")
    for query, headers, status in (
        ("?stream=user", {}, 401),  # a user stream needs a token
        ("", {"Authorization": "Bearer not-a-token"}, 401),
        ("?stream=list&list=1", {"Authorization": f"Bearer {hugo}"}, 404),  # no list of his has that id
        ("?stream=elsewhere", {}, 400),
    ):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url(node, query), headers=headers)
        assert refused.value.status == status, query

    anonymous = await WebSocketStream.open(http, ws_url(node))
    try:  # a stream one may not read is refused in a message; the socket goes on serving the others
        await anonymous.send({"type": "subscribe", "stream": "user"})
        refusal = await anonymous.expect("a refusal", lambda m: m.event == "error")
        assert refusal.payload["status"] == 401
        for number in range(MAX_STREAMS):
            await anonymous.send({"type": "subscribe", "stream": "hashtag", "tag": f"tag{number}"})
        await anonymous.send({"type": "subscribe", "stream": "hashtag", "tag": "tag0"})  # already there: fine
        await anonymous.send({"type": "subscribe", "stream": "hashtag", "tag": "one-too-many"})
        too_many = await anonymous.expect("a refusal past the limit", lambda m: m.event == "error")
        assert too_many.payload["status"] == 429
        await anonymous.send({"type": "unsubscribe", "stream": "hashtag", "tag": "tag0"})
        await anonymous.send({"type": "subscribe", "stream": "public"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "anon-1 hello"})
        got = await anonymous.expect("a public post", update_with("anon-1"))
        assert got.stream == ["public"]
    finally:
        await anonymous.close()


async def test_sse_endpoints_refuse_what_the_caller_may_not_read(node: Node, http: aiohttp.ClientSession) -> None:
    statuses_only = await api_token(node, "amina", scopes="read:statuses")
    streaming = f"{node.base_url}/api/v1/streaming"
    for path, token, status in (
        ("user", None, 401),
        ("user", "not-a-token", 401),
        ("user/notification", statuses_only, 403),
        ("direct", None, 401),
        ("list?list=1", statuses_only, 403),
        ("hashtag", None, 400),
    ):
        answer = await call(http, "GET", f"{streaming}/{path}", token, status=status)
        assert answer["error"], path
    async with http.get(f"{streaming}/health") as response:
        assert (response.status, await response.text()) == (200, "OK")
    await call(http, "GET", streaming, status=400)  # not a WebSocket upgrade


async def test_heartbeats_keep_a_quiet_stream_alive(node: Node, http: aiohttp.ClientSession) -> None:
    stream = await sse(http, node, "public/remote").open()
    try:
        for _ in range(50):
            if stream.heartbeats >= 3:  # the opening line, then one per second on this node
                break
            await asyncio.sleep(0.2)
        assert stream.heartbeats >= 3 and not stream.ended.is_set()
    finally:
        await stream.close()


async def test_a_blocked_author_never_reaches_the_blocker(node: Node, http: aiohttp.ClientSession) -> None:
    chloe, marc, olivia = await tokens(node, "chloe", "marc", "olivia")
    marc_id = (await call(http, "GET", f"{node.base_url}/api/v1/accounts/lookup", chloe, params={"acct": "marc"}))["id"]
    await call(http, "POST", f"{node.base_url}/api/v1/accounts/{marc_id}/block", chloe)
    home, public = await sse(http, node, "user", chloe).open(), await sse(http, node, "public", chloe).open()
    try:
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", marc, data={"status": "blocked-1 @chloe hi"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", olivia, data={"status": "fence-3 from olivia"})
        await home.expect("olivia's post (chloe follows her)", update_with("fence-3"))
        await public.expect("olivia's public post", update_with("fence-3"))
        assert not mentions_text(home.seen, "blocked-1") and not mentions_text(public.seen, "blocked-1")
    finally:
        await home.close()
        await public.close()


async def test_a_stream_that_falls_behind_is_closed(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """With room for one waiting event, a post that mentions someone (the post and a notification, published
    together at commit) overflows every open stream: each is closed rather than buffered, and may reconnect.
    Stopping the node ends the streams still open (WebSocket close code 1001, going away)."""
    small = await asyncio.to_thread(nodes.create, demo=True, ESSAIM_STREAMING_QUEUE_SIZE="1")
    hugo, amina = await tokens(small, "hugo", "amina")
    stream = await sse(http, small, "user", amina).open()
    socket = await WebSocketStream.open(
        http, ws_url(small, "?stream=user"), headers={"Authorization": f"Bearer {amina}"}
    )
    try:
        await call(http, "POST", f"{small.base_url}/api/v1/statuses", hugo, data={"status": "burst @amina"})
        await asyncio.wait_for(stream.ended.wait(), 10)
        await asyncio.wait_for(socket.closed.wait(), 10)
        assert socket.ws.close_code == aiohttp.WSCloseCode.TRY_AGAIN_LATER
        again = await sse(http, small, "user", amina).open()
        listening = await WebSocketStream.open(http, ws_url(small, "?stream=public"))
        try:
            await call(http, "POST", f"{small.base_url}/api/v1/statuses", hugo, data={"status": "calm-1"})
            await again.expect("a post after reconnecting", update_with("calm-1"))
            assert await asyncio.to_thread(small.stop) == 0, "a node stops cleanly with streams open"
            await asyncio.wait_for(again.ended.wait(), 10)
            await asyncio.wait_for(listening.closed.wait(), 10)
            assert listening.ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
        finally:
            await again.close()
            await listening.close()
    finally:
        await stream.close()
        await socket.close()


async def test_a_disabled_account_loses_its_open_streams(node: Node, http: aiohttp.ClientSession) -> None:
    (yann,) = await tokens(node, "yann")
    stream = await sse(http, node, "user", yann).open()
    socket = await WebSocketStream.open(http, ws_url(node, "?stream=user"), headers={"Authorization": f"Bearer {yann}"})
    try:
        await asyncio.to_thread(node.cli, "user", "disable", "yann")
        await asyncio.wait_for(stream.ended.wait(), 10)  # checked at each heartbeat (1 s on this node)
        await asyncio.wait_for(socket.closed.wait(), 10)
        assert socket.ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        await call(http, "GET", f"{node.base_url}/api/v1/streaming/user", yann, status=401)
    finally:
        await stream.close()
        await socket.close()


async def test_the_direct_stream_carries_conversations_to_their_parties_only(
    node: Node, http: aiohttp.ClientSession
) -> None:
    """A direct post reaches the direct streams of its author and of those it addresses as a `conversation`
    event (the Conversation entity each of them reads in /api/v1/conversations), and no one else's."""
    hugo, amina = await tokens(node, "hugo", "amina")
    listener = MastodonListener()
    handle = await asyncio.to_thread(mastodon(node, amina).stream_direct, listener, run_async=True)
    author = await sse(http, node, "direct", hugo).open()
    try:
        await listener.opened()
        posts = f"{node.base_url}/api/v1/statuses"
        await call(http, "POST", posts, hugo, data={"status": "dm-0 followers", "visibility": "private"})
        await call(http, "POST", posts, hugo, data={"status": "dm-1 @sofia only", "visibility": "direct"})
        post = await call(http, "POST", posts, hugo, data={"status": "dm-2 @amina hello", "visibility": "direct"})
        got = await listener.expect("amina's conversation", conversation_with("dm-2"))
        assert got.payload["unread"] is True and [a["acct"] for a in got.payload["accounts"]] == ["hugo"]
        assert got.payload["last_status"]["id"] == post["id"]
        listed = (await call(http, "GET", f"{node.base_url}/api/v1/conversations", amina))[0]
        assert listed["id"] == str(got.payload["id"]), "the conversation /api/v1/conversations shows"
        dm1 = await author.expect("hugo's conversation with sofia", conversation_with("dm-1"))
        assert [a["acct"] for a in dm1.payload["accounts"]] == ["sofia"]
        own = await author.expect("hugo's own conversation", conversation_with("dm-2"))
        assert own.payload["unread"] is False and [a["acct"] for a in own.payload["accounts"]] == ["amina"]
        assert not any(m.event == "update" for m in author.seen), "the direct stream sends conversations"
        await call(http, "POST", posts, hugo, data={"status": "dm-3 @amina again", "visibility": "direct"})
        await listener.expect("the next post of the thread", conversation_with("dm-3"))
        assert not mentions_text(listener.seen, "dm-0") and not mentions_text(listener.seen, "dm-1")
    finally:
        await asyncio.to_thread(handle.close)
        await author.close()


async def test_media_and_local_hashtag_streams_filter_what_they_carry(node: Node, http: aiohttp.ClientSession) -> None:
    (hugo,) = await tokens(node, "hugo")
    socket = await WebSocketStream.open(http, ws_url(node))
    try:
        await socket.send({"type": "subscribe", "stream": "public:media"})
        await socket.send({"type": "subscribe", "stream": "hashtag:local", "tag": "essaim"})
        await socket.send({"type": "subscribe", "stream": "public:remote"})
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data={"status": "media-0 #essaim words"})
        tagged = await socket.expect("the tagged post", update_with("media-0"))
        assert tagged.stream == ["hashtag:local", "essaim"]
        picture = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, "PNG")
        upload = aiohttp.FormData()
        upload.add_field("file", picture.getvalue(), filename="red.png", content_type="image/png")
        media = await call(http, "POST", f"{node.base_url}/api/v2/media", hugo, data=upload)
        fields = {"status": "media-1 a picture", "media_ids[]": media["id"]}
        await call(http, "POST", f"{node.base_url}/api/v1/statuses", hugo, data=fields)
        pictured = await socket.expect("the post with media", update_with("media-1"))
        assert pictured.stream == ["public:media"] and pictured.payload["media_attachments"][0]["id"] == media["id"]
        assert [m.stream for m in socket.seen] == [["hashtag:local", "essaim"], ["public:media"]]
    finally:
        await socket.close()
