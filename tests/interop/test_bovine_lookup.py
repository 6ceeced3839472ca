"""bovine, an independent ActivityPub implementation, finds a person on a running Essaim node and trusts its key.

Essaim's own tests read its documents with Essaim's assumptions. Here another implementation's code does
the reading, as a remote server would: bovine's WebFinger client finds `acct:hugo@127.0.0.1:PORT`, bovine's
JSON-LD actor parser reads the actor document, and bovine's HTTP-signature checker accepts a request signed
with the private key Essaim stored for hugo, after fetching the public key from the node itself.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from bovine.clients import lookup_uri_with_webfinger
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from sqlalchemy import select

from essaim.actors.models import Actor
from tests.conftest import Node
from tests.helpers import actor_uri, database, get_json
from tests.interop.bovine_peer import signed_post_headers

if TYPE_CHECKING:
    import bovine.parse

# bovine's parser compacts every document into its own JSON-LD context, loading the contexts named on both
# sides and downloading those it does not ship, which these loopback-only tests must not do. So they are
# served from its cache: the terms of https://w3id.org/security/v1 that actor documents use, defined as
# that context defines them, and the two contexts only bovine's side names, empty (Essaim's documents use
# none of their terms, and empty is what bovine itself falls back to when a download fails).
OFFLINE_CONTEXTS: dict[str, Any] = {
    "https://w3id.org/security/v1": {
        "id": "@id",
        "type": "@type",
        "sec": "https://w3id.org/security#",
        "owner": {"@id": "sec:owner", "@type": "@id"},
        "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
        "publicKeyPem": "sec:publicKeyPem",
    },
    "https://www.w3.org/ns/did/v1": [],
    "https://w3id.org/security/multikey/v1": [],
}


@dataclass(frozen=True)
class StoredActor:
    """What Essaim's database holds for a local person, to compare bovine's reading against."""

    uri: str
    inbox_uri: str
    key_id: str
    public_key_pem: str
    private_key_pem: str


@pytest.fixture(scope="module")
def actor_parser(tmp_path_factory: pytest.TempPathFactory) -> type[bovine.parse.Actor]:
    """bovine's actor parser, with the contexts above in its cache.

    Importing `bovine.jsonld` (which `bovine.parse` does) creates bovine's context cache, an SQLite file,
    in the working directory: import it from a scratch folder so that runs leave nothing in the repository.
    """
    with contextlib.chdir(tmp_path_factory.mktemp("bovine")):
        from bovine import jsonld
        from bovine.parse import Actor as ParsedActor
    for url, context in OFFLINE_CONTEXTS.items():
        jsonld.jsonld_cache.add(url, context)
    return ParsedActor


@pytest.fixture
async def hugo(demo_node: Node) -> StoredActor:
    """The demo user hugo, read from the node's database."""
    async with database(demo_node.database_url) as session:
        query = select(Actor).where(Actor.username == "hugo", Actor.domain.is_(None))
        row = (await session.execute(query)).scalar_one()
    assert row.inbox_uri is not None and row.private_key_pem is not None
    return StoredActor(row.uri, row.inbox_uri, row.key_id, row.public_key_pem, row.private_key_pem)


async def test_bovine_webfinger_finds_the_person(
    demo_node: Node, http: aiohttp.ClientSession, hugo: StoredActor
) -> None:
    """bovine's WebFinger client resolves hugo's handle to his actor id."""
    # bovine's lookup goes to https://<domain> unless the domain is given with its scheme.
    found, verification_necessary = await lookup_uri_with_webfinger(
        http, f"acct:hugo@{demo_node.domain}", domain=demo_node.base_url
    )
    assert found == hugo.uri
    assert found == await actor_uri(http, demo_node.base_url, demo_node.domain, "hugo")
    assert verification_necessary is False, "an acct: URI needs no further proof of authority"


async def test_bovine_parses_the_actor_document(
    demo_node: Node,
    http: aiohttp.ClientSession,
    hugo: StoredActor,
    actor_parser: type[bovine.parse.Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bovine reads id, handle, inbox and key from the actor document and ties the handle back to it."""
    # Fetched unsigned with aiohttp: bovine's own clients (BovineActor, BovineClient) always authenticate.
    actor = actor_parser(await get_json(http, hugo.uri), domain=demo_node.domain)  # validates inbox and outbox

    assert actor.id == hugo.uri
    assert actor.data["preferredUsername"] == "hugo"
    assert actor.data["inbox"] == hugo.inbox_uri
    assert actor.publicKeyPem(hugo.key_id) == hugo.public_key_pem  # raises unless its id and owner are right
    (identifier,) = actor.cryptographic_identifiers
    assert (identifier.id, identifier.controller) == (hugo.key_id, hugo.uri)

    # bovine proves the handle belongs to the actor by looking up preferredUsername@domain again; that
    # lookup has no domain argument, so it may fall back to plain http only when told to.
    monkeypatch.setenv("BUTCHER_ALLOW_HTTP", "1")
    assert await actor.validate_acct_uri(http)
    assert actor.identifiers == {hugo.uri, f"acct:hugo@{demo_node.domain}"}


async def test_bovine_verifies_signatures_made_with_the_stored_key(
    http: aiohttp.ClientSession, hugo: StoredActor
) -> None:
    """bovine accepts a request signed with hugo's stored private key, and refuses one signed with another key."""
    fetched: list[str] = []

    async def fetch_public_key(key_id: str) -> CryptographicIdentifier:
        """bovine's own test server resolves keyIds this way: fetch, then read `publicKey`."""
        fetched.append(key_id)
        return CryptographicIdentifier.from_public_key((await get_json(http, key_id))["publicKey"])

    verify = build_validate_http_signature_raw(fetch_public_key)
    body = b'{"type": "Follow"}'

    async def read_body() -> bytes:
        return body

    by_hugo = CryptographicSecret.from_pem(hugo.key_id, hugo.private_key_pem)
    headers = signed_post_headers(hugo.inbox_uri, body, by_hugo)
    assert await verify("post", hugo.inbox_uri, headers, read_body) == hugo.uri

    _, other_private_pem = generate_rsa_public_private_key()
    forged = CryptographicSecret.from_pem(hugo.key_id, other_private_pem)
    headers = signed_post_headers(hugo.inbox_uri, body, forged)
    assert await verify("post", hugo.inbox_uri, headers, read_body) is None
    assert fetched == [hugo.key_id, hugo.key_id], "both checks reached the key, so the forgery failed on its signature"
