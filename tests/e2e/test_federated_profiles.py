"""A profile edit on one node reaches the followers' node: `Update` of the Person, through the client API only.

Sofia (node 2) edits her profile with Mastodon.py; hugo (node 1) follows her and sees the new
name, bio, fields, avatar and header (through node 1's media cache) on her account there once the
Update is delivered.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
from PIL import Image

from tests.conftest import NodeFactory
from tests.e2e.test_mastodon_py_journey import png
from tests.federation_helpers import eventually, follow, person


async def test_a_profile_edit_reaches_the_followers_node(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
    sofia_there = await follow(hugo, sofia)
    before = await hugo.api("GET", f"/api/v1/accounts/{sofia_there}")

    edited: dict[str, Any] = await asyncio.to_thread(
        sofia.app.account_update_credentials,
        display_name="Sofia (on leave)",
        note="Back in **May**",
        fields=[("Team", "Platform")],
        avatar=png("red"),
        avatar_mime_type="image/png",
        header=png("blue", (300, 100)),
        header_mime_type="image/png",
    )
    assert edited["display_name"] == "Sofia (on leave)"

    async def refreshed() -> dict[str, Any] | None:
        account = dict(await hugo.api("GET", f"/api/v1/accounts/{sofia_there}"))
        return account if account["display_name"] == "Sofia (on leave)" else None

    account = await eventually(refreshed, "sofia's Update reaching node 1")
    assert "May" in account["note"]
    assert {"Team": "Platform"}.items() <= {f["name"]: f["value"] for f in account["fields"]}.items()
    for image in ("avatar", "header"):
        assert account[image] != before[image], f"the new {image} is shown"
        assert account[image].startswith(f"{one.base_url}/media_proxy/accounts/{sofia_there}/"), "through node 1"
        assert await image_size(http, account[image]) == await image_size(http, edited[image])


async def image_size(http: aiohttp.ClientSession, url: str) -> tuple[int, int]:
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 200 and response.content_type == "image/png", url
        size: tuple[int, int] = Image.open(io.BytesIO(await response.read())).size
        return size
