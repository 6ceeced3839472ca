"""A local poll's counts reach peers debounced: a burst of votes plans one `Update{Question}`, sent later
with the counts of that moment.

hugo's poll on a running node reaches the peer (tests/inbox_peer.py), who follows him. Local people vote
through the API and the peer votes with Mastodon's `Note`; the node's delay is long (10 minutes), so the
burst surely falls within it: one counts job waits, no Update is planned. The job is then made due in the
node's database, and exactly one Update goes out, with every vote counted, and reaches the peer.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from sqlalchemy import select, update

from essaim.actors.models import Delivery, Job
from essaim.actors.models.base import utcnow
from essaim.outbox.federate_posts import POLL_COUNTS
from tests.api_helpers import api_token, call
from tests.conftest import NodeFactory
from tests.federation_helpers import eventually
from tests.helpers import database
from tests.inbox_peer import Peer, hugo, peer, post

__all__ = ["peer"]  # fixture, imported for pytest

VOTERS = ("sofia", "lucas", "julie", "thomas", "camille")


async def test_a_burst_of_votes_sends_one_update(nodes: NodeFactory, peer: Peer, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True, essaim_federation_poll_update_seconds="600")
    target = await hugo(http, node)
    body, headers = peer.signed(f"{node.base_url}/inbox", peer.follow(target))
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)
    await eventually(lambda: _received(peer, "Accept"), "hugo's Accept at the peer")
    data = {"status": "poll-marker", "poll[options][]": ["red", "blue"], "poll[expires_in]": "86400"}
    question = await call(http, "POST", f"{node.base_url}/api/v1/statuses", await api_token(node, "hugo"), data=data)
    await eventually(lambda: _received(peer, "Create"), "the question at the peer")

    for voter in VOTERS:
        votes = f"{node.base_url}/api/v1/polls/{question['poll']['id']}/votes"
        await call(http, "POST", votes, await api_token(node, voter), json={"choices": [0]})
    vote = {"id": f"{peer.actor}#votes/1", "type": "Note", "attributedTo": peer.actor, "to": [target]}
    vote |= {"name": "blue", "inReplyTo": question["uri"]}
    body, headers = peer.signed(
        f"{node.base_url}/inbox",
        {"id": f"{vote['id']}/activity", "type": "Create", "actor": peer.actor, "to": [target], "object": vote},
    )
    await post(http, f"{node.base_url}/inbox", body, headers, status=202)

    async def counted() -> bool:
        shown = await call(http, "GET", f"{node.base_url}/api/v1/polls/{question['poll']['id']}")
        return bool(shown["voters_count"] == len(VOTERS) + 1)

    await eventually(counted, "the peer's vote counted")
    async with database(node.database_url) as session:
        waiting = list(await session.scalars(select(Job).where(Job.kind == POLL_COUNTS)))
        planned = list(await session.scalars(select(Delivery).where(Delivery.activity_id.like("%#counts/%"))))
        assert len(waiting) == 1 and planned == [], "one counts job for the burst, nothing sent yet"
        await session.execute(update(Job).where(Job.id == waiting[0].id).values(run_at=utcnow()))

    async def sent() -> list[Delivery]:
        async with database(node.database_url) as session:
            return list(await session.scalars(select(Delivery).where(Delivery.activity_id.like("%#counts/%"))))

    [delivery] = await eventually(sent, "the counts' Update planned")
    assert json.loads(delivery.activity)["object"]["votersCount"] == len(VOTERS) + 1
    [received] = await eventually(lambda: _received(peer, "Update"), "the Update at the peer")
    options = {o["name"]: o["replies"]["totalItems"] for o in received["object"]["oneOf"]}
    assert options == {"red": len(VOTERS), "blue": 1}


async def _received(peer: Peer, kind: str) -> list[dict[str, Any]]:
    return [activity for activity in peer.received if activity["type"] == kind]
