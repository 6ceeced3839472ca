"""JSON-LD over pyld with the bundled contexts only: real peer documents expand, unknown contexts never load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pyld import jsonld as pyld

from essaim.federation.jsonld import (
    CONTEXT_FILES,
    CONTEXTS_DIR,
    JSONLDError,
    compact,
    context_file,
    expand,
    load_context,
)
from tests.conftest import Node
from tests.helpers import actor_uri, get_json
from tests.network import recorded_connects

AS = "https://www.w3.org/ns/activitystreams#"
SEC = "https://w3id.org/security#"
LDP = "http://www.w3.org/ns/ldp#"  # AS2 takes `inbox` from Linked Data Platform
PEERS = Path(__file__).resolve().parent.parent / "fixtures" / "peers"


def peer_actor(software: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PEERS / software / "actor.json").read_text())
    return document


def test_every_bundled_context_is_a_json_ld_context_document() -> None:
    files = {path.name for path in CONTEXTS_DIR.glob("*.jsonld")}
    assert set(CONTEXT_FILES.values()) <= files
    for name in files:
        document = json.loads((CONTEXTS_DIR / name).read_text())
        assert "@context" in document, name


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.w3.org/ns/activitystreams", "activitystreams.jsonld"),
        ("http://www.w3.org/ns/activitystreams", "activitystreams.jsonld"),
        ("https://www.w3.org/ns/activitystreams#", "activitystreams.jsonld"),
        ("https://www.w3.org/ns/activitystreams.jsonld", "activitystreams.jsonld"),
        ("https://w3id.org/security/v1", "security-v1.jsonld"),
        ("https://www.w3.org/ns/did/v1", "did-v1.jsonld"),
        ("https://w3id.org/security/multikey/v1", "multikey-v1.jsonld"),
        ("https://w3id.org/security/data-integrity/v1", "data-integrity-v1.jsonld"),
        ("https://www.w3.org/ns/cid/v1", "cid-v1.jsonld"),
        ("http://joinmastodon.org/ns", "joinmastodon.jsonld"),
        ("http://schema.org", "schema-org-trimmed.jsonld"),
        ("https://schema.org/", "schema-org-trimmed.jsonld"),
        ("https://litepub.social/litepub/context.jsonld", "litepub-0.1.jsonld"),
        ("https://pleroma.example/schemas/litepub-0.1.jsonld", "litepub-0.1.jsonld"),
        ("https://gotosocial.org/ns", "gotosocial.jsonld"),
        ("https://purl.archive.org/socialweb/webfinger", "webfinger.jsonld"),
        ("https://example.com/my-context.jsonld", None),
        ("http://127.0.0.1:1/context.jsonld", None),
    ],
)
def test_context_urls_map_to_bundled_files(url: str, name: str | None) -> None:
    assert context_file(url) == name


def test_loaded_contexts_are_copies() -> None:
    first = load_context("https://w3id.org/security/v1")
    first["@context"]["publicKey"] = "tampered"
    assert load_context("https://w3id.org/security/v1")["@context"]["publicKey"] != "tampered"


@pytest.mark.parametrize("software", ["mastodon", "gotosocial", "pleroma", "misskey", "bovine"])
def test_peer_actor_documents_expand_offline(software: str) -> None:
    document = peer_actor(software)
    with recorded_connects() as connects:
        [expanded] = expand(document)
    assert connects == []
    assert expanded["@id"] == document["id"]
    assert expanded["@type"] == [AS + document["type"]]
    assert expanded[LDP + "inbox"] == [{"@id": document["inbox"]}]
    [key] = expanded[SEC + "publicKey"]
    assert key["@id"] == document["publicKey"]["id"]
    assert key[SEC + "owner"] == [{"@id": document["id"]}]


def test_expansion_reads_the_terms_peers_define() -> None:
    [bovine] = expand(peer_actor("bovine"))  # Multikeys through the cid/v1 context
    [multikey] = bovine[SEC + "assertionMethod"]
    assert multikey["@type"] == [SEC + "Multikey"]
    assert multikey[SEC + "publicKeyMultibase"][0]["@value"].startswith("z6Mk")
    [pleroma] = expand(peer_actor("pleroma"))  # through an instance's own litepub-0.1.jsonld
    assert pleroma["@type"] == [AS + "Service"]
    assert pleroma["https://purl.archive.org/socialweb/webfinger#webfinger"][0]["@value"].endswith("@pleroma.example")
    assert pleroma[AS + "preferredUsername"] == [{"@value": "announce", "@language": "und"}]
    [mastodon] = expand(peer_actor("mastodon"))
    assert mastodon["http://joinmastodon.org/ns#discoverable"] == [{"@value": True}]
    fields = mastodon[AS + "attachment"]
    assert fields[1]["@type"] == ["http://schema.org#PropertyValue"]
    assert fields[1]["http://schema.org#value"] == [{"@value": "she/her"}]
    # GoToSocial's documented context puts schema.org last, which redefines `name`: JSON-LD reads it as
    # schema:name, not as:name. Peers read actors as plain JSON; so does parse_actor.
    [gotosocial] = expand(peer_actor("gotosocial"))
    assert "http://schema.org/name" in gotosocial and AS + "name" not in gotosocial


async def test_essaims_own_actor_round_trips_through_its_context(demo_node: Node, http: aiohttp.ClientSession) -> None:
    """Every term our actor documents use is defined by their own @context: compacting the expanded
    document with that context gives the document back."""
    uri = await actor_uri(http, demo_node.base_url, demo_node.domain, "hugo")
    document = await get_json(http, uri)
    assert compact(expand(document), document["@context"]) == document
    instance = await get_json(http, f"{demo_node.base_url}/actor")
    assert compact(expand(instance), instance["@context"]) == instance


def test_compaction_maps_peer_spellings_onto_our_terms() -> None:
    document = {
        "@context": {"as": AS, "sec": SEC, "who": {"@id": "as:preferredUsername"}},
        "@id": "https://peer.example/u/1",
        "@type": "as:Person",
        "who": "lou",
        "sec:publicKey": {"@id": "https://peer.example/u/1#k", "sec:owner": {"@id": "https://peer.example/u/1"}},
    }
    compacted = compact(document)
    assert compacted["type"] == "Person"
    assert compacted["preferredUsername"] == "lou"
    assert compacted["publicKey"]["owner"] == "https://peer.example/u/1"


async def test_an_unknown_remote_context_is_refused_without_a_connection() -> None:
    hits: list[str] = []

    async def context_document(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"@context": {"name": "https://example.com/name"}})

    app = web.Application()
    app.router.add_get("/{tail:.*}", context_document)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        for url in (f"http://127.0.0.1:{server.port}/context.jsonld", "http://127.0.0.1:1/context.jsonld"):
            document = {"@context": ["https://www.w3.org/ns/activitystreams", url], "id": "https://a.example/1"}
            with recorded_connects() as connects, pytest.raises(JSONLDError, match="unknown remote JSON-LD context"):
                expand(document)
            assert connects == []
            with pytest.raises(JSONLDError, match="unknown remote JSON-LD context"):
                compact({"id": "https://a.example/1"}, [url])
            # Nested and imported contexts go through the same loader.
            nested = {"@context": {"@version": 1.1, "x": {"@id": "https://a.example/x", "@context": url}}, "x": {}}
            with pytest.raises(JSONLDError, match="unknown remote JSON-LD context"):
                expand(nested)
            with pytest.raises(JSONLDError, match="unknown remote JSON-LD context"):
                expand({"@context": {"@version": 1.1, "@import": url}, "@id": "https://a.example/1"})
    finally:
        await server.close()
    assert hits == []


def test_invalid_json_ld_is_our_error() -> None:
    with pytest.raises(JSONLDError, match="invalid JSON-LD"):
        expand({"@context": {"@id": 42}, "id": "https://a.example/1"})
    with pytest.raises(JSONLDError):
        expand([{"id": "x"}])  # type: ignore[arg-type]


def test_pylds_process_wide_loader_and_cache_are_never_used() -> None:
    """Another library in the process (bovine's parser, say) may set pyld's default loader or fill its
    shared context cache; our expansion must see neither."""
    calls: list[str] = []

    def hostile_loader(url: str, options: dict[str, Any]) -> dict[str, Any]:
        calls.append(url)
        hostile = {"@context": {"inbox": "https://evil.example/x"}}
        return {"contextUrl": None, "documentUrl": url, "document": hostile, "tag": "static"}

    previous = pyld.get_document_loader()
    pyld.set_document_loader(hostile_loader)
    try:
        hostile_expansion = pyld.expand(
            {"@context": "https://www.w3.org/ns/activitystreams", "inbox": "https://a.example/i"},
            {"documentLoader": hostile_loader},
        )  # leaves the hostile AS2 context in pyld's shared cache
        assert hostile_expansion[0]["https://evil.example/x"] == [{"@value": "https://a.example/i"}]
        del calls[:]
        [expanded] = expand(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": "https://a.example/1",
                "inbox": "https://a.example/i",
            }
        )
    finally:
        pyld.set_document_loader(previous)
        pyld._resolved_context_cache.clear()
    assert calls == []
    assert expanded[LDP + "inbox"] == [{"@id": "https://a.example/i"}]
