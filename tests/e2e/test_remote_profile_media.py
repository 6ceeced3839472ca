"""Peers' profiles through a running node: emoji of their name and bio, avatars, headers and emoji
images served from the node's cache (fetched once, re-encoded), failures sent to the peer, changes seen.

The peer (tests/inbox_peer.py) serves its actor document and its files, counting each fetch; it
mentions hugo, whose app reads the peer's account through the Mastodon API.
"""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image
from sqlalchemy import select

from essaim.actors.models import RemoteImage
from essaim.outbox.actions.media import forget_unshown_images
from essaim.outbox.limits import IMAGE_SIZE_LIMIT
from tests.api_helpers import api_token, call
from tests.conftest import Node
from tests.e2e.test_mastodon_py_journey import png
from tests.e2e.test_remote_media import mention_with_files
from tests.federation_helpers import eventually
from tests.helpers import database
from tests.inbox_peer import Peer, node, other_peer, peer, post

__all__ = ["node", "other_peer", "peer"]  # fixtures, imported for pytest


def image(url: str) -> dict[str, str]:
    return {"type": "Image", "mediaType": "image/png", "url": url}


def emoji(peer: Peer, shortcode: str, file: str) -> dict[str, Any]:
    return {"type": "Emoji", "id": f"{peer.base}/emojis/{shortcode}", "name": f":{shortcode}:", "icon": image(file)}


def dressed(peer: Peer, avatar: str = "avatar.png") -> None:
    """The peer's profile: an avatar, a header, an emoji in its name and bio, and two hostile Emoji tags."""
    peer.files |= {avatar: png("red", (40, 40)), "header.png": png("green", (90, 30)), "blob.png": png("blue")}
    peer.profile = {
        "name": "Pat :blob: Peer",
        "summary": "<p>Hello :blob: :evil: :other:</p>",
        "icon": image(f"{peer.base}/files/{avatar}"),
        "image": image(f"{peer.base}/files/header.png"),
        "tag": [
            emoji(peer, "blob", f"{peer.base}/files/blob.png"),
            emoji(peer, "evil", "file:///etc/passwd"),
            {"type": "Emoji", "name": ":other:", "icon": {"url": "javascript:alert(1)"}},
        ],
    }


async def account(http: aiohttp.ClientSession, node: Node, account_id: str) -> dict[str, Any]:
    return dict(await call(http, "GET", f"{node.base_url}/api/v1/accounts/{account_id}", await api_token(node, "hugo")))


async def fetched(http: aiohttp.ClientSession, url: str) -> tuple[int, int]:
    """The size of the image at `url`, which must be an image this node serves itself."""
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 200 and response.content_type in ("image/png", "image/jpeg"), url
        size: tuple[int, int] = Image.open(io.BytesIO(await response.read())).size
        return size


async def cached(node: Node) -> list[RemoteImage]:
    async with database(node.database_url) as session:
        return list(await session.scalars(select(RemoteImage)))


