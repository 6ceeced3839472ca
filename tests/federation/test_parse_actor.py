"""parse_actor on the shapes peers send: fixtures written after each server's documentation and code,
Essaim's own documents from a running node, and bovine's actor as its own library builds it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from bovine.activitystreams import Actor as BovineActor
from bovine.activitystreams.controller import Multikey
from bovine.crypto import generate_rsa_public_private_key

from essaim.config import Config, FederationSection, NodeSection
from essaim.federation.client import create_session
from essaim.federation.fetch import Signer, fetch_document
from essaim.federation.parse_actor import FederationParseError, ProfileField, RemoteActor, parse_actor
from tests.conftest import Node
from tests.helpers import actor_uri
from tests.signed_fetch import SigningKey

PEERS = Path(__file__).resolve().parent.parent / "fixtures" / "peers"
CONFIG = Config(node=NodeSection(), federation=FederationSection(allowed_private_ranges=("127.0.0.1/32",)))


def peer_actor(software: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PEERS / software / "actor.json").read_text())
    return document


def test_mastodon() -> None:
    actor = parse_actor(peer_actor("mastodon"))
    base = "https://mastodon.example"
    assert (actor.id, actor.type, actor.preferred_username, actor.name) == (
        f"{base}/users/alice",
        "Person",
        "alice",
        "Alice Durand",
    )
    assert actor.inbox == f"{base}/users/alice/inbox" and actor.shared_inbox == f"{base}/inbox"
    assert actor.outbox == f"{base}/users/alice/outbox"
    assert actor.followers == f"{base}/users/alice/followers" and actor.following == f"{base}/users/alice/following"
    assert actor.url == f"{base}/@alice"
    assert actor.featured == f"{base}/users/alice/collections/featured"
    assert actor.public_key is not None and actor.public_key.id == f"{base}/users/alice#main-key"
    assert actor.public_key.owner == actor.id and actor.public_key.pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.key(f"{base}/users/alice#main-key") == actor.public_key and actor.key("other") is None
    assert actor.icon_url is not None and actor.icon_url.endswith("a1b2.png")
    assert actor.image_url is not None and actor.image_url.endswith("c3d4.jpg")
    assert (actor.discoverable, actor.indexable, actor.manually_approves_followers) == (True, False, False)
    assert actor.also_known_as == ("https://old.example/users/alice",)
    assert actor.published == "2022-11-03T00:00:00Z"
    assert actor.fields[1] == ProfileField("Pronouns", "she/her")
    assert 'href="https://alice.example"' in actor.fields[0].value and "translate" not in actor.fields[0].value
    # The summary is sanitised: the hashtag link stays, the script goes with its contents.
    assert 'class="mention hashtag"' in actor.summary
    assert "script" not in actor.summary and "alert" not in actor.summary
    assert actor.authority == "mastodon.example:443"


def test_gotosocial() -> None:
    actor = parse_actor(peer_actor("gotosocial"))
    assert actor.preferred_username == "1happyturtle" and actor.name == "happy little turtle :3"
    assert actor.shared_inbox is None  # GoToSocial has no shared inbox
    assert actor.manually_approves_followers is True and actor.discoverable is False
    assert actor.public_key is not None and actor.public_key.id == "https://gts.example/users/1happyturtle/main-key"
    assert [f.name for f in actor.fields] == ["should you follow me?", "age"]
    assert actor.summary == "<p>i post about things that concern me</p>"


def test_pleroma() -> None:
    actor = parse_actor(peer_actor("pleroma"))
    assert actor.type == "Service" and actor.preferred_username == "announce"
    assert actor.shared_inbox == "https://pleroma.example/inbox"
    assert actor.webfinger == "announce@pleroma.example"
    assert actor.icon_url == "https://pleroma.example/media/ab14.gif"
    assert actor.public_key is not None and actor.public_key.pem.endswith("-----END PUBLIC KEY-----\n\n")
    assert 'class="u-url mention"' in actor.summary and "data-user" not in actor.summary


def test_misskey() -> None:
    actor = parse_actor(peer_actor("misskey"))
    assert actor.name is None  # Misskey sends null when no display name is set
    assert actor.preferred_username == "nyan" and actor.shared_inbox == "https://misskey.example/inbox"
    assert actor.image_url is None
    assert actor.fields == (
        ProfileField(
            "Home", '<a href="https://nyan.example" rel="me nofollow noopener" target="_blank">https://nyan.example</a>'
        ),
    )


def test_bovine_fixture_and_a_document_bovine_builds_now() -> None:
    fixture = parse_actor(peer_actor("bovine"))
    assert fixture.public_key is not None and fixture.public_key.id.endswith("#serverKey")
    [multikey] = fixture.multikeys
    assert multikey.controller == fixture.id and multikey.multibase.startswith("z6Mk")
    assert fixture.outbox is not None and fixture.followers is None  # bovine's builder leaves them out

    public_pem, _ = generate_rsa_public_private_key()
    base = "http://127.0.0.1:8999/endpoints"
    built = BovineActor(
        id=f"{base}/actor",
        preferred_username="cow",
        inbox=f"{base}/inbox",
        outbox=f"{base}/outbox",
        public_key=public_pem,
        public_key_name="serverKey",
        assertion_method=[Multikey(id=f"{base}/actor#ed", controller=f"{base}/actor", multibase="z6MkTest")],
    ).build()
    actor = parse_actor(built)
    assert actor.id == f"{base}/actor" and actor.authority == "127.0.0.1:8999"
    assert actor.public_key is not None and actor.public_key.pem == public_pem
    assert actor.multikeys[0].id == f"{base}/actor#ed"


async def test_essaims_own_actors_from_a_running_node(demo_node: Node, peer_reader: SigningKey) -> None:
    """A person's full profile needs a signed GET (secure mode); the instance actor is served unsigned."""
    async with aiohttp.ClientSession() as plain:
        uri = await actor_uri(plain, demo_node.base_url, demo_node.domain, "hugo")
    signer = Signer(key_id=peer_reader.key_id, private_key_pem=peer_reader.private_key_pem)
    async with create_session(CONFIG) as session:
        document = await fetch_document(session, uri, signer=signer)
        instance_document = await fetch_document(session, f"{demo_node.base_url}/actor", signer=None)
    actor = parse_actor(document)
    assert actor.id == uri and actor.type == "Person" and actor.preferred_username == "hugo"
    assert actor.name == "Hugo Martin" and actor.summary == document["summary"]
    assert actor.inbox == f"{uri}/inbox" and actor.shared_inbox == f"{demo_node.base_url}/inbox"
    assert actor.public_key is not None and actor.public_key.id == f"{uri}#main-key"
    assert actor.public_key.pem == document["publicKey"]["publicKeyPem"]
    assert actor.webfinger == f"hugo@{demo_node.domain}" and actor.indexable is True
    assert {f.name: f.value for f in actor.fields}["Department"] == "Engineering"
    instance = parse_actor(instance_document)
    assert instance.type == "Application" and instance.followers is None
    assert instance.preferred_username == demo_node.domain


