"""WebFinger, host-meta and NodeInfo, served by a real node with the demo company."""

from __future__ import annotations

import aiohttp

from tests.conftest import Node
from tests.helpers import get_json


async def test_webfinger_finds_a_person_by_acct(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/.well-known/webfinger"
    async with http.get(url, params={"resource": f"acct:hugo@{demo_node.domain}"}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/jrd+json")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        jrd = await response.json(content_type=None)
    assert jrd["subject"] == f"acct:hugo@{demo_node.domain}"
    links = {link["rel"]: link for link in jrd["links"]}
    self_link = links["self"]
    assert self_link["type"] == "application/activity+json"
    assert self_link["href"].startswith(f"{demo_node.base_url}/users/")
    assert self_link["href"].rsplit("/", 1)[1].isdigit(), "actor ids are opaque numbers, not handles"
    assert links["http://webfinger.net/rel/profile-page"]["href"] == f"{demo_node.base_url}/@hugo"
    assert "{uri}" in links["http://ostatus.org/schema/1.0/subscribe"]["template"]


async def test_webfinger_accepts_other_spellings_of_the_same_person(
    demo_node: Node, http: aiohttp.ClientSession
) -> None:
    url = f"{demo_node.base_url}/.well-known/webfinger"
    by_acct = await get_json(http, url, resource=f"acct:hugo@{demo_node.domain}")
    actor = by_acct["links"][0]["href"]
    for resource in (f"acct:HUGO@{demo_node.domain}", f"hugo@{demo_node.domain}", actor, f"{demo_node.base_url}/@hugo"):
        jrd = await get_json(http, url, resource=resource)
        assert jrd["subject"] == by_acct["subject"], resource


async def test_webfinger_finds_the_instance_actor(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/.well-known/webfinger"
    for resource in (f"acct:{demo_node.domain}@{demo_node.domain}", f"{demo_node.base_url}/"):
        jrd = await get_json(http, url, resource=resource)
        assert jrd["links"][0]["href"] == f"{demo_node.base_url}/actor"


async def test_webfinger_refuses_unknown_and_malformed_resources(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/.well-known/webfinger"
    for resource, status in (
        (f"acct:nobody@{demo_node.domain}", 404),
        ("acct:hugo@elsewhere.example", 404),
        (f"{demo_node.base_url}/users/123", 404),
        ("https://elsewhere.example/users/1", 404),
        ("not a resource", 400),
        ("mailto:hugo", 400),
    ):
        body = await get_json(http, url, status=status, resource=resource)
        assert isinstance(body["error"], str) and body["error"], resource
    body = await get_json(http, url, status=400)
    assert "resource" in body["error"]


async def test_host_meta_points_to_webfinger(demo_node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{demo_node.base_url}/.well-known/host-meta") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/xrd+xml")
        body = await response.text()
    assert 'rel="lrdd"' in body
    assert f'template="{demo_node.base_url}/.well-known/webfinger?resource={{uri}}"' in body


async def test_nodeinfo_links_and_documents(demo_node: Node, http: aiohttp.ClientSession) -> None:
    links = await get_json(http, f"{demo_node.base_url}/.well-known/nodeinfo")
    hrefs = {link["rel"].rsplit("/", 1)[-1]: link["href"] for link in links["links"]}
    assert hrefs["2.0"] == f"{demo_node.base_url}/nodeinfo/2.0"
    assert hrefs["2.1"] == f"{demo_node.base_url}/nodeinfo/2.1"
    for version in ("2.0", "2.1"):
        async with http.get(hrefs[version]) as response:
            assert response.status == 200
            assert f"schema/{version}#" in response.headers["Content-Type"]
            document = await response.json(content_type=None)
        assert document["version"] == version
        assert document["software"]["name"] == "essaim"
        assert document["protocols"] == ["activitypub"]
        assert document["metadata"]["nodeName"] == "Essaim"
        assert document["usage"]["users"]["total"] == 20  # the demo company
        assert document["usage"]["localPosts"] == 32  # 22 by people, 10 in the demo communities
        assert len(document["metadata"]["staffAccounts"]) == 1  # camille, the only admin
    assert "repository" in (await get_json(http, hrefs["2.1"]))["software"]
    assert "repository" not in (await get_json(http, hrefs["2.0"]))["software"]
    await get_json(http, f"{demo_node.base_url}/nodeinfo/3.0", status=404)
