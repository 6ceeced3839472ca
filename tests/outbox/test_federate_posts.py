"""Which peers the actions tell (essaim.outbox.federate_posts), on a real database: the planned deliveries.

Each action runs as the API runs it (check, then do, in one transaction); the ledger then shows
exactly which inboxes will get which activity. No HTTP here: tests/e2e/test_federated_posts.py
sends them between real nodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from essaim.actors.accounts import create_person
from essaim.actors.models import Account, Actor, Delivery, Follow, Status
from essaim.db import Database
from essaim.federation.vocab import PUBLIC
from essaim.outbox.actions import LocalNode
from essaim.outbox.actions import interactions as act
from essaim.outbox.actions.edits import check_edit_status, do_edit_status
from essaim.outbox.actions.statuses import (
    StatusDraft,
    check_create_status,
    check_delete_status,
    do_create_status,
    do_delete_status,
)
from essaim.uris import LocalURIs

BASE = "https://essaim.example"
NODE = LocalNode(LocalURIs(BASE), "essaim.example")
PEER_SHARED = "https://peer.example/inbox"
OTHER_INBOX = "https://other.example/users/dan/inbox"
FAR_SHARED = "https://far.example/inbox"
EVIL_SHARED = "https://evil.example/inbox"


def remote(username: str, host: str, *, shared: bool = True) -> Actor:
    uri = f"https://{host}/users/{username}"
    return Actor(
        username=username,
        domain=host,
        uri=uri,
        inbox_uri=f"{uri}/inbox",
        shared_inbox_uri=f"https://{host}/inbox" if shared else None,
        followers_uri=f"{uri}/followers",
        key_id=f"{uri}#main-key",
        public_key_pem="x",
    )


@dataclass
class Scene:
    db: Database
    ana_id: int
    leo_id: int
    frank: Actor
    frank_post: Status


@pytest.fixture
async def scene(database: Database) -> Scene:
    """ana is followed by bob and carl (one peer), dan (no shared inbox) and leo (local); eve's request is pending."""
    async with database.transaction() as session:
        ana = await create_person(
            session,
            NODE.uris,
            username="ana",
            email="ana@x.example",
            password="a long passphrase",
            min_password_length=8,
        )
        leo = await create_person(
            session,
            NODE.uris,
            username="leo",
            email="leo@x.example",
            password="a long passphrase",
            min_password_length=8,
        )
        bob, carl, dan = (
            remote("bob", "peer.example"),
            remote("carl", "peer.example"),
            remote("dan", "other.example", shared=False),
        )
        eve, frank = remote("eve", "evil.example"), remote("frank", "far.example")
        session.add_all([bob, carl, dan, eve, frank])
        await session.flush()
        for follower, accepted in ((bob, True), (carl, True), (dan, True), (eve, False)):
            session.add(Follow(follower_id=follower.id, followee_id=ana.actor_id, accepted=accepted))
        session.add(Follow(follower_id=leo.actor_id, followee_id=ana.actor_id))
        frank_post = Status(actor_id=frank.id, uri=f"{frank.uri}/statuses/1", visibility="public", content="<p>f</p>")
        session.add(frank_post)
    return Scene(database, ana.actor_id, leo.actor_id, frank, frank_post)


async def account(session: Any, actor_id: int) -> Account:
    query = select(Account).options(selectinload(Account.actor)).where(Account.actor_id == actor_id)
    return (await session.scalars(query)).one()


async def post(scene: Scene, text: str, visibility: str, reply_to: int | None = None) -> Status:
    async with scene.db.transaction() as session:
        author = await account(session, scene.ana_id)
        draft = StatusDraft(text=text, visibility=visibility, in_reply_to_id=reply_to)
        return await do_create_status(session, await check_create_status(session, author, draft, NODE), NODE)


async def planned(db: Database, activity_id: str) -> dict[str, dict[str, Any]]:
    """Inbox → the activity body planned for it."""
    async with db.session() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.activity_id == activity_id))
        return {row.inbox_url: json.loads(row.activity) for row in rows}


async def test_public_post_reaches_accepted_followers_once_per_host(scene: Scene) -> None:
    status = await post(scene, "Hello @frank@far.example #Launch", "public")
    sent = await planned(scene.db, f"{status.uri}/activity")
    assert set(sent) == {PEER_SHARED, OTHER_INBOX, FAR_SHARED}, "bob and carl share one inbox; eve is pending"
    create = sent[PEER_SHARED]
    assert create["type"] == "Create" and create["actor"] == f"{BASE}/users/{scene.ana_id}"
    assert create["@context"][0] == "https://www.w3.org/ns/activitystreams"
    note = create["object"]
    assert note["to"] == [PUBLIC] and note["cc"] == [f"{BASE}/users/{scene.ana_id}/followers", scene.frank.uri]
    assert {"type": "Mention", "href": scene.frank.uri, "name": "@frank@far.example"} in note["tag"]
    assert {"type": "Hashtag", "href": f"{BASE}/tags/launch", "name": "#Launch"} in note["tag"]