async def test_a_peers_profile_images_and_emoji_come_through_the_cache(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    dressed(peer)
    shown = (await mention_with_files(http, node, peer, 1))["account"]
    proxy = f"{node.base_url}/media_proxy"
    assert shown["avatar"].startswith(f"{proxy}/accounts/{shown['id']}/") and shown["avatar"].endswith("/avatar")
    assert shown["header"].startswith(f"{proxy}/accounts/{shown['id']}/") and shown["header"].endswith("/header")
    assert (shown["avatar_static"], shown["header_static"]) == (shown["avatar"], shown["header"])
    [blob] = shown["emojis"]
    assert blob["shortcode"] == "blob" and blob["url"].startswith(f"{proxy}/emojis/") and not blob["visible_in_picker"]
    assert peer.file_fetches == {}, "nothing is fetched before someone looks"

    for _ in range(2):
        assert await fetched(http, shown["avatar"]) == (40, 40)
        assert await fetched(http, shown["header"]) == (90, 30)
        assert await fetched(http, blob["static_url"]) == (64, 48)
    assert peer.file_fetches == {"avatar.png": 1, "header.png": 1, "blob.png": 1}, "fetched once, then cached"

    for forged in (
        shown["avatar"].replace("/avatar", "/header"),
        shown["avatar"].replace(f"/accounts/{shown['id']}/", "/accounts/1/"),
        blob["url"][:-4] + "0000",
    ):
        async with http.get(forged, allow_redirects=False) as response:
            assert response.status == 404, f"{forged}: the address is only valid for its own image"


async def test_one_servers_emoji_never_stands_for_anothers(
    node: Node, peer: Peer, other_peer: Peer, http: aiohttp.ClientSession
) -> None:
    dressed(peer)
    dressed(other_peer)
    other_peer.files["blob.png"] = png("yellow", (20, 20))
    mine = (await mention_with_files(http, node, peer, 2))["account"]
    theirs = (await mention_with_files(http, node, other_peer, 3))["account"]
    assert mine["emojis"][0]["url"] != theirs["emojis"][0]["url"]
    assert await fetched(http, mine["emojis"][0]["url"]) == (64, 48)
    assert await fetched(http, theirs["emojis"][0]["url"]) == (20, 20)
    assert (await account(http, node, mine["id"]))["emojis"] == mine["emojis"], "the other peer changed nothing"


async def test_a_huge_or_fake_avatar_sends_readers_to_the_peer_and_stores_nothing(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    dressed(peer, avatar="huge.png")
    peer.files["huge.png"] = b"\x89PNG\r\n\x1a\n" + b"\0" * IMAGE_SIZE_LIMIT
    peer.files["header.png"] = b"<html><script>alert(1)</script></html>"
    shown = (await mention_with_files(http, node, peer, 4))["account"]
    for address, original in ((shown["avatar"], "huge.png"), (shown["header"], "header.png")):
        for _ in range(2):
            async with http.get(address, allow_redirects=False) as response:
                assert response.status == 302 and response.headers["Location"] == f"{peer.base}/files/{original}"
    assert peer.file_fetches == {"huge.png": 1, "header.png": 1}, "refused once, not fetched on every view"
    refused = [row for row in await cached(node) if row.remote_url.startswith(peer.base)]
    assert sorted(row.remote_url.rsplit("/", 1)[1] for row in refused) == ["header.png", "huge.png"]
    assert {(row.state, row.file_name, row.preview_file_name) for row in refused} == {("failed", None, None)}


async def test_an_update_changing_the_avatar_is_seen_and_the_old_copy_swept(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    dressed(peer)
    shown = (await mention_with_files(http, node, peer, 5))["account"]
    assert await fetched(http, shown["avatar"]) == (40, 40)
    [old] = [row for row in await cached(node) if row.remote_url == f"{peer.base}/files/avatar.png"]

    peer.files["new.png"] = png("purple", (50, 50))
    peer.profile |= {
        "icon": image(f"{peer.base}/files/new.png"),
        "name": "Pat :party: Peer",
        "tag": [emoji(peer, "party", f"{peer.base}/files/blob.png")],
    }
    document = peer.document()
    update = {"@context": document.pop("@context"), "id": f"{peer.actor}#updates/1", "type": "Update"}
    update |= {"actor": peer.actor, "object": document}
    body, headers = peer.signed(f"{node.base_url}/inbox", update)
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)

    async def changed() -> dict[str, Any] | None:
        now = await account(http, node, shown["id"])
        return now if now["avatar"] != shown["avatar"] else None

    now = await eventually(changed, "the Update{Person}")
    assert now["display_name"] == "Pat :party: Peer" and [e["shortcode"] for e in now["emojis"]] == ["blob", "party"]
    assert await fetched(http, now["avatar"]) == (50, 50)
    async with http.get(shown["avatar"], allow_redirects=False) as response:
        assert response.status == 404, "the old address no longer serves the old avatar"

    async with database(node.database_url) as session:
        files = await forget_unshown_images(session)
    assert {old.file_name, old.preview_file_name} <= set(files)
    left = {row.remote_url for row in await cached(node)}
    assert old.remote_url not in left and f"{peer.base}/files/new.png" in left
