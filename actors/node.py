"""The node itself: its Application actor (which will sign the node's own fetches), its secret key and its
VAPID key pair (which signs its Web Pushes).

All are created once by `essaim init` and read at every start-up; a node initialised before the
VAPID key existed gets one at its next start-up (`vapid_key`).
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Actor, ActorType, NodeSetting
from essaim.actors.queries import with_profile
from essaim.uris import LocalURIs

SECRET_KEY = "secret_key"
INSTANCE_ACTOR_ID = "instance_actor_id"
VAPID_PRIVATE_KEY = "vapid_private_key"  # PEM (PKCS#8) of a P-256 key, RFC 8292


async def setting(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(NodeSetting.value).where(NodeSetting.key == key))


async def ensure_node(session: AsyncSession, uris: LocalURIs, domain: str) -> bool:
    """Create the secret key and the instance actor if missing; True if anything was created."""
    created = False
    if await setting(session, SECRET_KEY) is None:
        session.add(NodeSetting(key=SECRET_KEY, value=secrets.token_urlsafe(48)))
        created = True
    if await setting(session, VAPID_PRIVATE_KEY) is None:
        await vapid_key(session)
        created = True
    if await setting(session, INSTANCE_ACTOR_ID) is None:
        keys = new_key_pair()
        actor = Actor(
            type=ActorType.APPLICATION.value,
            username=domain,  # cannot collide with a person: handles have no dots
            display_name=domain,
            uri=uris.instance_actor,
            key_id=uris.instance_key_id,
            url=f"{uris.base_url}/about",
            inbox_uri=f"{uris.instance_actor}/inbox",
            outbox_uri=f"{uris.instance_actor}/outbox",
            shared_inbox_uri=uris.shared_inbox,
            public_key_pem=keys.public_pem,
            private_key_pem=keys.private_pem,
            manually_approves_followers=True,
            discoverable=False,
        )
        session.add(actor)
        await session.flush()
        session.add(NodeSetting(key=INSTANCE_ACTOR_ID, value=str(actor.id)))
        created = True
    return created


async def instance_actor(session: AsyncSession) -> Actor:
    actor_id = await setting(session, INSTANCE_ACTOR_ID)
    actor = await session.scalar(with_profile(select(Actor).where(Actor.id == int(actor_id)))) if actor_id else None
    if actor is None:
        raise LookupError("the node has no instance actor: run `essaim init`")
    return actor


async def secret_key(session: AsyncSession) -> str:
    value = await setting(session, SECRET_KEY)
    if value is None:
        raise LookupError("the node has no secret key: run `essaim init`")
    return value


async def vapid_key(session: AsyncSession) -> ec.EllipticCurvePrivateKey:
    """The node's VAPID private key, made and stored the first time it is asked for (call in a transaction)."""
    pem = await setting(session, VAPID_PRIVATE_KEY)
    if pem is None:
        pem = (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            .decode()
        )
        session.add(NodeSetting(key=VAPID_PRIVATE_KEY, value=pem))
        await session.flush()
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise LookupError("the node's VAPID key is not an elliptic-curve key")
    return loaded
