"""Inbound post handlers (essaim.inbox.handlers.posts) through `dispatch`, on a real migrated database.

Every handler's effect, and every refusal: a post from another server than its sender's, a
post attributed to someone else, a remote object claiming a local id, an edit or deletion by
someone else, a late Create after its Delete, a boost or favourite that would widen a post's
audience. A refusal stores nothing (and is logged with its reason).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from essaim.actors.models import (
    Actor,
    Favourite,
    Follow,
    HomeFeedEntry,
    MediaAttachment,
    Mention,
    Notification,
    Poll,
    Status,
    StatusEdit,
    StatusTag,
    Tag,
    Tombstone,
)
from essaim.db import Database
from essaim.federation.vocab import PUBLIC
from essaim.inbox.dispatch import InboxContext, dispatch
from essaim.inbox.handlers import interactions
from essaim.outbox.actions import LocalNode
from essaim.uris import LocalURIs
from tests.helpers import remote_actor

BASE = "https://essaim.example"
NODE = LocalNode(LocalURIs(BASE), "essaim.example")
PEER = "https://peer.example"
BOB = f"{PEER}/users/bob"
BOB_FOLLOWERS = f"{BOB}/followers"
ANA = f"{BASE}/users/ana"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class World:
    """Local people (ana posts; leo follows bob; mia asked to follow bob; zoe follows nobody) and two peers' actors."""

    db: Database
    ana: Actor
    leo: Actor
    mia: Actor
    zoe: Actor
    bob: Actor
    eve: Actor
    ana_public: Status
    ana_private: Status


def _local(username: str) -> Actor:
    uri = f"{BASE}/users/{username}"
    return Actor(
        username=username, uri=uri, followers_uri=f"{uri}/followers", key_id=f"{uri}#main-key", public_key_pem="x"
    )


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction() as session:
        ana, leo, mia, zoe = (_local(n) for n in ("ana", "leo", "mia", "zoe"))
        bob, eve = remote_actor("bob", "peer.example"), remote_actor("eve", "evil.example")
        session.add_all([ana, leo, mia, zoe, bob, eve])
        await session.flush()
        session.add_all(
            [
                Follow(follower_id=leo.id, followee_id=bob.id, accepted=True),
                Follow(follower_id=mia.id, followee_id=bob.id, accepted=False),
                Follow(follower_id=bob.id, followee_id=ana.id, accepted=True),
            ]
        )
        public = Status(actor_id=ana.id, uri=f"{ana.uri}/statuses/1", visibility="public", content="<p>hi</p>")
        private = Status(actor_id=ana.id, uri=f"{ana.uri}/statuses/2", visibility="private", content="<p>us</p>")
        session.add_all([public, private])
    return World(database, ana, leo, mia, zoe, bob, eve, public, private)


async def apply(db: Database, sender: Actor, activity: dict[str, Any]) -> bool:
    async with db.transaction() as session:
        actor = await session.get(Actor, sender.id)
        assert actor is not None
        return await dispatch(InboxContext(session, NODE, actor, activity, NOW))


async def read(db: Database, query: Any) -> list[Any]:
    async with db.session() as session:
        return list(await session.scalars(query))


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def status_by_uri(db: Database, uri: str) -> Status | None:
    async with db.session() as session:
        return await session.scalar(select(Status).where(Status.uri == uri))


async def home_owners(db: Database, status: Status) -> set[int]:
    return set(await read(db, select(HomeFeedEntry.owner_id).where(HomeFeedEntry.status_id == status.id)))


def note(number: int, *, to: list[str], cc: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{BOB}/statuses/{number}",
        "type": "Note",
        "attributedTo": BOB,
        "content": f"<p>post {number}</p>",
        "published": "2026-03-02T08:00:00Z",
        "to": to,
        "cc": cc or [],
    } | fields