def test_one_or_many_values_and_embedded_references() -> None:
    document = peer_actor("mastodon")
    base = "https://mastodon.example/users/alice"
    second_key = {"id": f"{base}#second", "owner": {"id": base, "type": "Person"}, "publicKeyPem": "-----BEGIN X"}
    document |= {
        "type": ["Person", "https://example.org/ns#Employee"],
        "inbox": {"id": f"{base}/inbox", "type": "OrderedCollection"},
        "publicKey": [document["publicKey"], second_key, f"{base}#referenced-only"],
        "url": [
            {"type": "Link", "mediaType": "application/activity+json", "href": base},
            {"type": "Link", "mediaType": "text/html", "href": "https://mastodon.example/@alice"},
        ],
        "icon": [{"type": "Image", "url": {"type": "Link", "href": "https://mastodon.example/a.png"}}],
        "name": None,
        "nameMap": {"fr": "Alice (fr)"},
        "summary": None,
        "summaryMap": {"en": "<p>Hi<img src=x></p>"},
        "endpoints": "https://mastodon.example/endpoints",  # a reference: nothing to read
    }
    actor = parse_actor(document)
    assert actor.type == "Person"
    assert actor.inbox == f"{base}/inbox"
    assert [key.id for key in actor.public_keys] == [f"{base}#main-key", f"{base}#second"]
    assert actor.key(f"{base}#second") is not None and actor.key(f"{base}#second").owner == base  # type: ignore[union-attr]
    assert actor.url == "https://mastodon.example/@alice"
    assert actor.icon_url == "https://mastodon.example/a.png"
    assert actor.name == "Alice (fr)" and actor.summary == "<p>Hi</p>"
    assert actor.shared_inbox is None


