"""Live streams of what is one's own: list streams, keyword filters and mutes on streams, `filters_changed`.

In the demo company hugo follows sofia and lucas; amina follows hugo. hugo's list holds sofia alone: its
stream carries her posts that his list timeline shows, never lucas's, never a post hugo may not read, and
nobody else may open it. amina's filters act on her streams as on her timelines: `hide` keeps a post off,
`warn` marks it, each in its own context (`home` for the user stream, `public` for the public one).
"Never" is checked by waiting for a later post (a fence): streams deliver in commit order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.streaming_helpers import MastodonListener, SseStream, WebSocketStream, mentions_text, update_with


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("streaming-lists"))
    yield await asyncio.to_thread(factory.create, demo=True, ESSAIM_STREAMING_HEARTBEAT_SECONDS="1")
    await asyncio.to_thread(factory.close)


def ws_url(node: Node, query: str = "") -> str:
    return f"{node.base_url.replace('http', 'ws', 1)}/api/v1/streaming{query}"


async def post(http: aiohttp.ClientSession, node: Node, token: str, text: str, **fields: str) -> Any:
    return await call(http, "POST", f"{node.base_url}/api/v1/statuses", token, data={"status": text, **fields})


async def test_a_list_stream_carries_its_members_posts_to_its_owner_only(
    node: Node, http: aiohttp.ClientSession
) -> None:
    hugo, sofia, lucas, amina = [await api_token(node, name) for name in ("hugo", "sofia", "lucas", "amina")]
    api = f"{node.base_url}/api/v1"
    team = await call(http, "POST", f"{api}/lists", hugo, data={"title": "Team"})
    sofia_id = (await call(http, "GET", f"{api}/accounts/lookup", hugo, params={"acct": "sofia"}))["id"]
    await call(http, "POST", f"{api}/lists/{team['id']}/accounts", hugo, data={"account_ids[]": sofia_id})

    for token, list_id in ((amina, team["id"]), (hugo, "9" * 30)):  # another's list, an id too big to be one
        refused = await call(http, "GET", f"{api}/streaming/list", token, status=404, params={"list": list_id})
        assert refused == {"error": "Record not found"}
        with pytest.raises(aiohttp.WSServerHandshakeError) as handshake:
            await http.ws_connect(ws_url(node, f"?stream=list&list={list_id}"), protocols=(token,))
        assert handshake.value.status == 404
    intruder = await WebSocketStream.open(http, ws_url(node), protocols=(amina,))
    stream = await SseStream(http, f"{api}/streaming/list?list={team['id']}", hugo).open()
    socket = await WebSocketStream.open(http, ws_url(node, f"?stream=list&list={team['id']}"), protocols=(hugo,))
    try:
        await intruder.send({"type": "subscribe", "stream": "list", "list": team["id"]})
        assert (await intruder.expect("a refusal", lambda m: m.event == "error")).payload["status"] == 404

        await post(http, node, lucas, "outsider-1 not in the list")
        first = await post(http, node, sofia, "member-1 public")
        await post(http, node, sofia, "member-2 for followers", visibility="private")
        await post(http, node, sofia, "member-3 @mehdi only", visibility="direct")
        await post(http, node, sofia, "fence-l1")
        for reader in (stream, socket):
            await reader.expect("sofia's followers-only post", update_with("member-2"))
            await reader.expect("the fence", update_with("fence-l1"))
            assert mentions_text(reader.seen, "member-1"), "her public post"
            assert not mentions_text(reader.seen, "outsider-1"), "lucas is no member"
            assert not mentions_text(reader.seen, "member-3"), "a direct post hugo is not addressed in"
        assert {tuple(m.stream or ()) for m in socket.seen} == {("list", team["id"])}
        assert not mentions_text(intruder.seen, "member-"), "the refused subscription carries nothing"

        await call(http, "DELETE", f"{api}/statuses/{first['id']}", sofia)
        await stream.expect("the deletion", lambda m: m.event == "delete" and str(m.payload) == first["id"])

        await call(http, "PUT", f"{api}/lists/{team['id']}", hugo, data={"title": "Team", "exclusive": "true"})
        home = await SseStream(http, f"{api}/streaming/user", hugo).open()
        try:
            await post(http, node, sofia, "exclusive-1 listed only")
            await post(http, node, lucas, "fence-l2")
            await home.expect("lucas's post", update_with("fence-l2"))
            assert not mentions_text(home.seen, "exclusive-1"), "an exclusive list keeps its members off home"
            await stream.expect("the member's post on the list", update_with("exclusive-1"))
        finally:
            await home.close()
    finally:
        for reader in (stream, socket, intruder):
            await reader.close()


def _filtered_by(message: Any) -> list[tuple[str, list[str]]]:
    return [(r["filter"]["title"], r["keyword_matches"]) for r in message.payload["filtered"]]


async def test_filters_act_on_streams_in_their_contexts(node: Node, http: aiohttp.ClientSession) -> None:
    hugo, amina = await api_token(node, "hugo"), await api_token(node, "amina")
    filters = f"{node.base_url}/api/v2/filters"
    listener = MastodonListener()
    handle = await asyncio.to_thread(mastodon(node, amina).stream_user, listener, run_async=True)
    socket = await WebSocketStream.open(http, ws_url(node, "?stream=user"), protocols=(amina,))
    try:
        await listener.opened()
        await socket.send({"type": "subscribe", "stream": "public"})

        def rule(title: str, action: str, keyword: str, *contexts: str) -> dict[str, Any]:
            return {
                "title": title,
                "context": list(contexts),
                "filter_action": action,
                "keywords_attributes": [{"keyword": keyword}],
            }

        hide_home = await call(http, "POST", filters, amina, json=rule("Veg", "hide", "brocoli", "home"))
        await listener.expect("filters_changed (Mastodon.py)", lambda m: m.event == "filters_changed")
        changed = await socket.expect("filters_changed", lambda m: m.event == "filters_changed")
        assert changed.stream == ["user"] and changed.payload is None
        await call(http, "POST", filters, amina, json=rule("Warn", "warn", "navet", "home", "public"))
        await call(http, "POST", filters, amina, json=rule("Cabbage", "hide", "chou", "public"))

        for text in ("brocoli-1 soup", "navet-1 soup", "chou-1 soup", "fence-f1"):
            await post(http, node, hugo, text)
        home_fence = await listener.expect("the fence", update_with("fence-f1"))
        assert home_fence.payload["filtered"] == []
        fences = [await socket.expect("the fence on each stream", update_with("fence-f1")) for _ in range(2)]
        assert sorted(tuple(m.stream or ()) for m in fences) == [("public",), ("user",)]
        on = {name: [m for m in socket.seen if m.stream == [name]] for name in ("user", "public")}

        assert not mentions_text(listener.seen, "brocoli-1") and not mentions_text(on["user"], "brocoli-1")
        assert mentions_text(on["public"], "brocoli-1"), "a home filter leaves the public stream alone"
        assert not mentions_text(on["public"], "chou-1"), "a public filter hides on the public stream"
        assert mentions_text(on["user"], "chou-1") and mentions_text(listener.seen, "chou-1")
        warned = [
            m for m in [*listener.seen, *socket.seen] if m.event == "update" and "navet-1" in m.payload["content"]
        ]
        assert len(warned) == 3, "the warned post still comes, on each stream"
        assert all(_filtered_by(m) == [("Warn", ["navet"])] for m in warned)

        await call(http, "DELETE", f"{filters}/{hide_home['id']}", amina)
        await listener.expect("filters_changed after a deletion", lambda m: m.event == "filters_changed")
        await post(http, node, hugo, "brocoli-2 soup")
        await listener.expect("the post once the filter is gone", update_with("brocoli-2"))

        await call(http, "POST", filters, amina, json=rule("Quiet", "hide", "radis", "notifications"))
        await post(http, node, hugo, "@amina radis-1 mention")
        await post(http, node, hugo, "@amina fence-n1 mention")
        note = await listener.expect("the later mention", lambda m: m.event == "notification")
        assert "fence-n1" in note.payload["status"]["content"], "the filtered mention sent no notification"
        assert mentions_text(listener.seen, "radis-1"), "a notifications filter leaves the home stream alone"
    finally:
        await asyncio.to_thread(handle.close)
        await socket.close()


async def test_mutes_keep_posts_off_streams_as_off_timelines(node: Node, http: aiohttp.ClientSession) -> None:
    """thomas follows sofia and yann, lists them both, and mutes yann: yann's posts leave his home, list and
    public streams; sofia's post mentioning yann leaves home and list (Mastodon's home rule), not public."""
    thomas, sofia, yann = [await api_token(node, name) for name in ("thomas", "sofia", "yann")]
    api = f"{node.base_url}/api/v1"
    ids = [
        (await call(http, "GET", f"{api}/accounts/lookup", thomas, params={"acct": n}))["id"] for n in ("sofia", "yann")
    ]
    friends = await call(http, "POST", f"{api}/lists", thomas, data={"title": "Friends"})
    await call(http, "POST", f"{api}/lists/{friends['id']}/accounts", thomas, data={"account_ids[]": ids})
    await call(http, "POST", f"{api}/accounts/{ids[1]}/mute", thomas)
    socket = await WebSocketStream.open(http, ws_url(node, "?stream=user"), protocols=(thomas,))
    try:
        await socket.send({"type": "subscribe", "stream": "list", "list": friends["id"]})
        await socket.send({"type": "subscribe", "stream": "public"})
        await post(http, node, yann, "muted-1 from yann")
        await post(http, node, sofia, "@yann muted-2 mentions him")
        await post(http, node, sofia, "fence-m1")
        fences = [await socket.expect("the fence on each stream", update_with("fence-m1")) for _ in range(3)]
        assert sorted(tuple(m.stream or ()) for m in fences) == [("list", friends["id"]), ("public",), ("user",)]
        assert not mentions_text(socket.seen, "muted-1"), "a muted account's post, on no stream"
        assert {tuple(m.stream or ()) for m in socket.seen if mentions_text([m], "muted-2")} == {("public",)}
    finally:
        await socket.close()
