"""Community governance across two real nodes: the welcome message, locked posts, pinned announcements and the
`/api/v1/communities/:id` extension, with the refusals moderators' tools must give everyone else.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from sqlalchemy import select

from essaim.actors.models import Job
from essaim.federation.signatures import sign_request
from essaim.inbox.recorder import PROCESS
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, person, stored_status
from tests.helpers import database
from tests.signed_fetch import SigningKey, signed_get_json, stored_key

AS = "https://www.w3.org/ns/activitystreams"


async def deliver(http: aiohttp.ClientSession, node: Node, key: SigningKey, activity: dict[str, Any]) -> None:
    """POST a signed activity to the node's shared inbox, as a peer would; accepted for processing."""
    inbox, body = f"{node.base_url}/inbox", json.dumps(activity).encode()
    headers = {"Content-Type": "application/activity+json"}
    headers |= sign_request("POST", inbox, headers, body, key_id=key.key_id, private_key_pem=key.private_key_pem)
    async with http.post(inbox, data=body, headers=headers) as response:
        assert response.status == 202, await response.text()


async def inbox_settled(node: Node) -> bool:
    """Whether the node has processed every activity its inbox accepted."""
    async with database(node.database_url) as session:
        return await session.scalar(select(Job.id).where(Job.kind == PROCESS).limit(1)) is None


async def joined(member: Person, node: Node) -> dict[str, Any]:
    """`member` (on another node) joins the open community `atelier` of `node`; the Group's account there."""
    group = await member.lookup(f"atelier@{node.domain}")
    await member.api("POST", f"/api/v1/accounts/{group['id']}/follow")

    async def accepted() -> bool:
        return (await member.relationship(group["id"]))["following"] is True

    await eventually(accepted, f"{member.handle} joining atelier")
    return group


async def test_new_members_are_welcomed_once(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """Each admission (open join, approved request, accepted invitation, a remote join) gets one direct welcome
    from the Group; the owner who created the community and a repeated join get none."""
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "trade")
    one.cli("community", "create", "site", "--owner", "hugo", "--template", "site")
    hugo, amina, lucas, mehdi = [await person(http, one, name) for name in ("hugo", "amina", "lucas", "mehdi")]
    sofia, camille = await person(http, two, "sofia"), await person(http, two, "camille")

    one.cli("community", "join", "atelier", "amina")
    one.cli("community", "join", "atelier", "amina")  # already a member: not welcomed twice
    one.cli("community", "join", "site", "lucas")
    one.cli("community", "approve", "site", "lucas")
    one.cli("community", "invite", "site", "mehdi")
    one.cli("community", "join", "site", "mehdi")
    remote_group = await sofia.lookup(f"atelier@{one.domain}")
    await sofia.api("POST", f"/api/v1/accounts/{remote_group['id']}/follow")

    async def welcomed(reader: Person, text: str) -> dict[str, Any] | None:
        return await reader.notified("mention", text)

    amina_welcome = await eventually(lambda: welcomed(amina, "Introduce yourself"), "amina's welcome")
    assert amina_welcome["account"]["acct"] == "atelier" and amina_welcome["status"]["visibility"] == "direct"
    await eventually(lambda: welcomed(lucas, "Welcome to the site"), "lucas's welcome after approval")
    await eventually(lambda: welcomed(mehdi, "Welcome to the site"), "mehdi's welcome after his invitation")
    there = await eventually(lambda: welcomed(sofia, "Introduce yourself"), "sofia's welcome on node 2")
    assert there["account"]["acct"] == f"atelier@{one.domain}" and there["status"]["visibility"] == "direct"
    assert await amina.notifications("mention") == ["atelier"]  # once
    assert await hugo.notifications("mention") == []  # the owner who created it
    assert not await camille.can_read(there["status"]["id"])  # addressed to sofia alone
    assert await camille.notifications("mention") == []