Change = Callable[[dict[str, Any]], None]
OTHER = "https://evil.example/users/alice"


def _set(path: str, value: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        target = document
        *parents, last = path.split(".")
        for name in parents:
            target = target[name]
        if value is None:
            del target[last]
        else:
            target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("id", None), "id is missing"),
        (_set("id", "urn:uuid:1234"), "not an absolute http"),
        (_set("type", "Note"), "not an actor type"),
        (_set("type", None), "not an actor type"),
        (_set("inbox", None), "inbox is missing"),
        (_set("inbox", "https://evil.example/inbox"), "inbox .* is on another host"),
        (_set("inbox", "https://mastodon.example:8443/users/alice/inbox"), "on another host"),
        (_set("endpoints.sharedInbox", "https://evil.example/inbox"), "sharedInbox .* is on another host"),
        (_set("publicKey.owner", OTHER), "publicKey.owner .* is on another host"),
        (_set("publicKey.id", f"{OTHER}#main-key"), "publicKey.id .* is on another host"),
        (_set("publicKey.publicKeyPem", None), "no usable publicKeyPem"),
        (_set("publicKey.publicKeyPem", "MIIBIjANBg"), "no usable publicKeyPem"),
        (_set("preferredUsername", None), "preferredUsername is missing"),
        (_set("preferredUsername", "alice@mastodon.example"), "not a usable name"),
        (
            _set(
                "assertionMethod",
                [{"id": f"{OTHER}#ed", "type": "Multikey", "controller": OTHER, "publicKeyMultibase": "z6Mk"}],
            ),
            "assertionMethod.id .* is on another host",
        ),
    ],
)
def test_documents_that_do_not_speak_for_their_own_host_or_lack_fields_are_refused(change: Change, reason: str) -> None:
    document = copy.deepcopy(peer_actor("mastodon"))
    change(document)
    with pytest.raises(FederationParseError, match=reason):
        parse_actor(document)


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FederationParseError, match="not a JSON object"):
        parse_actor(["not", "an", "actor"])  # type: ignore[arg-type]


def test_the_result_is_a_plain_value() -> None:
    actor = parse_actor(peer_actor("gotosocial"))
    assert actor == parse_actor(peer_actor("gotosocial"))
    assert isinstance(actor, RemoteActor)
    with pytest.raises(AttributeError):
        actor.inbox = "https://gts.example/other"  # type: ignore[misc]


def test_emoji_tags_of_a_profile_are_read_with_the_rules_of_posts() -> None:
    """Mastodon tags the emoji of a display name and bio on the actor; hostile tags are dropped."""
    icon = {"type": "Image", "mediaType": "image/png", "url": "https://mastodon.example/emoji/blob.png"}
    document = peer_actor("mastodon") | {
        "tag": [
            {"type": "Hashtag", "name": "#accessibility", "href": "https://mastodon.example/tags/accessibility"},
            {"type": "Emoji", "id": "https://mastodon.example/emojis/1", "name": ":blob:", "icon": icon},
            {"type": "Emoji", "name": ":blob:", "icon": {"url": "https://mastodon.example/other.png"}},
            {"type": "Emoji", "name": ":evil:", "icon": {"url": "file:///etc/passwd"}},
            {"type": "Emoji", "name": ":bad name:", "icon": icon},
            "https://mastodon.example/emojis/2",
        ]
        + [{"type": "Emoji", "name": f":e{n:02}:", "icon": icon} for n in range(80)]
    }
    emojis = parse_actor(document).emojis
    assert emojis[0].shortcode == "blob" and emojis[0].url == icon["url"]
    assert emojis[0].uri == "https://mastodon.example/emojis/1"
    assert len(emojis) == 50 and {"evil", "bad name"}.isdisjoint(e.shortcode for e in emojis)
    assert parse_actor(peer_actor("gotosocial")).emojis == ()
