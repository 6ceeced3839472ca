"""Actor documents, content negotiation and collections, as peers and browsers fetch them.

The node runs in secure mode (the default): peers' GETs are signed, here by `peer_reader`, a remote person
on a test server of their own. tests/web/test_authorized_fetch.py covers what unsigned and refused GETs get.
"""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from essaim.actors.models import Actor, Follow, Status, Visibility
from tests.conftest import Node, NodeFactory
from tests.helpers import actor_uri, database, form_token, get_json
from tests.signed_fetch import SigningKey, signed_get_json

LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


async def test_person_document_has_every_field_peers_need(
    demo_node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "hugo")
    actor = await signed_get_json(http, uri, peer_reader)
    assert actor["id"] == uri
    assert actor["type"] == "Person"
    assert actor["preferredUsername"] == "hugo"
    assert actor["name"] == "Hugo Martin"
    assert "boring technology" in actor["summary"]
    assert actor["url"] == f"{demo_node.base_url}/@hugo"
    for key in ("inbox", "outbox", "followers", "following"):
        assert actor[key] == f"{uri}/{key}"
    assert actor["endpoints"]["sharedInbox"] == f"{demo_node.base_url}/inbox"
    assert actor["publicKey"]["id"] == f"{uri}#main-key"
    assert actor["publicKey"]["owner"] == uri
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert actor["icon"]["url"].startswith(demo_node.base_url)
    assert actor["published"].endswith("Z")
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True
    assert actor["webfinger"] == f"hugo@{demo_node.domain}"  # FEP-2c59
    fields = {item["name"]: item["value"] for item in actor["attachment"]}
    assert all(item["type"] == "PropertyValue" for item in actor["attachment"])
    assert fields["Department"] == "Engineering"
    assert fields["Site"] == "Lyon"
    assert fields["Job title"] == "Head of Engineering"
    assert "Camille Laurent" in fields["Manager"] and f"{demo_node.base_url}/@camille" in fields["Manager"]
    assert "Python" in fields["Skills"]
    assert fields["Languages"] == "fr, en"


async def test_no_document_ever_contains_a_private_key(
    demo_node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "camille")
    for url in (uri, f"{demo_node.base_url}/actor", f"{uri}/outbox?page=true", f"{demo_node.base_url}/@camille"):
        for headers in ({"Accept": "application/activity+json"}, peer_reader.get_headers(url)):
            async with http.get(url, headers=headers) as response:
                body = await response.text()
            assert response.status in (200, 401), url  # an unsigned outbox page: 401
            assert "PRIVATE KEY" not in body, url


async def test_instance_actor_is_an_application_served_unsigned(demo_node: Node, http: aiohttp.ClientSession) -> None:
    actor = await get_json(http, f"{demo_node.base_url}/actor")
    assert actor["type"] == "Application"
    assert actor["id"] == f"{demo_node.base_url}/actor"
    assert actor["preferredUsername"] == demo_node.domain
    assert actor["publicKey"]["owner"] == actor["id"]
    assert actor["name"] == demo_node.domain and "icon" in actor, "the whole document, although unsigned"
    outbox = await get_json(http, actor["outbox"])
    assert outbox["totalItems"] == 0