async def test_moderators_lock_and_pin_posts_on_every_node(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """A moderator locks a post (no reply anywhere: API 422 on both nodes, a remote reply refused) and unlocks
    it; pins an announcement (first on the community's list on both nodes, in the Group's featured collection)
    and unpins it. Members who do not moderate, non-members and unknown ids are refused; steps from anyone but
    the hosting Group are ignored."""
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("community", "create", "atelier", "--name", "Atelier", "--owner", "hugo", "--template", "trade")
    one.cli("community", "create", "site", "--owner", "hugo", "--template", "site")
    one.cli("community", "join", "atelier", "amina")
    hugo, amina, lucas = [await person(http, one, name) for name in ("hugo", "amina", "lucas")]
    sofia = await person(http, two, "sofia")
    remote_group = await joined(sofia, one)
    group = await hugo.lookup("atelier")
    base = f"/api/v1/communities/{group['id']}"

    posted = await hugo.post("@atelier kiln rules: book a slot first", "public")
    older = await hugo.post("@atelier glaze stock is low", "public")
    outside = await hugo.post("not in any community", "public")
    there = await eventually(lambda: sofia.home("kiln rules"), "the post on node 2")

    # Bad input: not a moderator (403, Mastodon's error shape), unknown or foreign posts and communities (404).
    refusal = {"error": "Only the community's moderators can do this"}
    assert await amina.api("POST", f"{base}/statuses/{posted['id']}/lock", status=403) == refusal
    assert await lucas.api("POST", f"{base}/statuses/{posted['id']}/pin", status=403) == refusal
    await hugo.api("POST", f"{base}/statuses/{outside['id']}/lock", status=404)
    await hugo.api("POST", f"{base}/statuses/123456789/lock", status=404)
    await hugo.api("POST", f"/api/v1/communities/123456789/statuses/{posted['id']}/lock", status=404)
    await hugo.api("POST", f"/api/v1/communities/{(await hugo.me())['id']}/statuses/{posted['id']}/lock", status=404)

    # Lock: no more replies here (422, with the reason) nor on node 2 once the Group's Announce{Lock} is there.
    assert (await hugo.api("POST", f"{base}/statuses/{posted['id']}/lock"))["id"] == posted["id"]
    reply = {"status": "@atelier may I?", "in_reply_to_id": posted["id"]}
    answer = await amina.api("POST", "/api/v1/statuses", data=reply, status=422)
    assert "locked" in answer["error"]

    async def locked_there() -> bool:
        copy = await stored_status(two, posted["uri"])
        return copy is not None and copy.locked_at is not None

    await eventually(locked_there, "the Group's Lock on node 2")
    remote_reply = {"status": f"@atelier@{one.domain} may I?", "in_reply_to_id": there["id"]}
    assert "locked" in (await sofia.api("POST", "/api/v1/statuses", data=remote_reply, status=422))["error"]

    # A reply sent to node 1 anyway (a server that missed the Lock) is not stored.
    sofia_actor = f"{two.base_url}/users/{(await sofia.me())['id']}"
    forged_reply = f"{two.base_url}/users/{(await sofia.me())['id']}/statuses/999"
    await deliver(
        http,
        one,
        await sofia.key(),
        {
            "@context": AS,
            "id": f"{forged_reply}/activity",
            "type": "Create",
            "actor": sofia_actor,
            "to": [f"{one.base_url}/users/{group['id']}"],
            "object": {
                "id": forged_reply,
                "type": "Note",
                "attributedTo": sofia_actor,
                "inReplyTo": posted["uri"],
                "content": "<p>replying anyway</p>",
                "to": [f"{one.base_url}/users/{group['id']}"],
                "audience": f"{one.base_url}/users/{group['id']}",
            },
        },
    )

    await eventually(lambda: inbox_settled(one), "node 1 processing the reply")
    assert await stored_status(one, forged_reply) is None

    # A Lock not from the hosting Group is ignored: another Group of node 1, a person.
    assert (await hugo.api("POST", f"{base}/statuses/{posted['id']}/unlock"))["id"] == posted["id"]

    async def unlocked_there() -> bool:
        copy = await stored_status(two, posted["uri"])
        return copy is not None and copy.locked_at is None

    await eventually(unlocked_there, "the Group's Undo{Lock} on node 2")
    other_group = await hugo.lookup("site")
    for signer, actor in (("site", other_group), ("lucas", await lucas.me())):
        actor_uri = f"{one.base_url}/users/{actor['id']}"
        lock = {"id": f"{actor_uri}#lock-{signer}", "type": "Lock", "actor": actor_uri, "object": posted["uri"]}
        announce = {"id": f"{actor_uri}#announce", "type": "Announce", "actor": actor_uri, "object": lock}
        forged = lock if signer == "lucas" else announce
        await deliver(http, two, await stored_key(one.database_url, signer), {"@context": AS, **forged})
    await amina.post("@atelier a marker after the forged locks", "public")
    await eventually(lambda: sofia.home("a marker after"), "a later post on node 2")
    copy = await stored_status(two, posted["uri"])
    assert copy is not None and copy.locked_at is None
    await amina.api("POST", "/api/v1/statuses", data=reply)  # replies are taken again

    # Pin: first on the community's list on both nodes and in the Group's featured collection; unpin.
    assert (await hugo.api("POST", f"{base}/statuses/{older['id']}/pin"))["id"] == older["id"]
    listing = await amina.api("GET", f"/api/v1/timelines/list/{group['id']}")
    assert listing[0]["id"] == older["id"] and [s["id"] for s in listing].count(older["id"]) == 1
    details = await amina.api("GET", base)
    assert [s["id"] for s in details["pinned"]] == [older["id"]]
    assert details["access"] == "open" and details["role"] == "member" and details["members_count"] == 3

    async def pinned_there() -> bool:
        timeline = await sofia.api("GET", f"/api/v1/timelines/list/{remote_group['id']}")
        return bool(timeline) and "glaze stock" in timeline[0]["content"]

    await eventually(pinned_there, "the Group's Add on node 2")
    featured = f"{one.base_url}/users/{group['id']}/collections/featured"
    assert (await signed_get_json(http, featured, await sofia.key()))["orderedItems"] == [older["uri"]]
    await hugo.api("POST", f"{base}/statuses/{older['id']}/unpin")
    assert (await amina.api("GET", f"/api/v1/timelines/list/{group['id']}"))[0]["id"] != older["id"]

    async def unpinned_there() -> bool:
        timeline = await sofia.api("GET", f"/api/v1/timelines/list/{remote_group['id']}")
        return bool(timeline) and "glaze stock" not in timeline[0]["content"]

    await eventually(unpinned_there, "the Group's Remove on node 2")

    # The CLI takes the same steps.
    assert "lock" in one.cli("community", "lock", "atelier", posted["id"]).stdout
    await amina.api("POST", "/api/v1/statuses", data=reply, status=422)
    one.cli("community", "unlock", "atelier", posted["id"])
    one.cli("community", "pin", "atelier", posted["id"])
    assert (await amina.api("GET", base))["pinned"][0]["id"] == posted["id"]
    one.cli("community", "unpin", "atelier", posted["id"])
    assert (await amina.api("GET", base))["pinned"] == []


async def test_community_details_hide_secret_communities(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    """`GET /api/v1/communities/:id`: members see a secret community; anyone else gets 404, as for no community."""
    one = nodes.create(demo=True)
    one.cli("community", "create", "projet", "--owner", "hugo", "--template", "project", "--ends-on", "2030-01-01")
    one.cli("community", "invite", "projet", "amina")
    hugo, amina, lucas = [await person(http, one, name) for name in ("hugo", "amina", "lucas")]
    group = await hugo.lookup("projet")
    details = await hugo.api("GET", f"/api/v1/communities/{group['id']}")
    assert details["access"] == "secret" and details["role"] == "owner" and details["kind"] == "project"
    assert details["ends_on"] == "2030-01-01" and details["members_count"] == 1
    assert (await amina.api("GET", f"/api/v1/communities/{group['id']}"))["membership"] == "invited"
    missing = await lucas.api("GET", f"/api/v1/communities/{group['id']}", status=404)
    assert missing == {"error": "Record not found"}
    posted = await hugo.post("@projet launch on monday", "public")
    await lucas.api("POST", f"/api/v1/communities/{group['id']}/statuses/{posted['id']}/pin", status=404)
    await hugo.api("GET", "/api/v1/communities/123456789", status=404)
