"""Custom emoji across two nodes: added with `essaim emoji`, used as `:shortcode:`, shown by apps on both nodes.

Hugo (node 1) writes `:essaim_party:` in a post; sofia (node 2) follows him and her app gets the
emoji with the post, from the post's `Emoji` tag, through node 2's media cache.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from essaim.federation.vocab import ACTIVITY_JSON
from tests.conftest import NodeFactory
from tests.e2e.test_mastodon_py_journey import png
from tests.federation_helpers import eventually, follow, person
from tests.signed_fetch import signed_get_json


async def test_a_custom_emoji_travels_with_the_post(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    image = one.folder / "party.png"
    image.write_bytes(png("orange", (32, 32)))
    assert "Added :essaim_party:" in one.cli("emoji", "add", "essaim_party", str(image), "--category", "Essaim").stdout
    refused = one.cli("emoji", "add", "not-a-name", str(image), check=False)
    assert refused.returncode == 1 and "shortcode" in refused.stderr

    hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
    [listed] = await hugo.api("GET", "/api/v1/custom_emojis")
    assert listed["shortcode"] == "essaim_party" and listed["category"] == "Essaim" and listed["visible_in_picker"]
    async with http.get(listed["url"]) as response:
        assert response.status == 200 and response.content_type == "image/png"

    await follow(sofia, hugo)
    posted = await hugo.post("Launch day :essaim_party: (and :not_an_emoji:)", "public")
    assert [e["shortcode"] for e in posted["emojis"]] == ["essaim_party"]
    assert posted["emojis"][0]["url"] == listed["url"]

    async def arrived() -> dict[str, Any] | None:
        return await sofia.home("Launch day")

    there = await eventually(arrived, "hugo's post on node 2")
    [theirs] = there["emojis"]
    assert theirs["shortcode"] == "essaim_party" and theirs["url"].startswith(f"{two.base_url}/media_proxy/emojis/")
    assert theirs["visible_in_picker"] is False
    async with http.get(theirs["url"], allow_redirects=False) as response:
        assert response.status == 200 and response.content_type == "image/png", "node 1's image, cached by node 2"
    assert await sofia.api("GET", "/api/v1/custom_emojis") == [], "a peer's emoji is not offered in node 2's picker"

    note = await signed_get_json(http, posted["uri"], await sofia.key())
    [tag] = [t for t in note["tag"] if t["type"] == "Emoji"]
    assert tag["name"] == ":essaim_party:" and tag["icon"]["url"] == listed["url"]
    async with http.get(tag["id"], headers={"Accept": ACTIVITY_JSON}) as response:
        document = await response.json(content_type=None)
    assert response.status == 200 and document["type"] == "Emoji" and document["icon"]["url"] == listed["url"]

    assert "Removed :essaim_party:" in one.cli("emoji", "remove", "essaim_party").stdout
    assert (await hugo.status(posted["id"]))["emojis"] == [], "a removed emoji is plain text again"