@pytest.mark.parametrize("visibility", ["unlisted", "private"])
async def test_unlisted_and_private_posts_go_to_followers(scene: Scene, visibility: str) -> None:
    status = await post(scene, "Team news", visibility)
    sent = await planned(scene.db, f"{status.uri}/activity")
    assert set(sent) == {PEER_SHARED, OTHER_INBOX}
    addressed = sent[PEER_SHARED]["to"] + sent[PEER_SHARED]["cc"]
    assert (PUBLIC in addressed) == (visibility == "unlisted")


async def test_direct_post_reaches_only_the_mentioned(scene: Scene) -> None:
    status = await post(scene, "@frank@far.example just between us", "direct")
    sent = await planned(scene.db, f"{status.uri}/activity")
    assert set(sent) == {FAR_SHARED}, "followers never hear of a direct post"
    assert (sent[FAR_SHARED]["to"], sent[FAR_SHARED]["cc"]) == ([scene.frank.uri], [])


async def test_a_local_only_audience_plans_nothing(scene: Scene) -> None:
    status = await post(scene, "@leo only you", "direct")
    assert await planned(scene.db, f"{status.uri}/activity") == {}


async def test_a_public_reply_reaches_the_remote_parent_author(scene: Scene) -> None:
    status = await post(scene, "Agreed", "public", reply_to=scene.frank_post.id)
    sent = await planned(scene.db, f"{status.uri}/activity")
    assert FAR_SHARED in sent
    assert sent[FAR_SHARED]["object"]["inReplyTo"] == scene.frank_post.uri


async def test_edit_and_delete_reach_the_same_audience(scene: Scene) -> None:
    status = await post(scene, "First draft", "public")
    async with scene.db.transaction() as session:
        author = await account(session, scene.ana_id)
        current, checked = await check_edit_status(session, author, status.id, StatusDraft(text="Final"), NODE)
        edited = await do_edit_status(session, current, checked, NODE)
        assert edited.edited_at is not None
        update_id = f"{status.uri}#updates/{int(edited.edited_at.timestamp())}"
    update = await planned(scene.db, update_id)
    assert set(update) == {PEER_SHARED, OTHER_INBOX}
    assert update[PEER_SHARED]["type"] == "Update" and update[PEER_SHARED]["object"]["content"] == "<p>Final</p>"
    async with scene.db.transaction() as session:
        author = await account(session, scene.ana_id)
        await do_delete_status(session, await check_delete_status(session, author, status.id), ("*",))
    delete = await planned(scene.db, f"{status.uri}#delete")
    assert set(delete) == {PEER_SHARED, OTHER_INBOX}
    assert delete[PEER_SHARED]["object"] == {"id": status.uri, "type": "Tombstone", "atomUri": status.uri}


async def test_favourite_and_boost_of_a_remote_post_and_their_undo(scene: Scene) -> None:
    async with scene.db.transaction() as session:
        ana = (await account(session, scene.ana_id)).actor
        target = await act.interaction_target(session, scene.frank_post.id, ana.id)
        await act.do_favourite(session, ana, target)
        await act.do_favourite(session, ana, target)  # idempotent: one Like
        original, visibility = await act.check_reblog(session, ana, scene.frank_post.id, None)
        boost = await act.do_reblog(session, ana, original, visibility, NODE, None)
    async with scene.db.session() as session:
        likes = list(await session.scalars(select(Delivery).where(Delivery.activity_id.like(f"{ana.uri}#likes/%"))))
    [like_row] = likes
    like = json.loads(like_row.activity)
    assert like_row.inbox_url == FAR_SHARED
    assert (like["type"], like["object"], like["actor"]) == ("Like", scene.frank_post.uri, ana.uri)
    announce = await planned(scene.db, f"{boost.uri}/activity")
    assert set(announce) == {FAR_SHARED, PEER_SHARED, OTHER_INBOX}, "the author and the booster's followers"
    assert announce[FAR_SHARED]["object"] == scene.frank_post.uri
    async with scene.db.transaction() as session:
        ana = (await account(session, scene.ana_id)).actor
        await act.do_unfavourite(session, ana, scene.frank_post)
        await act.do_unreblog(session, ana, scene.frank_post)
    undo_like = await planned(scene.db, f"{like['id']}/undo")
    assert set(undo_like) == {FAR_SHARED} and undo_like[FAR_SHARED]["object"]["id"] == like["id"]
    undo_announce = await planned(scene.db, f"{boost.uri}/activity/undo")
    assert set(undo_announce) == {FAR_SHARED, PEER_SHARED, OTHER_INBOX}
    assert undo_announce[PEER_SHARED]["object"]["type"] == "Announce"