def create(obj: dict[str, Any], actor: str = BOB) -> dict[str, Any]:
    return {"id": f"{obj['id']}/activity", "type": "Create", "actor": actor, "object": obj}


# --- Create --------------------------------------------------------------------------------------------


async def test_a_public_post_with_everything(world: World) -> None:
    db = world.db
    post = note(
        1,
        to=[PUBLIC],
        cc=[BOB_FOLLOWERS, world.ana.uri],
        content='<p>Hi <a href="x">@ana</a> #Release<script>alert(1)</script></p>',
        contentMap={"fr": "ignored: content is given"},
        inReplyTo=world.ana_public.uri,
        summary="<p>spoilers &amp; more</p>",
        tag=[
            {"type": "Mention", "href": world.ana.uri, "name": "@ana@essaim.example"},
            {"type": "Hashtag", "href": f"{PEER}/tags/release", "name": "#Release"},
            {"type": "Emoji", "name": ":blob:"},
        ],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": f"{PEER}/media/1.png",
                "name": "A cat",
                "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                "width": 800,
                "height": 600,
            }
        ],
    )
    assert await apply(db, world.bob, create(post))
    status = await status_by_uri(db, post["id"])
    assert status is not None
    assert status.visibility == "public" and status.actor_id == world.bob.id
    assert "<script>" not in status.content and "Release" in status.content
    assert status.spoiler_text == "spoilers & more" and status.sensitive
    assert status.language == "fr"
    assert status.in_reply_to_id == world.ana_public.id and status.in_reply_to_account_id == world.ana.id
    assert await read(db, select(Mention.actor_id).where(Mention.status_id == status.id)) == [world.ana.id]
    tags = await read(db, select(Tag.display_name).join(StatusTag).where(StatusTag.status_id == status.id))
    assert tags == ["Release"]
    [media] = await read(db, select(MediaAttachment).where(MediaAttachment.status_id == status.id))
    assert (media.remote_url, media.type, media.description, media.width) == (
        f"{PEER}/media/1.png",
        "image",
        "A cat",
        800,
    )
    assert media.file_name is None, "remote media are not downloaded yet"
    assert world.leo.id in await home_owners(db, status) and world.ana.id in await home_owners(db, status)
    assert world.mia.id not in await home_owners(db, status), "a pending follow request sees nothing"
    kinds = await read(db, select(Notification.type).where(Notification.recipient_id == world.ana.id))
    assert kinds == ["mention"]
    assert await apply(db, world.bob, create(post)), "a second delivery is acknowledged"
    assert await count(db, Status, Status.uri == post["id"]) == 1


@pytest.mark.parametrize(
    ("to", "cc", "visibility", "readers"),
    [
        ([PUBLIC], [BOB_FOLLOWERS], "public", {"leo"}),
        ([BOB_FOLLOWERS], [PUBLIC], "unlisted", {"leo"}),
        ([BOB_FOLLOWERS], [], "private", {"leo"}),
        ([ANA], [], "direct", {"ana"}),
        ([], [BOB_FOLLOWERS], "direct", set()),  # followers in cc only: Mastodon reads it as direct, never wider
    ],
)
async def test_visibility_from_addressing_reaches_exactly_its_audience(
    world: World, to: list[str], cc: list[str], visibility: str, readers: set[str]
) -> None:
    """SACRED: a followers-only post reaches only local accepted followers; a direct one only its addressees."""
    post = note(2, to=to, cc=cc)
    assert await apply(world.db, world.bob, create(post))
    status = await status_by_uri(world.db, post["id"])
    assert status is not None and status.visibility == visibility
    people = {"ana": world.ana.id, "leo": world.leo.id, "mia": world.mia.id, "zoe": world.zoe.id}
    owners = await home_owners(world.db, status)
    assert {name for name, actor_id in people.items() if actor_id in owners} == readers


