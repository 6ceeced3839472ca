"""Notes and the activities that carry them: addressing per visibility, mentions, hashtags, media, polls, ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from essaim.actors.models import Actor, Poll, Status, Visibility
from essaim.federation.parse_note import parse_note, visibility_of
from essaim.federation.render import post_activities as activities
from essaim.federation.render.note import (
    AttachmentRef,
    HashtagRef,
    MentionRef,
    NoteParts,
    audience,
    render_note,
)
from essaim.federation.vocab import PUBLIC

BASE = "https://essaim.example"
AUTHOR = f"{BASE}/users/1"
FOLLOWERS = f"{AUTHOR}/followers"
BOB = MentionRef("https://peer.example/users/bob", "@bob@peer.example")
ANA = MentionRef(f"{BASE}/users/2", "@ana@essaim.example")
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def author() -> Actor:
    return Actor(id=1, username="camille", uri=AUTHOR, followers_uri=FOLLOWERS, key_id="k", public_key_pem="p")


def post(visibility: Visibility = Visibility.PUBLIC, **fields: object) -> Status:
    values: dict[str, object] = {
        "id": 10,
        "actor_id": 1,
        "uri": f"{AUTHOR}/statuses/10",
        "url": f"{BASE}/@camille/10",
        "visibility": visibility.value,
        "content": "<p>Hello</p>",
        "spoiler_text": "",
        "sensitive": False,
        "published": PUBLISHED,
    }
    return Status(**(values | fields))


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        (Visibility.PUBLIC, [PUBLIC], [FOLLOWERS, BOB.uri, ANA.uri]),
        (Visibility.UNLISTED, [FOLLOWERS], [PUBLIC, BOB.uri, ANA.uri]),
        (Visibility.PRIVATE, [FOLLOWERS], [BOB.uri, ANA.uri]),
        (Visibility.DIRECT, [BOB.uri, ANA.uri], []),
    ],
)
def test_addressing_per_visibility(visibility: Visibility, to: list[str], cc: list[str]) -> None:
    note = render_note(post(visibility), author(), NoteParts(mentions=[BOB, ANA]))
    assert (note["to"], note["cc"]) == (to, cc)
    # Read back as Mastodon reads it, each gives the visibility it was rendered from: nothing widens.
    assert visibility_of(note["to"], note["cc"], FOLLOWERS) == visibility.value
    assert {"type": "Mention", "href": BOB.uri, "name": "@bob@peer.example"} in note["tag"]


def test_direct_post_never_reaches_followers_or_the_public() -> None:
    to, cc = audience(post(Visibility.DIRECT), author(), [BOB.uri])
    assert to == [BOB.uri] and cc == []
    assert PUBLIC not in to + cc and FOLLOWERS not in to + cc


def test_a_plain_public_note() -> None:
    note = render_note(post(language="fr"), author())
    assert note["type"] == "Note"
    assert note["id"] == f"{AUTHOR}/statuses/10" and note["attributedTo"] == AUTHOR
    assert note["published"] == "2026-03-02T09:30:00Z"
    assert note["inReplyTo"] is None and note["tag"] == [] and note["attachment"] == []
    assert note["contentMap"] == {"fr": "<p>Hello</p>"}
    assert note["summary"] is None and note["sensitive"] is False
    assert "updated" not in note


def test_reply_hashtags_media_and_edit() -> None:
    edited = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    parts = NoteParts(
        hashtags=[HashtagRef("Release", f"{BASE}/tags/release")],
        in_reply_to="https://peer.example/users/bob/statuses/5",
        attachments=[
            AttachmentRef(
                url=f"{BASE}/media/a.png",
                media_type="image/png",
                description="A chart",
                blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                width=640,
                height=480,
                focus=(0.5, -0.25),
            ),
            AttachmentRef(url=f"{BASE}/media/b.jpg", media_type="image/jpeg"),
        ],
    )
    note = render_note(post(spoiler_text="CW", sensitive=True, edited_at=edited), author(), parts)
    assert note["inReplyTo"] == "https://peer.example/users/bob/statuses/5"
    assert note["tag"] == [{"type": "Hashtag", "href": f"{BASE}/tags/release", "name": "#Release"}]
    assert note["attachment"][0] == {
        "type": "Document",
        "mediaType": "image/png",
        "url": f"{BASE}/media/a.png",
        "name": "A chart",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "width": 640,
        "height": 480,
        "focalPoint": [0.5, -0.25],
    }
    assert note["attachment"][1]["name"] is None and "width" not in note["attachment"][1]
    assert note["summary"] == "CW" and note["sensitive"] is True
    assert note["updated"] == "2026-03-02T10:00:00Z"


@pytest.mark.parametrize("multiple", [False, True])
def test_a_poll_is_a_question(multiple: bool) -> None:
    poll = Poll(
        options=["Tea", "Coffee"],
        option_votes=[3, 5],
        multiple=multiple,
        voters_count=7,
        expires_at=datetime(2026, 3, 3, tzinfo=UTC),
    )
    note = render_note(post(), author(), NoteParts(poll=poll))
    assert note["type"] == "Question"
    key, other = ("anyOf", "oneOf") if multiple else ("oneOf", "anyOf")
    assert other not in note
    assert note[key] == [
        {"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 3}},
        {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 5}},
    ]
    assert note["votersCount"] == 7 and note["endTime"] == "2026-03-03T00:00:00Z" and "closed" not in note
    parsed = parse_note(note)  # our own Question reads back as the same poll
    assert parsed.poll is not None
    assert (parsed.poll.options, parsed.poll.votes, parsed.poll.multiple) == (["Tea", "Coffee"], [3, 5], multiple)


def test_create_update_delete_envelopes() -> None:
    status = post(Visibility.PRIVATE, edited_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    parts = NoteParts(mentions=[BOB])
    create = activities.render_create(status, author(), parts)
    assert create["id"] == f"{AUTHOR}/statuses/10/activity" and create["type"] == "Create"
    assert create["actor"] == AUTHOR and create["object"]["id"] == status.uri
    assert (create["to"], create["cc"]) == ([FOLLOWERS], [BOB.uri])
    update = activities.render_update(status, author(), parts)
    assert update["type"] == "Update" and update["object"]["updated"] == "2026-03-02T10:00:00Z"
    assert update["id"] == f"{status.uri}#updates/{int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())}"
    delete = activities.render_delete(status, author(), [BOB.uri])
    assert delete["id"] == f"{status.uri}#delete"
    assert delete["object"] == {"id": status.uri, "type": "Tombstone", "atomUri": status.uri}
    assert (delete["to"], delete["cc"]) == ([FOLLOWERS], [BOB.uri]), "told to those who could see it"
    sent = activities.document(create)
    assert sent["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert {"Hashtag", "sensitive", "blurhash", "votersCount"} <= set(sent["@context"][1])


def test_like_announce_and_their_undo() -> None:
    booster = author()
    like = activities.render_like(booster, 42, "https://peer.example/s/1", "https://peer.example/users/bob")
    assert like == {
        "id": f"{AUTHOR}#likes/42",
        "type": "Like",
        "actor": AUTHOR,
        "to": ["https://peer.example/users/bob"],
        "object": "https://peer.example/s/1",
    }
    undo = activities.render_undo(like)
    assert undo["id"] == f"{AUTHOR}#likes/42/undo" and undo["type"] == "Undo" and undo["object"] == like
    boost = post(uri=f"{AUTHOR}/statuses/11", content="")
    announce = activities.render_announce(boost, booster, "https://peer.example/s/1", "https://peer.example/users/bob")
    assert announce["type"] == "Announce" and announce["object"] == "https://peer.example/s/1"
    assert announce["id"] == f"{AUTHOR}/statuses/11/activity"
    assert announce["to"] == [PUBLIC] and announce["cc"] == ["https://peer.example/users/bob", FOLLOWERS]
    assert activities.render_undo(announce)["cc"] == announce["cc"]
