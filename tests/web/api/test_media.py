"""Media uploads through HTTP on a real node: aiohttp multipart requests and the real Mastodon.py client.

One node is shared by the module (uploads only add rows and files); tests compare what is on
disk and in the database before and after, so they do not depend on each other.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from mastodon import MastodonAPIError
from PIL import Image
from sqlalchemy import func, select

from essaim.actors.models import MediaAttachment
from essaim.outbox.actions.media import stored_image
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.helpers import database
from tests.outbox.test_media_processing import (
    BLUE,
    RED,
    SECRETS,
    assert_no_metadata,
    encode,
    halves,
    near,
    phone_exif,
    png_header,
)

V1, V2 = "/api/v1/media", "/api/v2/media"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("media"))
    yield factory.create(demo=True)
    factory.close()


def phone_photo() -> bytes:
    """A sideways JPEG (orientation 6) with GPS coordinates, as a phone sends it."""
    photo = halves((60, 40), RED, BLUE)
    return encode(photo, "JPEG", exif=phone_exif(photo, 6), comment=b"secret comment")


def form(data: bytes | None, **fields: str) -> aiohttp.FormData:
    body = aiohttp.FormData()
    if data is not None:
        body.add_field("file", io.BytesIO(data), filename="upload.bin", content_type="application/octet-stream")
    for name, value in fields.items():
        body.add_field(name, value)
    return body


def media_files(node: Node) -> list[str]:
    root = node.folder / "media"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


async def media_rows(node: Node) -> int:
    async with database(node.database_url) as session:
        return int(await session.scalar(select(func.count()).select_from(MediaAttachment)) or 0)


async def fetch(http: aiohttp.ClientSession, url: str) -> tuple[str, bytes]:
    async with http.get(url) as response:
        assert response.status == 200, url
        return response.content_type, await response.read()


async def test_v2_upload_is_ready_at_once_and_its_urls_serve_the_cleaned_image(
    node: Node, http: aiohttp.ClientSession
) -> None:
    token = await api_token(node, "hugo")
    files_before = media_files(node)
    body = form(phone_photo(), description="Whiteboard after the retro", focus="0.5,-0.25")
    body.add_field("thumbnail", io.BytesIO(encode(Image.new("RGB", (9, 9), BLUE), "PNG")), filename="thumb.png")
    media = await call(http, "POST", f"{node.base_url}{V2}", token, data=body)

    assert set(media) >= {"id", "type", "url", "preview_url", "remote_url", "text_url", "meta", "description"}
    assert isinstance(media["id"], str) and media["id"].isdigit()
    assert media["type"] == "image"
    assert media["description"] == "Whiteboard after the retro"
    assert media["remote_url"] is None and media["text_url"] is None and media["preview_remote_url"] is None
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert media["meta"]["original"] == {"width": 40, "height": 60, "size": "40x60", "aspect": 40 / 60}
    assert media["meta"]["small"]["width"] == 40
    assert isinstance(media["blurhash"], str) and len(media["blurhash"]) == 36
    assert media["url"].startswith(f"{node.base_url}/media/") and media["url"].endswith(".jpg")
    assert media["preview_url"].startswith(f"{node.base_url}/media/") and media["preview_url"] != media["url"]

    stored = media_files(node)
    new = sorted(set(stored) - set(files_before))
    assert len(new) == 2, "the image and its preview"
    for url in (media["url"], media["preview_url"]):
        content_type, data = await fetch(http, url)
        assert content_type == "image/jpeg"
        assert url.removeprefix(f"{node.base_url}/media/") in new
        assert data == (node.folder / "media" / url.removeprefix(f"{node.base_url}/media/")).read_bytes()
        assert_no_metadata(data)
        upright = Image.open(io.BytesIO(data)).convert("RGB")
        assert upright.size == (40, 60) and near(upright.getpixel((20, 5)), RED), "turned as the phone meant"

    again = await call(http, "GET", f"{node.base_url}{V1}/{media['id']}", token)
    assert again == media


async def test_v1_upload_keeps_png_transparency(node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(node, "sofia")
    image = Image.new("RGBA", (30, 20), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 20))
    media = await call(http, "POST", f"{node.base_url}{V1}", token, data=form(encode(image, "PNG")))
    assert media["description"] is None and media["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    content_type, data = await fetch(http, media["url"])
    assert content_type == "image/png"
    served = Image.open(io.BytesIO(data))
    assert served.mode == "RGBA" and served.getpixel((2, 2))[3] == 0  # type: ignore[index]
    content_type, _ = await fetch(http, media["preview_url"])
    assert content_type == "image/png"


def _raw_multipart(body: bytes, boundary: str = "essaim-boundary") -> dict[str, Any]:
    return {"data": body, "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return b"--essaim-boundary\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + value + b"\r\n"


REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("json body", {"json": {"description": "no file"}}, "file is missing"),
    ("urlencoded body", {"data": {"file": "not a file"}}, "file is missing"),
    ("no file part", {"data": form(None, description="only words")}, "file is missing"),
    ("text file", {"data": form(b"hello, I am a text file")}, "not an image in a supported format"),
    ("svg", {"data": form(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')}, "not an image"),
    ("empty file", {"data": form(b"")}, "The file is empty"),
    ("damaged jpeg", {"data": form(phone_photo()[:300])}, "damaged or incomplete"),
    ("too many pixels", {"data": form(encode(Image.new("1", (7681, 4320)), "PNG"))}, "too many pixels"),
    ("pillow's bomb warning", {"data": form(png_header(10_000, 10_000))}, "too many pixels"),
    ("pillow's bomb error", {"data": form(png_header(30_000, 30_000))}, "too many pixels"),
    ("long description", {"data": form(phone_photo(), description="x" * 1501)}, "at most 1500 characters"),
    ("focus out of range", {"data": form(phone_photo(), focus="0.5,1.5")}, "focus must be two numbers"),
    ("focus not numbers", {"data": form(phone_photo(), focus="left,top")}, "focus must be two numbers"),
    ("focus nan", {"data": form(phone_photo(), focus="nan,0")}, "focus must be two numbers"),
    ("wrong boundary", _raw_multipart(_part("file", phone_photo(), "a.jpg"), "other"), "Malformed multipart"),
    ("no final boundary", _raw_multipart(_part("file", phone_photo(), "a.jpg")[:-200]), "Malformed multipart"),
    ("no boundary at all", {"data": b"x", "headers": {"Content-Type": "multipart/form-data"}}, "Malformed multipart"),
    ("too many parts", {"data": form(phone_photo(), **{f"field{n}": "x" for n in range(60)})}, "more than 50 parts"),
    (
        "huge text field",
        _raw_multipart(_part("description", b"x" * 70_000) + b"--essaim-boundary--\r\n"),
        "description is too long",
    ),
]


@pytest.mark.parametrize("request_kwargs,message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
async def test_refused_uploads_answer_422_and_store_nothing(
    node: Node, http: aiohttp.ClientSession, request_kwargs: dict[str, Any], message: str
) -> None:
    token = await api_token(node, "hugo")
    files, rows = media_files(node), await media_rows(node)
    headers = {"Authorization": f"Bearer {token}", **request_kwargs.pop("headers", {})}
    for path in (V1, V2):
        async with http.post(f"{node.base_url}{path}", headers=headers, **request_kwargs) as response:
            error = await response.json()
            assert response.status == 422, error
        assert set(error) == {"error"} and message in error["error"], error
    assert media_files(node) == files, "no file left on disk"
    assert await media_rows(node) == rows, "no row"


async def test_oversized_upload_is_refused_without_reading_it_all(node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(node, "hugo")
    files, rows = media_files(node), await media_rows(node)
    huge = phone_photo() + b"\0" * (16 * 1024 * 1024)
    error = await call(http, "POST", f"{node.base_url}{V2}", token, status=422, data=form(huge))
    assert error == {"error": "The file is too large: images may be at most 16 MiB"}
    assert media_files(node) == files and await media_rows(node) == rows
    media = await call(http, "POST", f"{node.base_url}{V2}", token, data=form(phone_photo()))
    assert media["type"] == "image", "the node still serves after refusing a big upload"


async def test_uploading_needs_a_user_token_with_write_media(node: Node, http: aiohttp.ClientSession) -> None:
    files = media_files(node)
    assert await call(http, "POST", f"{node.base_url}{V2}", None, status=401, data=form(phone_photo()))
    reader = await api_token(node, "hugo", scopes="read")
    error = await call(http, "POST", f"{node.base_url}{V2}", reader, status=403, data=form(phone_photo()))
    assert error == {"error": "This action is outside the authorized scopes"}
    narrow = await api_token(node, "hugo", scopes="write:media")
    media = await call(http, "POST", f"{node.base_url}{V1}", narrow, data=form(phone_photo()))
    assert await call(http, "GET", f"{node.base_url}{V1}/{media['id']}", reader, status=403)
    assert len(media_files(node)) == len(files) + 2


async def test_only_the_uploader_reads_and_describes_their_media(node: Node, http: aiohttp.ClientSession) -> None:
    hugo, sofia = await api_token(node, "hugo"), await api_token(node, "sofia")
    media = await call(http, "POST", f"{node.base_url}{V2}", hugo, data=form(phone_photo(), description="first"))
    url = f"{node.base_url}{V1}/{media['id']}"

    assert await call(http, "GET", url, sofia, status=404) == {"error": "Record not found"}
    assert await call(http, "PUT", url, sofia, status=404, data={"description": "defaced"})
    assert (await call(http, "GET", url, hugo))["description"] == "first"

    changed = await call(http, "PUT", url, hugo, data={"description": "second", "focus": "-1,1"})
    assert changed["description"] == "second" and changed["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    assert changed["url"] == media["url"]
    changed = await call(http, "PUT", url, hugo, json={"focus": "0.25,0.75"})
    assert changed["description"] == "second", "what is not sent is kept"
    assert changed["meta"]["focus"] == {"x": 0.25, "y": 0.75}
    changed = await call(http, "PUT", url, hugo, params={"description": ""})
    assert changed["description"] is None, "an empty description clears it"

    for refused in ({"description": "y" * 1501}, {"focus": "2,2"}):
        error = await call(http, "PUT", url, hugo, status=422, data=refused)
        assert set(error) == {"error"}
    assert (await call(http, "GET", url, hugo))["meta"]["focus"] == {"x": 0.25, "y": 0.75}
    for missing in ("123", "0", "not-a-number", str(2**64)):
        await call(http, "GET", f"{node.base_url}{V1}/{missing}", hugo, status=404)
        await call(http, "PUT", f"{node.base_url}{V1}/{missing}", hugo, status=404, data={"description": "x"})


async def test_media_still_processing_answers_206_without_url(node: Node, http: aiohttp.ClientSession) -> None:
    """No upload stays in processing today, but apps poll with GET and expect 206 until the URL is there."""
    token = await api_token(node, "hugo")
    uploaded = await call(http, "POST", f"{node.base_url}{V2}", token, data=form(phone_photo()))
    async with database(node.database_url) as session:
        actor_id = (await session.get_one(MediaAttachment, int(uploaded["id"]))).actor_id
        pending = MediaAttachment(actor_id=actor_id, state="processing", mime_type="image/jpeg")
        session.add(pending)
        await session.flush()
        pending_id = pending.id
    media = await call(http, "GET", f"{node.base_url}{V1}/{pending_id}", token, status=206)
    assert media["id"] == str(pending_id) and media["url"] is None


async def test_files_are_removed_when_the_row_cannot_be_written(tmp_path: Path) -> None:
    """The files are written before the row; if writing the row fails, they go again."""
    with pytest.raises(RuntimeError, match="database down"):
        async with stored_image(tmp_path, phone_photo()) as stored:
            assert (tmp_path / stored.file_name).is_file() and (tmp_path / stored.preview_file_name).is_file()
            raise RuntimeError("database down")
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    async with stored_image(tmp_path, phone_photo()) as stored:
        pass
    assert (tmp_path / stored.file_name).read_bytes() == stored.image.data


def test_mastodon_py_uploads_and_updates(node: Node, tmp_path: Path) -> None:
    token = asyncio.run(api_token(node, "amina"))
    client = mastodon(node, token)

    from_bytes = client.media_post(phone_photo(), mime_type="image/jpeg", description="Team lunch", focus=(0.1, 0.2))
    assert from_bytes.type == "image" and from_bytes.url is not None, "ready at once: no polling needed"
    assert from_bytes.description == "Team lunch"
    assert from_bytes.meta.original.width == 40 and from_bytes.meta.original.height == 60

    path = tmp_path / "chart.png"
    path.write_bytes(encode(Image.new("RGB", (900, 300), BLUE), "PNG"))
    with path.open("rb") as file:  # a file object: given a path, Mastodon.py leaves the file open
        from_file = client.media_post(file, mime_type="image/png", synchronous=True)
    assert from_file.url.endswith(".png") and from_file.meta.small.width == 640

    updated = client.media_update(from_bytes, description="Team lunch, Friday", focus=(-0.5, 0.5))
    assert updated.description == "Team lunch, Friday"
    assert (updated.meta.focus.x, updated.meta.focus.y) == (-0.5, 0.5)
    assert client.media(from_bytes.id).description == "Team lunch, Friday"

    with pytest.raises(MastodonAPIError) as refused:
        client.media_post(b"%PDF-1.4 not an image", mime_type="image/png")
    assert "not an image" in str(refused.value)

    assert all(
        secret not in (node.folder / "media").joinpath(*from_bytes.url.split("/media/")[1:]).read_bytes()
        for secret in SECRETS
    )
