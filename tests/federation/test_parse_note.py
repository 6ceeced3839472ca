"""Reading peers' posts (essaim.federation.parse_note): the shapes servers send, and what is refused or dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from essaim.federation.parse_actor import FederationParseError
from essaim.federation.parse_note import parse_note, visibility_of
from essaim.federation.vocab import PUBLIC

BOB = "https://peer.example/users/bob"
FOLLOWERS = f"{BOB}/followers"

# What Mastodon 4.3 sends (shortened), with a hostile script and a content warning.
MASTODON_NOTE: dict[str, Any] = {
    "id": f"{BOB}/statuses/1",
    "type": "Note",
    "summary": "Spoiler <b>here</b>",
    "inReplyTo": "https://essaim.example/users/1/statuses/9",
    "published": "2026-03-02T08:00:00Z",
    "url": "https://peer.example/@bob/1",
    "attributedTo": BOB,
    "to": [PUBLIC],
    "cc": [FOLLOWERS, "https://essaim.example/users/1"],
    "sensitive": False,
    "content": '<p>Hi <span class="h-card"><a href="https://essaim.example/@ana" class="u-url mention">@ana</a>'
    "</span><script>steal()</script> #Fika</p>",
    "contentMap": {"sv": "<p>Hi</p>"},
    "attachment": [
        {"type": "Document", "mediaType": "video/mp4", "url": "https://peer.example/v.mp4", "name": None},
        {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(1)"},
    ],
    "tag": [
        {"type": "Mention", "href": "https://essaim.example/users/1", "name": "@ana@essaim.example"},
        {"type": "Hashtag", "href": "https://peer.example/tags/fika", "name": "#Fika"},
        {"type": "Hashtag", "name": "#not a tag"},
        {"type": "Emoji", "name": ":blob:"},
    ],
}


def test_a_mastodon_note() -> None:
    note = parse_note(MASTODON_NOTE)
    assert note.id == f"{BOB}/statuses/1" and note.type == "Note" and note.attributed_to == BOB
    assert "<script>" not in note.content and "steal" not in note.content and 'class="h-card"' in note.content
    assert note.summary == "Spoiler here" and note.sensitive, "a content warning makes the post sensitive"
    assert note.language == "sv", "contentMap names the language even when its text differs"
    assert note.published == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert note.in_reply_to == "https://essaim.example/users/1/statuses/9"
    assert note.mentions == ["https://essaim.example/users/1"]
    assert note.hashtags == ["Fika"]
    assert [(a.url, a.kind) for a in note.attachments] == [("https://peer.example/v.mp4", "video")]
    assert note.url == "https://peer.example/@bob/1"
    assert visibility_of(note.to, note.cc, FOLLOWERS) == "public"


def test_other_servers_shapes() -> None:
    article = parse_note(
        {
            "id": "https://blog.example/p/1",
            "type": "Article",
            "name": "Release <notes>",
            "attributedTo": {"id": "https://blog.example/u/me", "type": "Person"},
            "contentMap": {"en": "<p>Body</p>"},
            "url": [
                {"type": "Link", "href": "https://blog.example/p/1.json", "mediaType": "application/json"},
                {"type": "Link", "href": "https://blog.example/p/1", "mediaType": "text/html"},
            ],
            "to": "as:Public",
            "sensitive": "true",
        }
    )
    assert article.content == "<p><strong>Release &lt;notes&gt;</strong></p><p>Body</p>"
    assert article.language == "en" and article.attributed_to == "https://blog.example/u/me"
    assert article.url == "https://blog.example/p/1" and article.sensitive
    assert visibility_of(article.to, article.cc, None) == "public"


@pytest.mark.parametrize(
    "document",
    [
        {**MASTODON_NOTE, "type": "Event"},
        {**MASTODON_NOTE, "id": "urn:uuid:1"},
        {k: v for k, v in MASTODON_NOTE.items() if k != "attributedTo"},
        ["not", "an", "object"],
    ],
)
def test_unusable_posts_are_refused(document: Any) -> None:
    with pytest.raises(FederationParseError):
        parse_note(document)


@pytest.mark.parametrize(
    ("to", "cc", "visibility"),
    [
        ([PUBLIC], [], "public"),
        (["Public"], [], "public"),
        ([FOLLOWERS], ["as:Public"], "unlisted"),
        ([FOLLOWERS], [], "private"),
        (["https://essaim.example/users/1"], [FOLLOWERS], "direct"),
        ([], [], "direct"),
        (["https://other.example/users/x/followers"], [], "direct"),  # someone else's followers are not ours
    ],
)
def test_visibility_as_mastodon_reads_it(to: list[str], cc: list[str], visibility: str) -> None:
    assert visibility_of(to, cc, FOLLOWERS) == visibility


def test_custom_emoji_tags() -> None:
    icon = {"type": "Image", "mediaType": "image/png", "url": "https://peer.example/emoji/blob.png"}
    tags = [
        {
            "id": "https://peer.example/emojis/1",
            "type": "Emoji",
            "name": ":blob:",
            "icon": icon,
            "updated": "2026-01-02T03:04:05Z",
        },
        {"type": "Emoji", "name": ":blob:", "icon": {"url": "https://peer.example/other.png"}},  # one per shortcode
        {"type": "Emoji", "name": "misskey_style", "icon": [icon]},  # no colons, icon as a list
        {"type": "Emoji", "name": ":blob:"},  # no image (MASTODON_NOTE has this one)
        {"type": "Emoji", "name": ":bad name:", "icon": icon},
        {"type": "Emoji", "name": ":x:", "icon": icon},  # too short
        {"type": "Emoji", "name": ":evil:", "icon": {"url": "javascript:alert(1)"}},
        {
            "id": "ftp://peer.example/e",
            "type": "Emoji",
            "name": ":ftp:",
            "icon": icon,
        },  # a bad id is dropped, not the emoji
    ]
    emojis = parse_note(MASTODON_NOTE | {"tag": tags}).emojis
    assert [(e.shortcode, e.url, e.uri) for e in emojis] == [
        ("blob", icon["url"], "https://peer.example/emojis/1"),
        ("misskey_style", icon["url"], None),
        ("ftp", icon["url"], None),
    ]
    assert emojis[0].updated == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_note(MASTODON_NOTE).emojis == []
    many = [{"type": "Emoji", "name": f":e{n:02}:", "icon": icon} for n in range(80)]
    assert len(parse_note(MASTODON_NOTE | {"tag": many}).emojis) == 50
