"""Two-way federation between an Essaim node and bovine-herd, an independent ActivityPub server, on loopback.

Both servers are real processes: an Essaim node with the demo company, and bovine-herd with one actor,
milkdud, driven through bovine's own client API (tests/interop/bovine_peer.py). Each side follows the
other — sofia follows milkdud, who accepts by hand (bovine never accepts on its own); milkdud follows hugo
(open account, accepted at once) and amina (locked, she approves) — then each posts, and each effect is
checked on both sides: through Essaim's Mastodon API, and in what bovine stored. Every request between
the servers is signed and verified: bovine refuses unsigned requests, Essaim too; both refuse forgeries.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from bovine.crypto import generate_rsa_public_private_key
from bovine.crypto.types import CryptographicSecret
from sqlalchemy import select

from essaim.actors.models import Actor
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, person, stored_status
from tests.helpers import ACTIVITY_JSON, database
from tests.interop.bovine_peer import BovinePeer, BovineUser, bovine_user, signed_post_headers

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BOVINE_TIMEOUT = 20.0  # bovine works through its inbox in background tasks, one request at a time


@dataclass
class World:
    """The two servers, and the people the tests act as."""

    node: Node
    peer: BovinePeer
    milkdud: BovineUser
    sofia: Person  # follows milkdud
    hugo: Person  # followed by milkdud, open account
    amina: Person  # followed by milkdud, locked account
    lucas: Person  # does not follow milkdud
    camille: Person  # does not follow milkdud
    milkdud_here: str  # milkdud's account id on the Essaim node

    async def creates_in_bovine_inbox(self, author: Person) -> dict[str, str]:
        """The posts by `author` that reached milkdud's inbox: each Note's id → its content."""
        author_uri = await uri_of(author)
        found = {}
        for activity_id in self.milkdud.inbox():
            activity = self.peer.stored(activity_id) or {}
            if activity.get("type") == "Create" and activity["actor"] == author_uri:
                found[activity["object"]] = str((self.peer.stored(activity["object"]) or {}).get("content", ""))
        return found


async def uri_of(someone: Person) -> str:
    return str((await someone.me())["uri"])


async def actor_row(node: Node, uri: str) -> Actor:
    async with database(node.database_url) as session:
        return (await session.execute(select(Actor).where(Actor.uri == uri))).scalar_one()


async def follow_bovine(sofia: Person, milkdud: BovineUser) -> str:
    """sofia follows milkdud; milkdud accepts through bovine's client API. milkdud's account id on sofia's node."""
    account = await sofia.lookup(milkdud.peer.handle)  # WebFinger, then a signed GET: bovine serves no actor unsigned
    answer = await sofia.api("POST", f"/api/v1/accounts/{account['id']}/follow")
    assert answer["requested"] is True and answer["following"] is False

    async def follow_in_bovine_inbox() -> str | None:
        return next((i for i in milkdud.inbox() if (milkdud.peer.stored(i) or {}).get("type") == "Follow"), None)

    follow_id = await eventually(follow_in_bovine_inbox, "sofia's Follow in bovine's inbox", BOVINE_TIMEOUT)
    await milkdud.accept(await milkdud.read(follow_id))

    async def following() -> bool:
        return (await sofia.relationship(account["id"]))["following"] is True

    await eventually(following, "bovine's Accept on the Essaim node", BOVINE_TIMEOUT)
    return str(account["id"])


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    factory = NodeFactory(tmp_path_factory.mktemp("essaim"))
    node, peer = await asyncio.gather(
        asyncio.to_thread(factory.create, demo=True),
        asyncio.to_thread(BovinePeer.start, tmp_path_factory.mktemp("bovine")),
    )
    try:
        async with aiohttp.ClientSession() as http, bovine_user(peer, http) as milkdud:
            sofia, hugo, amina, lucas, camille = [
                await person(http, node, name) for name in ("sofia", "hugo", "amina", "lucas", "camille")
            ]
            await amina.api("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
            milkdud_here = await follow_bovine(sofia, milkdud)
            await milkdud.follow(await uri_of(hugo))
            await milkdud.follow(await uri_of(amina))
            yield World(node, peer, milkdud, sofia, hugo, amina, lucas, camille, milkdud_here)
    finally:
        await asyncio.gather(asyncio.to_thread(factory.close), asyncio.to_thread(peer.stop))
    assert peer.refused_connections() == [], "bovine tried to reach a host other than 127.0.0.1"


async def test_follows_both_ways_are_recorded_on_both_sides(world: World) -> None:
    sofia, hugo, amina, milkdud = world.sofia, world.hugo, world.amina, world.milkdud
    hugo_uri, amina_uri, sofia_uri = await uri_of(hugo), await uri_of(amina), await uri_of(sofia)

    # sofia → milkdud: bovine accepted (by hand), Essaim shows it, bovine counts sofia among milkdud's followers.
    relationship = await sofia.relationship(world.milkdud_here)
    assert relationship["following"] is True and relationship["requested"] is False
    assert milkdud.followers() == [sofia_uri]
    followed = await sofia.api("GET", f"/api/v1/accounts/{world.milkdud_here}")
    assert followed["acct"] == world.peer.handle and followed["uri"] == milkdud.uri

    # milkdud → hugo (open): Essaim accepted at once, and bovine took the Accept into its following collection.
    async def bovine_follows_hugo() -> bool:
        return hugo_uri in milkdud.following()

    await eventually(bovine_follows_hugo, "hugo's Accept recorded by bovine", BOVINE_TIMEOUT)
    hugo_id = (await hugo.me())["id"]
    assert world.peer.handle in await hugo.follower_handles(hugo_id)
    assert await hugo.notifications("follow") == [world.peer.handle]

    # milkdud → amina (locked): a request on Essaim until she approves it through the API; then bovine follows.
    async def amina_is_asked() -> bool:
        return await amina.request_handles() == [world.peer.handle]

    await eventually(amina_is_asked, "milkdud's request on amina's node", BOVINE_TIMEOUT)
    assert amina_uri not in milkdud.following()
    assert await amina.notifications("follow_request") == [world.peer.handle]
    approved = await amina.api("POST", f"/api/v1/follow_requests/{world.milkdud_here}/authorize")
    assert approved["followed_by"] is True

    async def bovine_follows_amina() -> bool:
        return amina_uri in milkdud.following()

    await eventually(bovine_follows_amina, "amina's Accept recorded by bovine", BOVINE_TIMEOUT)
    accepts = [world.peer.stored(i) or {} for i in milkdud.inbox()]
    assert {a["actor"] for a in accepts if a.get("type") == "Accept"} == {hugo_uri, amina_uri}
    assert await amina.request_handles() == []


async def test_bovine_posts_reach_exactly_their_audience_on_essaim(world: World) -> None:
    sofia, lucas, camille, milkdud = world.sofia, world.lucas, world.camille, world.milkdud
    followers = milkdud.actor["followers"]

    # Public, to its followers: in sofia's home; anyone on the node may read it, nobody else has it in home.
    await milkdud.note("<p>moo-public for all</p>", to=[PUBLIC], cc=[followers])
    public = await eventually(lambda: sofia.home("moo-public"), "bovine's public note in sofia's home", BOVINE_TIMEOUT)
    assert public["visibility"] == "public" and public["account"]["acct"] == world.peer.handle
    assert public["content"] == "<p>moo-public for all</p>"
    assert (await lucas.status(public["id"]))["uri"] == public["uri"]
    assert await lucas.home("moo-public") is None

    # Followers only. bovine shows its followers collection to the actor alone, so Essaim cannot tell that the
    # note's audience is milkdud's followers: it keeps it as a direct post to the people it names — nobody
    # here — rather than guess and widen it. Shown to no one, sofia included.
    hidden_uri = await milkdud.note("<p>moo-followers only</p>", to=[followers])
    hidden = await eventually(lambda: stored_status(world.node, hidden_uri), "the note stored", BOVINE_TIMEOUT)
    assert hidden.visibility == "direct"
    for reader in (sofia, lucas, camille):
        assert await reader.home("moo-followers") is None
        assert await reader.search("moo-followers") == []
        await reader.status(str(hidden.id), status=404)

    # Addressed to lucas alone: a direct message to him (home and a mention), hidden from sofia the follower.
    await milkdud.note("<p>moo-direct just for lucas</p>", to=[await uri_of(lucas)])
    direct = await eventually(lambda: lucas.home("moo-direct"), "the direct note in lucas's home", BOVINE_TIMEOUT)
    assert direct["visibility"] == "direct"
    assert await lucas.notified("mention", "moo-direct") is not None
    for outsider in (sofia, camille):
        assert await outsider.home("moo-direct") is None
        assert await outsider.search("moo-direct") == []
        await outsider.status(direct["id"], status=404)


async def test_essaim_posts_reach_exactly_their_audience_on_bovine(world: World) -> None:
    hugo, amina, milkdud = world.hugo, world.amina, world.milkdud
    await eventually(lambda: _follows(milkdud, hugo), "milkdud following hugo", BOVINE_TIMEOUT)

    # Sent to milkdud as a follower: public, unlisted and followers-only posts; not a direct one to camille.
    await hugo.post(f"@{world.camille.handle} essaim-direct for camille only", "direct")
    for visibility in ("private", "unlisted", "public"):
        await hugo.post(f"essaim-{visibility} from hugo", visibility)

    async def three_posts() -> dict[str, str] | None:
        found = await world.creates_in_bovine_inbox(hugo)
        return found if len(found) >= 3 else None

    received = await eventually(three_posts, "hugo's posts in bovine's inbox", BOVINE_TIMEOUT)
    # bovine read each post's addressing as meant: public and unlisted for anyone, followers-only restricted.
    audience = {
        marker: world.peer.audience(note_id)
        for note_id, content in received.items()
        for marker in ("essaim-public", "essaim-unlisted", "essaim-private")
        if marker in content
    }
    assert audience == {"essaim-public": "PUBLIC", "essaim-unlisted": "PUBLIC", "essaim-private": "RESTRICTED"}
    assert len(received) == 3, "the direct post to camille was not sent to bovine"

    # bovine's client API shows the post with its author (which bovine fetched and stored with the key).
    public_id = next(note_id for note_id, content in received.items() if "essaim-public" in content)
    note = await milkdud.read(public_id)
    assert note["content"] == "<p>essaim-public from hugo</p>"
    assert note["attributedTo"]["id"] == await uri_of(hugo)
    assert note["attributedTo"]["preferredUsername"] == "hugo"

    # amina's followers-only post reaches milkdud too, once she approved the follow.
    await eventually(lambda: _follows(milkdud, amina), "milkdud following amina", BOVINE_TIMEOUT)
    await amina.post("essaim-amina for my followers", "private")

    async def amina_post() -> dict[str, str] | None:
        return await world.creates_in_bovine_inbox(amina) or None

    assert "essaim-amina" in next(iter((await eventually(amina_post, "amina's post", BOVINE_TIMEOUT)).values()))


async def _follows(milkdud: BovineUser, someone: Person) -> bool:
    return await uri_of(someone) in milkdud.following()


async def test_each_side_verifies_the_other_s_signatures(world: World) -> None:
    hugo, sofia, milkdud, peer = world.hugo, world.sofia, world.milkdud, world.peer
    await eventually(lambda: _follows(milkdud, hugo), "milkdud following hugo", BOVINE_TIMEOUT)
    hugo_uri = await uri_of(hugo)

    # What bovine stored to check Essaim's signatures: hugo's key, as Essaim holds it (and the node's, for GETs).
    hugo_row = await actor_row(world.node, hugo_uri)
    stored_key = peer.stored(hugo_row.key_id) or {}
    assert stored_key.get("owner") == hugo_uri and stored_key.get("publicKeyPem") == hugo_row.public_key_pem
    node_actor = await actor_row(world.node, f"{world.node.base_url}/actor")
    assert (peer.stored(node_actor.key_id) or {}).get("publicKeyPem") == node_actor.public_key_pem

    # What Essaim stored to check bovine's: milkdud's key, as bovine publishes it.
    milkdud_row = await actor_row(world.node, milkdud.uri)
    assert milkdud_row.key_id == milkdud.actor["publicKey"]["id"]
    assert milkdud_row.public_key_pem == milkdud.actor["publicKey"]["publicKeyPem"]

    async with aiohttp.ClientSession() as http:
        # A Create claiming to be milkdud's, unsigned or signed with another key: Essaim refuses both.
        forged_note = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{peer.base_url}/objects/forged-create",
            "type": "Create",
            "actor": milkdud.uri,
            "to": [PUBLIC],
            "object": {
                "id": f"{peer.base_url}/objects/forged-note",
                "type": "Note",
                "attributedTo": milkdud.uri,
                "to": [PUBLIC],
                "content": "moo-forged by someone else",
            },
        }
        sofia_inbox = (await actor_row(world.node, await uri_of(sofia))).inbox_uri
        assert sofia_inbox is not None
        await _refused(http, sofia_inbox, forged_note, milkdud_row.key_id)

        # And the other way: a Follow claiming to be hugo's, to milkdud's inbox. bovine refuses both too.
        forged_follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{world.node.base_url}/forged-follow",
            "type": "Follow",
            "actor": hugo_uri,
            "object": milkdud.uri,
        }
        await _refused(http, milkdud.actor["inbox"], forged_follow, hugo_row.key_id)

    # Neither forgery left a trace: not on Essaim (after a genuine note, delivered after them), not in bovine.
    await milkdud.note("<p>moo-genuine after the forgery</p>", to=[PUBLIC], cc=[milkdud.actor["followers"]])
    await eventually(lambda: sofia.home("moo-genuine"), "the genuine note", BOVINE_TIMEOUT)
    assert await sofia.home("moo-forged") is None and await sofia.search("moo-forged") == []
    assert forged_follow["id"] not in milkdud.inbox() and peer.stored(str(forged_follow["id"])) is None


async def _refused(http: aiohttp.ClientSession, inbox: str, activity: dict[str, object], key_id: str) -> None:
    """POST `activity` unsigned, then signed with a new key under `key_id`: both answered 401."""
    body = json.dumps(activity).encode()
    async with http.post(inbox, data=body, headers={"Content-Type": ACTIVITY_JSON}) as response:
        assert response.status == 401, f"unsigned to {inbox}: {response.status} {await response.text()}"
    _, other_private_pem = generate_rsa_public_private_key()
    headers = signed_post_headers(inbox, body, CryptographicSecret.from_pem(key_id, other_private_pem))
    async with http.post(inbox, data=body, headers=headers) as response:
        assert response.status == 401, f"forged to {inbox}: {response.status} {await response.text()}"
