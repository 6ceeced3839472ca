"""Peers' images through a running node: proxied, fetched once, cleaned, capped, and swept with their post.

The peer (tests/inbox_peer.py) mentions hugo in a post with attachments it serves itself and
counts each fetch; hugo reads the post through the Mastodon API as an app would.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import aiohttp
from PIL import Image
from sqlalchemy import select

from essaim.actors.models import MediaAttachment
from essaim.actors.models.base import utcnow
from essaim.outbox.actions.media import forget_unattached_media
from essaim.outbox.limits import IMAGE_SIZE_LIMIT
from tests.api_helpers import api_token, call
from tests.conftest import Node
from tests.federation_helpers import eventually
from tests.helpers import database
from tests.inbox_peer import Peer, hugo, node, peer, post
from tests.outbox.test_media_processing import BLUE, RED, assert_no_metadata, encode, halves, phone_exif

__all__ = ["node", "peer"]  # fixtures, imported for pytest

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def phone_photo() -> bytes:
    """A sideways JPEG (orientation 6) with GPS coordinates, as a phone sends it."""
    photo = halves((60, 40), RED, BLUE)
    return encode(photo, "JPEG", exif=phone_exif(photo, 6), comment=b"secret comment")


async def mention_with_files(
    http: aiohttp.ClientSession, node: Node, peer: Peer, number: int, *names: str
) -> dict[str, Any]:
    """The peer mentions hugo in a post attaching its files `names`; returns the Status hugo's app sees."""
    target = await hugo(http, node)
    note = {
        "id": f"{peer.actor}/statuses/{number}",
        "type": "Note",
        "attributedTo": peer.actor,
        "content": f"<p>files {number}</p>",
        "to": [PUBLIC],
        "cc": [target],
        "tag": [{"type": "Mention", "href": target, "name": f"@hugo@{node.domain}"}],
        "attachment": [
            {"type": "Document", "mediaType": "image/jpeg", "url": f"{peer.base}/files/{name}", "name": name}
            for name in names
        ],
    }
    activity = {"id": f"{note['id']}/activity", "type": "Create", "actor": peer.actor, "to": [PUBLIC], "object": note}
    body, headers = peer.signed(f"{node.base_url}/inbox", activity)
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)
    token = await api_token(node, "hugo")

    async def arrived() -> list[dict[str, Any]]:
        found = await call(http, "GET", f"{node.base_url}/api/v1/notifications?types[]=mention", token)
        return [n["status"] for n in found if n["status"] and n["status"]["uri"] == note["id"]]

    [status] = await eventually(arrived, f"post {number}")
    return dict(status)


async def status_again(http: aiohttp.ClientSession, node: Node, status_id: str) -> dict[str, Any]:
    return dict(await call(http, "GET", f"{node.base_url}/api/v1/statuses/{status_id}", await api_token(node, "hugo")))


async def test_a_peers_image_is_served_cleaned_from_the_nodes_cache(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    peer.files["photo.jpg"] = phone_photo()
    status = await mention_with_files(http, node, peer, 1, "photo.jpg")
    [media] = status["media_attachments"]
    assert media["remote_url"] == f"{peer.base}/files/photo.jpg"
    assert media["url"].startswith(f"{node.base_url}/media_proxy/{media['id']}/")
    assert media["preview_url"] == media["url"].removesuffix("/original") + "/small"
    assert peer.file_fetches == {}, "nothing is fetched before someone looks"

    for url in (media["url"], media["url"], media["preview_url"]):
        async with http.get(url) as response:
            assert response.status == 200 and response.content_type == "image/jpeg", url
            data = await response.read()
            assert_no_metadata(data)
            assert Image.open(io.BytesIO(data)).size == (40, 60), "turned upright as the EXIF said"
    assert peer.file_fetches == {"photo.jpg": 1}, "fetched once, then served from the cache"

    cached = (await status_again(http, node, status["id"]))["media_attachments"][0]
    assert cached["url"].startswith(f"{node.base_url}/media/") and cached["remote_url"] == media["remote_url"]
    assert cached["meta"]["original"]["width"] == 40
    forged = media["url"].replace(f"/{media['id']}/", f"/{int(media['id']) + 1}/")
    async with http.get(forged) as response:
        assert response.status == 404, "the address is only valid for its own media"


async def test_what_cannot_be_cached_sends_readers_to_the_peer(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    peer.files["huge.jpg"] = b"\xff\xd8" + b"\0" * IMAGE_SIZE_LIMIT
    peer.files["fake.jpg"] = b"<html><script>alert(1)</script></html>"
    status = await mention_with_files(http, node, peer, 2, "huge.jpg", "fake.jpg", "missing.jpg")
    for media in status["media_attachments"]:
        for _ in range(2):
            async with http.get(media["url"], allow_redirects=False) as response:
                assert response.status == 302 and response.headers["Location"] == media["remote_url"]
    assert peer.file_fetches == {"huge.jpg": 1, "fake.jpg": 1, "missing.jpg": 1}, "refused once, not again"
    again = (await status_again(http, node, status["id"]))["media_attachments"]
    assert [m["url"] for m in again] == [m["remote_url"] for m in status["media_attachments"]]


async def test_media_of_a_deleted_post_are_swept_with_their_cached_files(
    node: Node, peer: Peer, http: aiohttp.ClientSession
) -> None:
    peer.files["photo.jpg"] = phone_photo()
    status = await mention_with_files(http, node, peer, 3, "photo.jpg")
    media_id = int(status["media_attachments"][0]["id"])
    async with http.get(status["media_attachments"][0]["url"]) as response:
        assert response.status == 200
    async with database(node.database_url) as session:
        row = await session.get(MediaAttachment, media_id)
        assert row is not None and row.file_name and row.preview_file_name
        cached = {row.file_name, row.preview_file_name}

    delete = {"id": f"{peer.actor}/statuses/3#delete", "type": "Delete", "actor": peer.actor, "object": status["uri"]}
    body, headers = peer.signed(f"{node.base_url}/inbox", delete)
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)

    async def detached() -> bool:
        async with database(node.database_url) as session:
            row = await session.get(MediaAttachment, media_id)
            return row is not None and row.status_id is None

    await eventually(detached, "the post's deletion")
    async with database(node.database_url) as session:
        files = await forget_unattached_media(session, utcnow())
    assert cached <= set(files)
    async with database(node.database_url) as session:
        assert await session.get(MediaAttachment, media_id) is None


async def test_unattached_uploads_wait_a_day_before_the_sweep(node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(node, "hugo")
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(phone_photo()), filename="p.jpg", content_type="image/jpeg")
    upload = await call(http, "POST", f"{node.base_url}/api/v2/media", token, data=form)
    media_id = int(upload["id"])
    for later, kept in ((timedelta(0), True), (timedelta(days=2), False)):
        async with database(node.database_url) as session:
            await forget_unattached_media(session, utcnow() + later)
        async with database(node.database_url) as session:
            found = await session.scalar(select(MediaAttachment.id).where(MediaAttachment.id == media_id))
        assert (found is not None) == kept, f"after {later}: an upload may still be posted for a day"
