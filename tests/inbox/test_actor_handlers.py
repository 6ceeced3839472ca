"""Inbound Update of an actor (essaim.inbox.handlers.actors) through `dispatch`, on a real migrated database.

The sender's stored profile is refreshed from the embedded document; an Update of someone
else is refused and changes nothing; the signing key is never replaced by an embedded one.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from essaim.actors.models import Actor
from essaim.db import Database
from tests.inbox.test_post_handlers import BOB, World, apply, world

__all__ = ["world"]  # the fixture, shared with the post handler tests


ROTATED_PEM = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def person(uri: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "Person",
        "preferredUsername": uri.rsplit("/", 1)[1],
        "inbox": f"{uri}/inbox",
        "followers": f"{uri}/followers",
        "publicKey": {"id": f"{uri}#other-key", "owner": uri, "publicKeyPem": ROTATED_PEM},
    } | fields


def update(obj: dict[str, Any], actor: str = BOB) -> dict[str, Any]:
    return {"id": f"{actor}#updates/1", "type": "Update", "actor": actor, "object": obj}


async def stored(db: Database, actor: Actor) -> Actor:
    async with db.session() as session:
        found = await session.get(Actor, actor.id)
        assert found is not None
        return found


async def test_update_refreshes_the_senders_profile(world: World) -> None:
    changed = person(
        BOB,
        name="Bob B.",
        summary="<p>Hello<script>x()</script></p>",
        icon={"type": "Image", "url": "https://peer.example/media/bob.png"},
        image={"type": "Image", "url": "https://peer.example/media/header.png"},
        manuallyApprovesFollowers=True,
        discoverable=True,
        attachment=[{"type": "PropertyValue", "name": "Team", "value": "Ops"}],
    )
    assert await apply(world.db, world.bob, update(changed))
    bob = await stored(world.db, world.bob)
    assert bob.display_name == "Bob B."
    assert "Hello" in bob.summary and "script" not in bob.summary
    assert bob.avatar_url == "https://peer.example/media/bob.png"
    assert bob.header_url == "https://peer.example/media/header.png"
    assert bob.manually_approves_followers and bob.discoverable
    assert [f["name"] for f in bob.fields] == ["Team"]
    assert (bob.key_id, bob.public_key_pem) == (world.bob.key_id, world.bob.public_key_pem), "key kept"


async def test_update_of_another_actor_is_refused(world: World) -> None:
    forged = person(world.eve.uri, name="Eve (forged)")
    assert await apply(world.db, world.bob, update(forged))
    assert (await stored(world.db, world.eve)).display_name != "Eve (forged)"
    forged_local = person(world.ana.uri, name="Ana (forged)")
    assert await apply(world.db, world.bob, update(forged_local))
    assert (await stored(world.db, world.ana)).display_name != "Ana (forged)"