async def test_a_question_becomes_a_poll(world: World) -> None:
    post = note(
        3,
        to=[PUBLIC],
        type="Question",
        anyOf=[
            {"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 2}},
            {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 4}},
        ],
        votersCount=5,
        endTime="2026-03-03T08:00:00Z",
    )
    assert await apply(world.db, world.bob, create(post))
    status = await status_by_uri(world.db, post["id"])
    assert status is not None
    [poll] = await read(world.db, select(Poll).where(Poll.status_id == status.id))
    assert (poll.options, poll.option_votes, poll.multiple, poll.voters_count) == (["Tea", "Coffee"], [2, 4], True, 5)
    assert poll.expires_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("activity", "reason"),
    [
        (create(note(4, to=[PUBLIC]) | {"id": "https://evil.example/users/bob/statuses/4"}), "not on the sender"),
        (create(note(4, to=[PUBLIC]) | {"attributedTo": "https://peer.example/users/carl"}), "attributed to"),
        (create(note(4, to=[PUBLIC]) | {"id": f"{BASE}/users/ana/statuses/99"}), "claiming to be a local one"),
        (create(note(4, to=[PUBLIC]) | {"id": "ftp://peer.example/4"}), "unusable post"),
    ],
)
async def test_create_refusals(
    world: World, caplog: pytest.LogCaptureFixture, activity: dict[str, Any], reason: str
) -> None:
    before = await count(world.db, Status)
    with caplog.at_level(logging.WARNING, logger="essaim.inbox.handlers.posts"):
        assert await apply(world.db, world.bob, activity)
    assert await count(world.db, Status) == before, "nothing stored"
    assert reason in caplog.text


