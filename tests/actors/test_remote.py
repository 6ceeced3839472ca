"""Storing remote actors: insert, update in place (same row, new key), lookups, and the handle clash."""

from __future__ import annotations

import dataclasses

import pytest

from essaim.actors.models import Actor
from essaim.actors.remote import (
    RemoteActorConflict,
    RemoteProfile,
    actor_by_uri,
    remote_actor_by_handle,
    remote_actor_by_key_id,
    upsert_remote_actor,
)
from essaim.db import Database

BOB = RemoteProfile(
    uri="https://peer.example/users/1",
    type="Person",
    username="Bob",
    domain="peer.example",
    inbox_uri="https://peer.example/users/1/inbox",
    key_id="https://peer.example/users/1#main-key",
    public_key_pem="-----BEGIN PUBLIC KEY-----\nold\n-----END PUBLIC KEY-----\n",
    display_name="Bob Builder",
    fields=[{"name": "Site", "value": "Lyon"}],
    manually_approves_followers=True,
)


async def test_insert_then_update_in_place(database: Database) -> None:
    async with database.transaction() as session:
        first = await upsert_remote_actor(session, BOB)
    assert first.domain == "peer.example" and first.private_key_pem is None and first.skills == []
    rotated = dataclasses.replace(
        BOB, key_id=f"{BOB.uri}#key-2", public_key_pem="new", display_name="Robert", manually_approves_followers=False
    )
    async with database.transaction() as session:
        second = await upsert_remote_actor(session, rotated)
    assert second.id == first.id
    async with database.session() as session:
        stored = await actor_by_uri(session, BOB.uri)
        assert stored is not None and stored.display_name == "Robert" and stored.public_key_pem == "new"
        assert stored.manually_approves_followers is False and stored.fields == [{"name": "Site", "value": "Lyon"}]
        assert await remote_actor_by_key_id(session, BOB.key_id) is None  # the old key id is forgotten
        assert (await remote_actor_by_key_id(session, f"{BOB.uri}#key-2")) is not None
        found = await remote_actor_by_handle(session, "bob", "PEER.example")
        assert found is not None and found.id == first.id


async def test_a_reused_handle_is_a_conflict_and_a_local_uri_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        await upsert_remote_actor(session, BOB)
        local = Actor(username="ana", uri="https://essaim.example/users/2", key_id="k", public_key_pem="p")
        session.add(local)
    impostor = dataclasses.replace(BOB, uri="https://peer.example/users/2", key_id="https://peer.example/users/2#k")
    with pytest.raises(RemoteActorConflict):
        async with database.transaction() as session:
            await upsert_remote_actor(session, impostor)
    with pytest.raises(RemoteActorConflict):
        async with database.transaction() as session:
            await upsert_remote_actor(session, dataclasses.replace(BOB, uri=local.uri))
    async with database.session() as session:
        assert await actor_by_uri(session, impostor.uri) is None
        kept = await actor_by_uri(session, local.uri)
        assert kept is not None and kept.domain is None
