"""Authorized fetch (secure mode): what unsigned, signed, refused and forged GETs of a node's documents get.

The node runs with `federation.authorized_fetch` on (the default). Readers sign with real keys:
`peer_reader`, a remote person on a small server of their own; an `Application` actor on another
such server (a peer's instance actor); and, for the real path between nodes, a second Essaim node
whose own resolver and fetch code sign as its `/actor`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Actor, Follow, Mention
from essaim.config import load_config
from essaim.federation.client import create_session
from essaim.federation.fetch import FetchError, Signer, fetch_document
from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON
from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory, free_port
from tests.helpers import actor_uri, database, get_json
from tests.signed_fetch import PeerActor, SigningKey, signed_get_json, stored_key

# What anyone may fetch unsigned: ids, endpoints and the key (the deadlock guard), nothing about the person.
BARE_FIELDS = {
    "@context",
    "id",
    "type",
    "preferredUsername",
    "url",
    "inbox",
    "outbox",
    "followers",
    "following",
    "endpoints",
    "publicKey",
    "webfinger",
}
PROFILE_FIELDS = {
    "name",
    "summary",
    "icon",
    "published",
    "manuallyApprovesFollowers",
    "discoverable",
    "indexable",
    "attachment",
    "featured",  # the pinned posts' collection, itself served to signed GETs only
}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One demo node in secure mode for the module; tests that change who follows whom use their own posts."""
    factory = NodeFactory(tmp_path_factory.mktemp("secure"))
    yield factory.create(demo=True)
    factory.close()


@pytest.fixture(scope="module")
async def instance_reader() -> AsyncIterator[SigningKey]:
    """The key of another server's `Application` actor: it reads for a whole server, so only what anyone may."""
    peer = PeerActor(free_port(), actor_type="Application")
    await peer.server.start_server()
    try:
        yield peer.key
    finally:
        await peer.server.close()


def forged(key: SigningKey) -> SigningKey:
    """The same key id with another private key: a signature that cannot verify."""
    return SigningKey(key.key_id, new_key_pair().private_pem)


async def post(http: aiohttp.ClientSession, node: Node, author: str, text: str, **fields: Any) -> dict[str, Any]:
    token = await api_token(node, author)
    return dict(await call(http, "POST", f"{node.base_url}/api/v1/statuses", token, data={"status": text} | fields))


async def stored_actor_id(node: Node, key: SigningKey) -> int:
    """The node's row for the actor owning `key` (stored when the node verified a GET it signed)."""
    async with database(node.database_url) as session:
        actor_id = await session.scalar(select(Actor.id).where(Actor.key_id == key.key_id))
    assert actor_id is not None, f"{key.key_id} was never verified by the node"
    return int(actor_id)