async def test_a_late_create_after_its_delete_is_not_resurrected(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    post = note(5, to=[PUBLIC])
    delete = {"id": f"{post['id']}#delete", "type": "Delete", "actor": BOB, "object": post["id"]}
    assert await apply(world.db, world.bob, delete)  # arrives before its Create
    assert await count(world.db, Tombstone, Tombstone.uri == post["id"]) == 1
    with caplog.at_level(logging.WARNING):
        assert await apply(world.db, world.bob, create(post))
    assert await status_by_uri(world.db, post["id"]) is None
    assert "deleted by its author" in caplog.text


async def test_create_of_something_else_is_left_to_other_handlers(world: World) -> None:
    activity = {"id": f"{BOB}/x", "type": "Create", "actor": BOB, "object": {"id": f"{BOB}/x/1", "type": "Event"}}
    assert not await apply(world.db, world.bob, activity)


# --- Update --------------------------------------------------------------------------------------------


async def test_an_edit_keeps_history_and_never_widens(world: World) -> None:
    post = note(6, to=[BOB_FOLLOWERS])
    assert await apply(world.db, world.bob, create(post))
    edit = post | {
        "content": "<p>post 6, corrected</p>",
        "updated": "2026-03-02T08:30:00Z",
        "to": [PUBLIC],  # an edit cannot change who may read the post
        "tag": [{"type": "Mention", "href": world.zoe.uri, "name": "@zoe@essaim.example"}],
    }
    update = {"id": f"{post['id']}#updates/1", "type": "Update", "actor": BOB, "object": edit}
    assert await apply(world.db, world.bob, update)
    status = await status_by_uri(world.db, post["id"])
    assert status is not None
    assert status.content == "<p>post 6, corrected</p>" and status.visibility == "private"
    assert status.edited_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    history = await read(world.db, select(StatusEdit.content).where(StatusEdit.status_id == status.id))
    assert sorted(history) == ["<p>post 6, corrected</p>", "<p>post 6</p>"]
    assert world.zoe.id in await home_owners(world.db, status), "a newly mentioned person may read it"
    assert await read(world.db, select(Notification.type).where(Notification.recipient_id == world.zoe.id)) == [
        "mention"
    ]


async def test_edit_refusals(world: World, caplog: pytest.LogCaptureFixture) -> None:
    post = note(7, to=[PUBLIC])
    assert await apply(world.db, world.bob, create(post))
    forged = post | {"id": post["id"], "content": "<p>forged</p>"}
    eve_update = {"id": "https://evil.example/u/1", "type": "Update", "actor": world.eve.uri, "object": forged}
    local = {
        "id": f"{BOB}/u/2",
        "type": "Update",
        "actor": BOB,
        "object": {**forged, "id": world.ana_private.uri, "to": [PUBLIC, "https://peer.example/users/carl"]},
    }
    with caplog.at_level(logging.WARNING):
        assert await apply(world.db, world.eve, eve_update)
        assert await apply(world.db, world.bob, local)
    status = await status_by_uri(world.db, post["id"])
    assert status is not None and status.content == "<p>post 7</p>"
    private = await status_by_uri(world.db, world.ana_private.uri)
    assert private is not None and private.content == "<p>us</p>" and private.visibility == "private"
    assert "not on the sender's server" in caplog.text and "claiming to be a local one" in caplog.text


# --- Delete --------------------------------------------------------------------------------------------


async def test_delete_by_its_author_only(world: World, caplog: pytest.LogCaptureFixture) -> None:
    post = note(8, to=[PUBLIC], attachment=[{"type": "Image", "url": f"{PEER}/m.jpg", "mediaType": "image/jpeg"}])
    assert await apply(world.db, world.bob, create(post))
    by_eve = {"id": "https://evil.example/d/1", "type": "Delete", "actor": world.eve.uri, "object": post["id"]}
    of_local = {"id": f"{BOB}/d/2", "type": "Delete", "actor": BOB, "object": world.ana_public.uri}
    with caplog.at_level(logging.WARNING):
        assert await apply(world.db, world.eve, by_eve)
        assert await apply(world.db, world.bob, of_local)
    assert await status_by_uri(world.db, post["id"]) is not None
    assert await status_by_uri(world.db, world.ana_public.uri) is not None
    assert await count(world.db, Tombstone) == 0
    tombstone = {"id": post["id"], "type": "Tombstone"}
    assert await apply(
        world.db, world.bob, {"id": f"{post['id']}#delete", "type": "Delete", "actor": BOB, "object": tombstone}
    )
    assert await status_by_uri(world.db, post["id"]) is None
    assert await count(world.db, MediaAttachment, MediaAttachment.status_id.is_not(None)) == 0, "left for the sweep"
    assert await count(world.db, Tombstone, Tombstone.uri == post["id"]) == 1


async def test_an_actor_deleting_themselves_takes_their_posts(world: World) -> None:
    for number in (9, 10):
        assert await apply(world.db, world.bob, create(note(number, to=[PUBLIC])))
    assert await apply(world.db, world.bob, {"id": f"{BOB}#delete", "type": "Delete", "actor": BOB, "object": BOB})
    assert await count(world.db, Status, Status.actor_id == world.bob.id) == 0
    assert await count(world.db, Status, Status.actor_id == world.ana.id) == 2


# --- Like ----------------------------------------------------------------------------------------------


def like(number: int, target: str) -> dict[str, Any]:
    return {"id": f"{BOB}#likes/{number}", "type": "Like", "actor": BOB, "object": target}


async def test_like_and_undo(world: World) -> None:
    activity = like(1, world.ana_public.uri)
    assert await apply(world.db, world.bob, activity)
    assert await apply(world.db, world.bob, activity), "a repeated Like is harmless"
    [favourite] = await read(world.db, select(Favourite))
    assert (favourite.actor_id, favourite.status_id, favourite.uri) == (
        world.bob.id,
        world.ana_public.id,
        activity["id"],
    )
    notes = await read(world.db, select(Notification).where(Notification.recipient_id == world.ana.id))
    assert [(n.type, n.from_actor_id, n.status_id) for n in notes] == [("favourite", world.bob.id, world.ana_public.id)]
    by_eve = {"id": "https://evil.example/x#undo", "type": "Undo", "actor": world.eve.uri, "object": activity["id"]}
    assert await apply(world.db, world.eve, by_eve)
    assert await count(world.db, Favourite) == 1, "only its author takes a favourite back"
    assert await apply(
        world.db, world.bob, {"id": f"{activity['id']}/undo", "type": "Undo", "actor": BOB, "object": activity}
    )
    assert await count(world.db, Favourite) == 0
    assert await count(world.db, Notification, Notification.recipient_id == world.ana.id) == 0


async def test_a_like_needs_a_post_the_sender_may_read(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """SACRED: eve does not follow ana, so ana's followers-only post does not exist for her."""
    eve_like = {"id": "https://evil.example/users/eve#likes/1", "type": "Like", "actor": world.eve.uri}
    with caplog.at_level(logging.WARNING):
        assert await apply(world.db, world.eve, eve_like | {"object": world.ana_private.uri})
    assert await count(world.db, Favourite) == 0 and await count(world.db, Notification) == 0
    assert "may not read" in caplog.text
    assert await apply(world.db, world.bob, like(2, world.ana_private.uri)), "bob follows ana: he may"
    assert await count(world.db, Favourite) == 1
    assert await apply(world.db, world.bob, create(note(30, to=[PUBLIC])))
    assert await apply(world.db, world.eve, eve_like | {"id": f"{eve_like['id']}2", "object": f"{BOB}/statuses/30"})
    assert await count(world.db, Favourite) == 1, "likes of another server's posts are that server's business"


# --- Announce ------------------------------------------------------------------------------------------


def announce(number: int, target: str, to: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": f"{BOB}/statuses/{number}/activity",
        "type": "Announce",
        "actor": BOB,
        "published": "2026-03-02T08:00:00Z",
        "to": to or [PUBLIC],
        "cc": [BOB_FOLLOWERS, ANA],
        "object": target,
    }


async def test_boost_and_undo(world: World) -> None:
    activity = announce(20, world.ana_public.uri)
    assert await apply(world.db, world.bob, activity)
    boost = await status_by_uri(world.db, activity["id"])
    assert boost is not None and boost.reblog_of_id == world.ana_public.id and boost.visibility == "public"
    assert world.leo.id in await home_owners(world.db, boost), "reaches the booster's local followers"
    assert await read(world.db, select(Notification.type).where(Notification.recipient_id == world.ana.id)) == [
        "reblog"
    ]
    assert await apply(world.db, world.bob, activity)
    assert await count(world.db, Status, Status.reblog_of_id == world.ana_public.id) == 1
    undo = {"id": f"{activity['id']}/undo", "type": "Undo", "actor": BOB, "object": activity}
    assert await apply(world.db, world.bob, undo)
    assert await status_by_uri(world.db, activity["id"]) is None
    assert await count(world.db, Notification, Notification.recipient_id == world.ana.id) == 0


async def test_a_followers_only_post_cannot_be_boosted(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """SACRED: a remote activity that would show a local private post to new people is refused."""
    with caplog.at_level(logging.WARNING):
        assert await apply(world.db, world.bob, announce(21, world.ana_private.uri))
    assert await count(world.db, Status, Status.reblog_of_id.is_not(None)) == 0
    assert await count(world.db, Notification) == 0
    assert "would widen" in caplog.text


async def test_undo_of_a_follow_is_not_ours(world: World) -> None:
    follow = {"id": f"{BOB}#follows/1", "type": "Follow", "actor": BOB, "object": world.ana.uri}
    undo = {"id": f"{BOB}#follows/1/undo", "type": "Undo", "actor": BOB, "object": follow}
    async with world.db.transaction() as session:
        actor = await session.get(Actor, world.bob.id)
        assert actor is not None
        assert not await interactions.undo(InboxContext(session, NODE, actor, undo, NOW))
