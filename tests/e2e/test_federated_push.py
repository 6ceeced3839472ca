"""Web Push for what arrives by federation: a follow and a direct message from another node reach alice's phone.

alice and carol are on node one, each with a phone subscribed to every alert; bob is on node two.
bob follows alice and sends her a direct message: node one applies both from its inbox, and
alice's phone decrypts a `follow` and a `mention` push. carol is in neither audience: her phone
gets nothing, and no push for her is ever queued.
"""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy import select

from essaim.actors.models import Job
from essaim.actors.push import PUSH
from tests.conftest import NodeFactory
from tests.federation_helpers import follow, person
from tests.helpers import database
from tests.push_service import PushService
from tests.web.test_auth_forms import GOOD_PASSWORD

ALERTS = {"follow_events": True, "mention_events": True, "follow_request_events": True, "status_events": True}


async def test_a_remote_follow_and_direct_message_are_pushed_to_their_audience_only(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(), nodes.create()
    for node, username in ((one, "alice"), (one, "carol"), (two, "bob")):
        node.cli("user", "create", username, "--email", f"{username}@example.com", input=f"{GOOD_PASSWORD}\n")
    alice, carol, bob = (
        await person(http, one, "alice"),
        await person(http, one, "carol"),
        await person(http, two, "bob"),
    )
    service = PushService()
    await service.start()
    try:
        phones = {"alice": service.device(), "carol": service.device()}
        for someone in (alice, carol):
            device = phones[someone.username]
            keys = {"pubkey": device.public_key, "auth": device.auth}
            await asyncio.to_thread(someone.app.push_subscription_set, device.url, keys, **ALERTS)

        await follow(bob, alice)
        followed = await phones["alice"].push("a push for bob's follow, applied from node one's inbox")
        assert followed.payload["notification_type"] == "follow" and "bob" in followed.payload["title"]

        await bob.post(f"@{alice.handle} a secret for you alone", "direct")
        direct = await phones["alice"].push("a push for bob's direct message", 2)
        assert direct.payload["notification_type"] == "mention" and "a secret for you alone" in direct.payload["body"]
    finally:
        await service.close()
    assert phones["carol"].requests == 0 and phones["alice"].types() == ["follow", "mention"]
    async with database(one.database_url) as session:
        assert (await session.scalars(select(Job).where(Job.kind == PUSH))).all() == [], "nothing else queued"