@pytest.mark.parametrize(
    ("accept", "expected_type"),
    [
        ("application/activity+json", "application/activity+json"),
        (LD_JSON, "application/ld+json"),
        ("application/json", "application/activity+json"),
        ("application/activity+json, */*;q=0.1", "application/activity+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("*/*", "text/html"),
        ("image/webp", "application/activity+json"),  # nothing we have: the canonical document
        ("total garbage;;;q=x", "application/activity+json"),
    ],
)
async def test_actor_content_negotiation(
    demo_node: Node, http: aiohttp.ClientSession, accept: str, expected_type: str
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "sofia")
    async with http.get(uri, headers={"Accept": accept}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(expected_type)
        assert "Accept" in response.headers.get("Vary", "")
        body = await response.text()
    if expected_type == "text/html":
        assert "Sofia Rossi" in body and "<html" in body
    elif expected_type == "application/ld+json":
        assert 'profile="https://www.w3.org/ns/activitystreams"' in response.headers["Content-Type"]


async def test_profile_page_redirects_programs_to_the_actor(demo_node: Node, http: aiohttp.ClientSession) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "sofia")
    async with http.get(
        f"{demo_node.base_url}/@sofia", headers={"Accept": "application/activity+json"}, allow_redirects=False
    ) as response:
        assert response.status == 302
        assert response.headers["Location"] == uri


async def test_unknown_actors_are_404_json(demo_node: Node, http: aiohttp.ClientSession) -> None:
    for path in ("/users/1", "/users/99999999999999999999999", "/users/abc", "/users/1/outbox", "/users/1/followers"):
        body = await get_json(http, demo_node.base_url + path, status=404)
        assert body["error"]
    async with http.get(f"{demo_node.base_url}/@nobody_here") as response:
        assert response.status == 404
        assert "text/html" in response.headers["Content-Type"]


async def test_collections_count_honestly_and_page(
    demo_node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "camille")
    followers = await signed_get_json(http, f"{uri}/followers", peer_reader)
    assert followers["type"] == "OrderedCollection"
    assert followers["totalItems"] == 19  # everyone else in the demo company follows camille
    seen: list[str] = []
    page_url: str | None = followers["first"]
    while page_url:
        page = await signed_get_json(http, page_url, peer_reader)
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == followers["id"]
        assert len(page["orderedItems"]) <= 20
        seen += page["orderedItems"]
        page_url = page.get("next")
    assert len(seen) == len(set(seen)) == 19
    assert all(item.startswith(f"{demo_node.base_url}/users/") for item in seen)
    following = await signed_get_json(http, f"{uri}/following", peer_reader)
    paris = await actor_uri(http, demo_node.base_url, demo_node.domain, "paris")
    first = await signed_get_json(http, following["first"], peer_reader)
    assert following["totalItems"] == 1 and first["orderedItems"] == [paris], "only her site's community"


async def test_collections_page_by_max_id(
    nodes: NodeFactory, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    """Several pages: the `next` links walk every item exactly once, newest follow first."""
    node = nodes.create(demo=True)
    uri = await actor_uri(http, node.base_url, node.domain, "camille")
    async with database(node.database_url) as session:
        camille = await session.scalar(select(Actor).where(Actor.uri == uri))
        assert camille is not None
        for n in range(25):
            remote = Actor(
                username=f"fan{n}",
                domain="peer.example",
                uri=f"https://peer.example/users/{n}",
                key_id=f"https://peer.example/users/{n}#main-key",
                public_key_pem="-",
            )
            session.add(remote)
            await session.flush()
            session.add(Follow(follower_id=remote.id, followee_id=camille.id))
    collection = await signed_get_json(http, f"{uri}/followers", peer_reader)
    assert collection["totalItems"] == 44
    pages, seen = [], []
    page_url: str | None = collection["first"]
    while page_url:
        page = await signed_get_json(http, page_url, peer_reader)
        pages.append(len(page["orderedItems"]))
        seen += page["orderedItems"]
        page_url = page.get("next")
    assert pages == [20, 20, 4]
    assert len(set(seen)) == 44
    assert seen[0] == "https://peer.example/users/24", "newest follow first"
    bad = await signed_get_json(http, f"{uri}/followers?page=true&max_id=not-a-number", peer_reader, status=400)
    assert "max_id" in bad["error"]


async def test_outbox_and_profile_show_only_public_posts(
    nodes: NodeFactory, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    """Visibility: followers-only and direct posts never appear in the outbox or on the profile page."""
    node = nodes.create(demo=True)
    uri = await actor_uri(http, node.base_url, node.domain, "sofia")
    before = await signed_get_json(http, f"{uri}/outbox", peer_reader)
    async with database(node.database_url) as session:
        sofia = await session.scalar(select(Actor).where(Actor.uri == uri))
        assert sofia is not None
        for visibility in Visibility:
            session.add(
                Status(
                    actor_id=sofia.id,
                    uri=f"{uri}/statuses/{visibility.value}",
                    visibility=visibility.value,
                    content=f"<p>secret-marker-{visibility.value}</p>",
                )
            )
    outbox = await signed_get_json(http, f"{uri}/outbox", peer_reader)
    assert outbox["totalItems"] == before["totalItems"] + 2  # public and unlisted
    page = await signed_get_json(http, outbox["first"], peer_reader)
    contents = " ".join(item["object"]["content"] for item in page["orderedItems"])
    assert "secret-marker-public" in contents and "secret-marker-unlisted" in contents
    assert "secret-marker-private" not in contents and "secret-marker-direct" not in contents
    unlisted = next(i for i in page["orderedItems"] if "unlisted" in i["object"]["content"])
    assert unlisted["cc"] == ["https://www.w3.org/ns/activitystreams#Public"]
    async with http.get(f"{node.base_url}/@sofia") as response:
        html = await response.text()
    assert "secret-marker-public" in html
    for hidden in ("private", "direct", "unlisted"):
        assert f"secret-marker-{hidden}" not in html


async def test_posts_have_a_document_and_a_page(
    demo_node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "hugo")
    outbox = await signed_get_json(http, f"{uri}/outbox?page=true", peer_reader)
    create = outbox["orderedItems"][0]
    note = await signed_get_json(http, create["object"]["id"], peer_reader)
    assert note["type"] == "Note" and note["attributedTo"] == uri
    assert note["content"] == create["object"]["content"]
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    async with http.get(note["id"], headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and "Hugo Martin" in await response.text()
    async with http.get(note["url"]) as response:
        assert response.status == 200
        assert "CI time went from 40 to 12 minutes" in await response.text()
    async with http.get(
        note["url"], headers={"Accept": "application/activity+json"}, allow_redirects=False
    ) as response:
        assert response.status == 302 and response.headers["Location"] == note["id"]
    await signed_get_json(http, f"{uri}/statuses/123", peer_reader, status=404)
    async with http.get(f"{demo_node.base_url}/@sofia/{note['id'].rsplit('/', 1)[1]}") as response:
        assert response.status == 404, "a post is only found under its own author"


async def test_phone_numbers_are_for_signed_in_colleagues(
    demo_node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "lea")
    actor = await signed_get_json(http, uri, peer_reader)
    assert "Phone" not in {item["name"] for item in actor["attachment"]}
    async with http.get(f"{demo_node.base_url}/@lea") as response:
        assert "tel:" not in await response.text()
    token = await form_token(http, f"{demo_node.base_url}/auth/sign_in")
    form = {"csrf_token": token, "login": "ines", "password": "essaim-demo-2026"}
    async with http.post(f"{demo_node.base_url}/auth/sign_in", data=form) as response:
        assert response.status == 200
    async with http.get(f"{demo_node.base_url}/@lea") as response:
        assert 'href="tel:' in await response.text()
