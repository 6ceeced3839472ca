"""Live streams fed by federation: what a person on another node does reaches local streams as it arrives.

sofia on node two follows hugo on node one; lucas, also on node two, does not. hugo's followers-only post,
its edit and its deletion, and his mention of sofia arrive by federation and reach sofia's WebSocket as
`update`, `status.update`, `delete` and `notification` — and never lucas's home or public stream, checked
against a later public post of hugo's that mentions lucas (streams deliver in order). That remote post is
on node two's public stream, not on its local one.
"""

from __future__ import annotations

import aiohttp

from tests.conftest import NodeFactory
from tests.federation_helpers import follow, person
from tests.streaming_helpers import SseStream, WebSocketStream, mentions_text, update_with


async def test_events_arriving_by_federation_reach_exactly_their_audience(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo = await person(http, one, "hugo")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")
    await follow(sofia, hugo)
    for someone in (sofia, lucas):  # so that hugo's mentions of them resolve
        await hugo.lookup(someone.handle)
    streaming = f"{two.base_url.replace('http', 'ws', 1)}/api/v1/streaming?stream=user"
    socket = await WebSocketStream.open(http, streaming, headers={"Authorization": f"Bearer {sofia.token}"})
    home = await SseStream(http, f"{two.base_url}/api/v1/streaming/user", lucas.token).open()
    public = await SseStream(http, f"{two.base_url}/api/v1/streaming/public", lucas.token).open()
    local = await SseStream(http, f"{two.base_url}/api/v1/streaming/public/local", lucas.token).open()
    try:
        post = await hugo.post("fed-1 for my followers", "private")
        got = await socket.expect("hugo's followers-only post", update_with("fed-1"))
        assert got.payload["account"]["acct"] == hugo.handle and got.payload["visibility"] == "private"
        local_id = got.payload["id"]

        await hugo.api("PUT", f"/api/v1/statuses/{post['id']}", data={"status": "fed-1 edited"})
        edited = await socket.expect("the edit", lambda m: m.event == "status.update")
        assert edited.payload["id"] == local_id and "fed-1 edited" in edited.payload["content"]

        await hugo.post(f"@{sofia.handle} fed-2 a word for you", "direct")
        note = await socket.expect("the mention", lambda m: m.event == "notification")
        assert note.payload["type"] == "mention" and "fed-2" in note.payload["status"]["content"]

        await hugo.api("DELETE", f"/api/v1/statuses/{post['id']}")
        deleted = await socket.expect("the deletion", lambda m: m.event == "delete")
        assert str(deleted.payload) == local_id

        await hugo.post(f"@{lucas.handle} fed-3 fence", "public")
        await home.expect("the fence on lucas's home", update_with("fed-3"))
        await public.expect("the fence on the public stream", update_with("fed-3"))
        for stream in (home, public):
            assert not mentions_text(stream.seen, "fed-1") and not mentions_text(stream.seen, "fed-2")
            assert not any(m.event == "delete" for m in stream.seen), "lucas never saw the deleted post"
        await lucas.post("fed-4 from node two", "public")
        await local.expect("a local public post", update_with("fed-4"))
        assert not mentions_text(local.seen, "fed-3"), "a remote post on the local stream"
    finally:
        await socket.close()
        await home.close()
        await public.close()
        await local.close()
