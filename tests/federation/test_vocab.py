"""The small readers for AS2's one-or-many values, and the media-type check fetches and inboxes share."""

from __future__ import annotations

from typing import Any

import pytest

from essaim.federation.vocab import as_list, first, id_of, is_as2_media_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("a", ["a"]), (["a", "b"], ["a", "b"]), ([], []), ({"id": "x"}, [{"id": "x"}]), (0, [0])],
)
def test_as_list(value: Any, expected: list[Any]) -> None:
    assert as_list(value) == expected


def test_first() -> None:
    assert first(None) is None and first([]) is None
    assert first("a") == "a" and first(["b", "c"]) == "b"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://a.example/1", "https://a.example/1"),
        ({"id": "https://a.example/1", "type": "Person"}, "https://a.example/1"),
        (["https://a.example/1", "https://a.example/2"], "https://a.example/1"),
        ([{"id": "https://a.example/1"}], "https://a.example/1"),
        ({"type": "Link", "href": "https://a.example/1"}, "https://a.example/1"),
        ({"type": "Note"}, None),
        ({"id": 42}, None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_id_of(value: Any, expected: str | None) -> None:
    assert id_of(value) == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/activity+json", True),
        ("Application/Activity+JSON; charset=utf-8", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json;profile=https://www.w3.org/ns/activitystreams", True),
        ("application/ld+json", True),
        ('application/ld+json; profile="https://example.com/other"', False),
        ("application/json", False),
        ("text/html; charset=utf-8", False),
        ("", False),
        (None, False),
    ],
)
def test_is_as2_media_type(content_type: str | None, expected: bool) -> None:
    assert is_as2_media_type(content_type) is expected
