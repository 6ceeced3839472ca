"""FEP-8fcf pieces: the partial followers digest and the `Collection-Synchronization` header (signed)."""

from __future__ import annotations

import hashlib

import pytest

from essaim.actors.keys import new_key_pair
from essaim.federation.errors import SignatureError
from essaim.federation.followers_sync import HEADER, SyncHeader, followers_digest, parse_sync_header
from essaim.federation.signatures import SignedRequest, sign_request, verify_request
from essaim.federation.vocab import ACTIVITY_JSON
from essaim.outbox.followers_sync import addressed_to_followers

ALICE = "https://one.example/users/1"
BOB = "https://one.example/users/2"
FOLLOWERS = "https://two.example/users/9/followers"


def test_the_digest_of_one_id_is_its_sha256() -> None:
    assert followers_digest([ALICE]) == hashlib.sha256(ALICE.encode()).hexdigest()


def test_the_digest_is_the_xor_of_each_sha256_in_any_order_once_per_id() -> None:
    alice, bob = (hashlib.sha256(uri.encode()).digest() for uri in (ALICE, BOB))
    expected = bytes(a ^ b for a, b in zip(alice, bob, strict=True)).hex()
    assert followers_digest([ALICE, BOB]) == followers_digest([BOB, ALICE, BOB]) == expected
    assert followers_digest([]) == "0" * 64
    assert followers_digest([ALICE, ALICE]) == followers_digest([ALICE]), "a duplicate is one follower"


def test_the_header_round_trips() -> None:
    header = SyncHeader(FOLLOWERS, f"{FOLLOWERS}?domain=one.example", followers_digest([ALICE]))
    assert parse_sync_header(header.render()) == header
    spaced = f'collectionId = "{FOLLOWERS}",url="{header.url}",  digest="{header.digest.upper()}"'
    assert parse_sync_header(spaced) == header, "spacing and the digest's case do not matter"


def test_unusable_headers_are_ignored() -> None:
    digest = followers_digest([ALICE])
    assert parse_sync_header(None) is None
    assert parse_sync_header(f'collectionId="{FOLLOWERS}", digest="{digest}"') is None, "no url"
    assert parse_sync_header(f'collectionId="{FOLLOWERS}", url="{FOLLOWERS}", digest="xyz"') is None
    elsewhere = f'collectionId="{FOLLOWERS}", url="https://evil.example/list", digest="{digest}"'
    assert parse_sync_header(elsewhere) is None, "the list must be on the collection's server"


def test_only_followers_addressed_activities_carry_the_header() -> None:
    assert addressed_to_followers(f'{{"to": ["{FOLLOWERS}"]}}', FOLLOWERS)
    assert addressed_to_followers(f'{{"to": "x", "cc": "{FOLLOWERS}"}}', FOLLOWERS)
    assert not addressed_to_followers(f'{{"to": ["{ALICE}"]}}', FOLLOWERS), "a direct post or a Like"
    assert not addressed_to_followers("not json", FOLLOWERS)


def test_the_header_is_covered_by_the_signature() -> None:
    key = new_key_pair()
    header = SyncHeader(FOLLOWERS, f"{FOLLOWERS}?domain=one.example", followers_digest([ALICE])).render()
    headers = {"Content-Type": ACTIVITY_JSON, HEADER: header}
    url = "https://one.example/inbox"
    added = sign_request("POST", url, headers, b"{}", key_id=f"{ALICE}#main-key", private_key_pem=key.private_pem)
    assert "collection-synchronization" in added["Signature"].split('headers="')[1].split('"')[0].split()
    signed = SignedRequest("POST", url, {**headers, **added}, b"{}")
    verify_request(signed, key.public_pem)
    tampered = SignedRequest(
        "POST", url, {**headers, **added, HEADER: header.replace("one.example", "x.example")}, b"{}"
    )
    with pytest.raises(SignatureError):
        verify_request(tampered, key.public_pem)