async def test_an_unsigned_actor_document_is_the_bare_profile(
    node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    uri = await actor_uri(http, node.base_url, node.domain, "hugo")
    async with http.get(uri, headers={"Accept": ACTIVITY_JSON}) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "private", "bare or whole depends on the signature"
        bare = await response.json(content_type=None)
    assert set(bare) == BARE_FIELDS
    assert bare["publicKey"] == {
        "id": f"{uri}#main-key",
        "owner": uri,
        "publicKeyPem": bare["publicKey"]["publicKeyPem"],
    }
    assert bare["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "Hugo" not in str(bare) and "Engineering" not in str(bare)

    whole = await signed_get_json(http, uri, peer_reader)
    assert set(whole) == BARE_FIELDS | PROFILE_FIELDS
    assert whole["name"] == "Hugo Martin"
    assert {item["name"]: item["value"] for item in whole["attachment"]}["Department"] == "Engineering"
    # A signature that does not verify still gets the key, never an error: peers can always fetch keys.
    assert set(await signed_get_json(http, uri, forged(peer_reader))) == BARE_FIELDS

    # The node's own actor signs its fetches: always whole, whatever the signature, never checked.
    for headers in ({"Accept": ACTIVITY_JSON}, forged(peer_reader).get_headers(f"{node.base_url}/actor")):
        async with http.get(f"{node.base_url}/actor", headers=headers) as response:
            instance = await response.json(content_type=None)
        assert response.status == 200 and instance["name"] == node.domain and "attachment" in instance


async def test_posts_and_collections_answer_only_valid_signatures(
    node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    public = await post(http, node, "sofia", "secure-marker for everyone", visibility="public")
    person = public["account"]["uri"]
    collections = [f"{person}/outbox", f"{person}/outbox?page=true", f"{person}/followers", f"{person}/following"]
    stale = datetime.now(UTC) - timedelta(hours=3)
    for url in [public["uri"], *collections]:
        unsigned = await get_json(http, url, status=401)
        assert "not signed" in unsigned["error"], url
        refused = await signed_get_json(http, url, forged(peer_reader), status=401)
        assert "bad signature" in refused["error"], url
        accept = {"Accept": ACTIVITY_JSON}
        old = accept | sign_request(
            "GET", url, accept, None, key_id=peer_reader.key_id, private_key_pem=peer_reader.private_key_pem, now=stale
        )
        async with http.get(url, headers=old) as response:
            assert response.status == 401 and "expired" in (await response.json())["error"], url
        await signed_get_json(http, url, peer_reader)
    garbage = {"Accept": ACTIVITY_JSON, "Signature": 'keyId="nothing"', "Date": "yesterday"}
    async with http.get(public["uri"], headers=garbage) as response:
        assert response.status == 401
    # Browsers are not peers: the page of a public post needs no signature.
    for url, accept_html in ((public["url"], "*/*"), (public["uri"], "text/html")):
        async with http.get(url, headers={"Accept": accept_html}) as response:
            assert response.status == 200 and "secure-marker" in await response.text()


async def test_a_signer_reads_what_the_visibility_rule_lets_them_read(
    node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey, instance_reader: SigningKey
) -> None:
    posts = {
        visibility: await post(http, node, "camille", f"{visibility}-rule-marker", visibility=visibility)
        for visibility in ("public", "unlisted", "private", "direct")
    }

    async def readable(key: SigningKey) -> set[str]:
        seen = set()
        for visibility, status in posts.items():
            async with http.get(status["uri"], headers=key.get_headers(status["uri"])) as response:
                body = await response.json(content_type=None)
            assert response.status in (200, 404), f"{visibility}: {response.status} {body}"
            if response.status == 200:
                assert body["content"] == status["content"]
                seen.add(visibility)
            else:  # exactly what a post that never existed answers: no existence leak
                assert body == {"error": "Record not found"}
        return seen

    assert await readable(peer_reader) == {"public", "unlisted"}, "a stranger"
    assert await readable(instance_reader) == {"public", "unlisted"}
    camille = await actor_uri(http, node.base_url, node.domain, "camille")
    reader_id, instance_id = await stored_actor_id(node, peer_reader), await stored_actor_id(node, instance_reader)
    async with database(node.database_url) as session:
        camille_id = await session.scalar(select(Actor.id).where(Actor.uri == camille))
        assert camille_id is not None
        session.add(Follow(follower_id=reader_id, followee_id=camille_id, accepted=False))
        session.add(Follow(follower_id=instance_id, followee_id=camille_id, accepted=True))
    assert await readable(peer_reader) == {"public", "unlisted"}, "a follow request is not a follow"
    assert await readable(instance_reader) == {"public", "unlisted"}, "a server's actor reads as anyone"
    async with database(node.database_url) as session:
        follow = await session.scalar(select(Follow).where(Follow.follower_id == reader_id))
        assert follow is not None
        follow.accepted = True
    assert await readable(peer_reader) == {"public", "unlisted", "private"}, "an accepted follower"
    async with database(node.database_url) as session:
        session.add(Mention(status_id=int(posts["direct"]["id"]), actor_id=reader_id))
    assert await readable(peer_reader) == {"public", "unlisted", "private", "direct"}, "and mentioned"


async def test_deleted_posts_answer_410_with_a_tombstone(
    node: Node, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    token = await api_token(node, "lucas")
    note = await post(http, node, "lucas", "soon-gone-marker", visibility="unlisted")
    choices = {"poll[options][]": ["a", "b"], "poll[expires_in]": "600"}
    poll = await post(http, node, "lucas", "vote?", visibility="public", **choices)
    hidden = await post(http, node, "lucas", "followers-gone-marker", visibility="private")
    for status in (note, poll, hidden):
        await call(http, "DELETE", f"{node.base_url}/api/v1/statuses/{status['id']}", token)

    async with http.get(note["uri"], headers=peer_reader.get_headers(note["uri"])) as response:
        assert response.status == 410 and response.headers["Content-Type"].startswith(ACTIVITY_JSON)
        tombstone = await response.json(content_type=None)
    deleted = datetime.fromisoformat(tombstone.pop("deleted"))
    assert abs(datetime.now(UTC) - deleted) < timedelta(minutes=5)
    expected = {"@context": "https://www.w3.org/ns/activitystreams", "id": note["uri"], "type": "Tombstone"}
    assert tombstone == expected | {"formerType": "Note"}
    assert (await signed_get_json(http, poll["uri"], peer_reader, status=410))["formerType"] == "Question"
    # A followers-only post leaves no trace: outside its audience it never existed, before or after.
    await signed_get_json(http, hidden["uri"], peer_reader, status=404)
    await get_json(http, note["uri"], status=401)  # unsigned: not even that it is gone
    async with http.get(note["url"]) as response:
        assert response.status == 404


async def test_a_signer_whose_server_the_policy_refuses_gets_403(
    nodes: NodeFactory, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    closed = nodes.create(
        demo=True, ESSAIM_FEDERATION_MODE="allowlist", ESSAIM_FEDERATION_ALLOWLIST="partner.example.org"
    )
    uri = await actor_uri(http, closed.base_url, closed.domain, "hugo")
    for url in (uri, f"{uri}/outbox", f"{uri}/followers?page=true"):
        refused = await signed_get_json(http, url, peer_reader, status=403)
        assert "not allowed by the federation policy" in refused["error"], url
    assert set(await get_json(http, uri)) == BARE_FIELDS, "the bare profile is for anyone"
    async with database(closed.database_url) as session:
        assert await session.scalar(select(Actor.id).where(Actor.key_id == peer_reader.key_id)) is None, (
            "refused before its key was fetched"
        )


async def test_with_authorized_fetch_off_public_documents_need_no_signature(
    nodes: NodeFactory, http: aiohttp.ClientSession, peer_reader: SigningKey
) -> None:
    open_node = nodes.create(demo=True, ESSAIM_FEDERATION_AUTHORIZED_FETCH="false")
    public = await post(http, open_node, "amina", "open-marker", visibility="public")
    private = await post(http, open_node, "amina", "open-private-marker", visibility="private")
    person = public["account"]["uri"]
    async with http.get(person, headers={"Accept": ACTIVITY_JSON}) as response:
        assert "Cache-Control" not in response.headers
        assert set(await response.json(content_type=None)) == BARE_FIELDS | PROFILE_FIELDS
    for url in (public["uri"], f"{person}/outbox?page=true", f"{person}/followers"):
        await get_json(http, url)
        await signed_get_json(http, url, forged(peer_reader))  # a bad signature reads as no signature
    await get_json(http, private["uri"], status=404)
    await signed_get_json(http, private["uri"], peer_reader, status=404)
    # A valid signature still widens what its signer sees: a follower reads followers-only posts.
    reader_id = await stored_actor_id(open_node, peer_reader)
    async with database(open_node.database_url) as session:
        amina_id = await session.scalar(select(Actor.id).where(Actor.uri == person))
        assert amina_id is not None
        session.add(Follow(follower_id=reader_id, followee_id=amina_id, accepted=True))
    assert (await signed_get_json(http, private["uri"], peer_reader))["content"] == private["content"]
    await signed_get_json(http, private["uri"], forged(peer_reader), status=404)


async def test_a_second_node_fetches_signed_as_itself(
    node: Node, nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    """The real path: node two's resolver looks hugo up signing as its `/actor` and gets his whole profile;
    its fetch code, signed by the same key, reads public posts and collection pages and nothing more."""
    two = nodes.create(demo=True)
    lucas = await api_token(two, "lucas")
    lookup = f"{two.base_url}/api/v1/accounts/lookup"
    account = await call(http, "GET", lookup, lucas, params={"acct": f"hugo@{node.domain}"})
    assert account["display_name"] == "Hugo Martin" and "boring technology" in account["note"]
    assert {field["name"]: field["value"] for field in account["fields"]}["Department"] == "Engineering"
    public = await post(http, node, "hugo", "second-node-marker", visibility="public")
    private = await post(http, node, "hugo", "second-node-private-marker", visibility="private")
    instance = await stored_key(two.database_url)
    signer = Signer(instance.key_id, instance.private_key_pem)
    async with create_session(load_config(environ=two.env)) as session:
        page = await fetch_document(session, f"{account['uri']}/outbox?page=true", signer=signer)
        assert any(item["object"]["id"] == public["uri"] for item in page["orderedItems"])
        assert (await fetch_document(session, public["uri"], signer=signer))["content"] == public["content"]
        with pytest.raises(FetchError) as hidden:
            await fetch_document(session, private["uri"], signer=signer)
    assert hidden.value.status == 404
