"""Inbound JSON-LD: plain documents pass untouched, prefixed or aliased ones are compacted, unknown contexts refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from essaim.federation.vocab import PUBLIC
from essaim.inbox.authenticate import Refused
from essaim.inbox.canonical import canonical, is_plain
from essaim.inbox.receive import read_activity
from tests.network import recorded_connects

AS2 = "https://www.w3.org/ns/activitystreams"


def mastodon_create() -> dict[str, Any]:
    return {
        "@context": [
            AS2,
            {"ostatus": "http://ostatus.org#", "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"},
        ],
        "id": "https://peer.example/users/a/statuses/1/activity",
        "type": "Create",
        "actor": "https://peer.example/users/a",
        "to": [PUBLIC],
        "cc": ["https://peer.example/users/a/followers"],
        "object": {
            "id": "https://peer.example/users/a/statuses/1",
            "type": "Note",
            "content": "<p>hi</p>",
            "to": [PUBLIC],
        },
    }


def test_an_ordinary_mastodon_document_takes_the_fast_path_unchanged() -> None:
    activity = mastodon_create()
    assert is_plain(activity)
    assert canonical(activity) is activity


@pytest.mark.parametrize(
    "variant",
    [
        {"type": "as:Create", "actor": None, "as:actor": {"@id": "https://peer.example/users/a"}},
        {
            "@context": [AS2, {"Make": "as:Create", "who": {"@id": "as:actor", "@type": "@id"}}],
            "type": "Make",
            "actor": None,
            "who": "https://peer.example/users/a",
        },
        {"to": None, f"{AS2}#to": {"@id": PUBLIC}},
    ],
    ids=["prefixed", "aliased", "full-iri-key"],
)
def test_prefixes_aliases_and_full_iris_are_compacted_to_plain_terms(variant: dict[str, Any]) -> None:
    activity = {key: value for key, value in {**mastodon_create(), **variant}.items() if value is not None}
    assert not is_plain(activity)
    result = canonical(activity)
    assert result["type"] == "Create"
    assert result["actor"] == "https://peer.example/users/a"
    assert PUBLIC in result["to"]
    assert result["object"]["id"] == "https://peer.example/users/a/statuses/1"


def test_an_unknown_remote_context_is_refused_without_opening_a_socket() -> None:
    activity = {**mastodon_create(), "@context": [AS2, "http://127.0.0.1:9/context.jsonld"]}
    with recorded_connects() as connects, pytest.raises(Refused) as refused:
        read_activity(json.dumps(activity).encode())
    assert refused.value.status == 400
    assert "unknown remote JSON-LD context" in refused.value.reason
    assert connects == []


def test_invalid_json_ld_is_refused() -> None:
    activity = {**mastodon_create(), "@context": [AS2, {"type": {"@id": 5}}]}
    with pytest.raises(Refused) as refused:
        read_activity(json.dumps(activity).encode())
    assert refused.value.status == 400


def test_an_inline_context_redefining_an_as2_term_takes_the_pyld_path() -> None:
    activity = {**mastodon_create(), "@context": [AS2, {"to": "https://peer.example/ns#to"}]}
    assert not is_plain(activity)
    assert "to" not in canonical(activity)  # no longer the AS2 audience: handlers must not read it as one


def test_a_nested_context_is_processed_and_an_unknown_one_refused() -> None:
    activity = mastodon_create()
    activity["object"] = {**activity["object"], "@context": {"words": "as:content"}, "words": "<p>hi</p>"}
    del activity["object"]["content"]
    assert not is_plain(activity)
    assert canonical(activity)["object"]["content"] == "<p>hi</p>"
    activity["object"]["@context"] = "https://peer.example/ns"
    with pytest.raises(Refused) as refused:
        canonical(activity)
    assert refused.value.status == 400


def test_a_document_without_context_is_read_as_plain_as2() -> None:
    activity = mastodon_create()
    del activity["@context"]
    assert canonical(activity) is activity
