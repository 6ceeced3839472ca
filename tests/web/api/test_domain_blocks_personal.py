"""Personal domain blocks through Mastodon.py, across two real nodes.

Hugo (node one) follows sofia (node two); sofia and lucas (node two) follow him. When hugo blocks
node two for himself, sofia's posts leave his home, public, hashtag timelines, threads and search,
her notifications leave his list, the Relationship says `domain_blocking`, and his followers there
are removed (node two learns it by a Reject) — while amina, beside him on node one, still sees
everything. Unblocking brings the posts back (not the followers). Bad domains are refused (422).
"""

from __future__ import annotations

import asyncio

import aiohttp
from mastodon import MastodonAPIError

from tests.conftest import NodeFactory
from tests.federation_helpers import Person, eventually, follow, person


async def reads(who: Person, thread_id: str) -> set[str]:
    """Every post id who's timelines, the thread's replies and a search show them."""
    paths = ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/tag/dbtest")
    seen = {s["id"] for path in paths for s in await who.api("GET", path, params={"limit": "40"})}
    context = await who.api("GET", f"/api/v1/statuses/{thread_id}/context")
    return seen | {s["id"] for s in context["descendants"]} | {s["id"] for s in await who.search("dbtest")}


async def notifiers(who: Person) -> set[str]:
    return {n["account"]["acct"] for n in await who.api("GET", "/api/v1/notifications")}


async def test_a_personal_domain_block_hides_a_server_from_the_blocker_only(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, lucas = await person(http, two, "sofia"), await person(http, two, "lucas")
    sofia_id = await follow(hugo, sofia)
    await follow(sofia, hugo)
    await follow(lucas, hugo)
    thread = await hugo.post("Quarterly plan #dbtest", "public")

    hers = await sofia.post("Sales figures #dbtest", "public")
    theirs = await eventually(lambda: sofia.search("Quarterly plan"), "hugo's post reaching node two")
    await sofia.api("POST", f"/api/v1/statuses/{theirs[0]['id']}/favourite")
    reply = await sofia.post("dbtest: looks good", "public", in_reply_to_id=theirs[0]["id"])
    wanted = {hers["uri"], reply["uri"]}

    async def arrived() -> set[str]:
        found = {s["id"] for s in await hugo.search("dbtest") if s["uri"] in wanted}
        return found if len(found) == 2 and sofia.handle in await notifiers(hugo) else set()

    at_one = await eventually(arrived, "sofia's post, reply and favourite reaching node one")
    assert at_one <= await reads(hugo, thread["id"])
    assert (await hugo.relationship(sofia_id))["domain_blocking"] is False
    hugo_id = (await hugo.me())["id"]
    assert {sofia.handle, lucas.handle} <= set(await hugo.follower_handles(hugo_id))

    await asyncio.to_thread(hugo.app.domain_block, two.domain)
    assert await asyncio.to_thread(hugo.app.domain_blocks) == [two.domain]
    assert (await hugo.relationship(sofia_id))["domain_blocking"] is True
    assert not at_one & await reads(hugo, thread["id"])
    assert sofia.handle not in await notifiers(hugo)
    assert at_one <= {s["id"] for s in await amina.search("dbtest")}, "the block is hugo's alone"
    assert not {sofia.handle, lucas.handle} & set(await hugo.follower_handles(hugo_id))
    hugo_there = (await sofia.lookup(f"hugo@{one.domain}"))["id"]

    async def rejected() -> bool:
        return (await sofia.relationship(hugo_there))["following"] is False

    await eventually(rejected, "node two learning sofia no longer follows hugo")

    await asyncio.to_thread(hugo.app.domain_unblock, two.domain)
    assert await asyncio.to_thread(hugo.app.domain_blocks) == []
    assert at_one <= await reads(hugo, thread["id"])
    assert sofia.handle in await notifiers(hugo)


async def test_domain_blocks_page_and_refuse_bad_input(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    hugo = await person(http, node, "hugo")
    for domain in ("one.example", "Two.Example", "three.example:8443"):
        await asyncio.to_thread(hugo.app.domain_block, domain)
    await asyncio.to_thread(hugo.app.domain_block, "one.example")  # twice is harmless
    first = await asyncio.to_thread(hugo.app.domain_blocks, limit=2)
    assert list(first) == ["three.example:8443", "two.example"]
    rest = await asyncio.to_thread(hugo.app.fetch_next, first)
    assert list(rest or []) == ["one.example"]
    for bad in ("https://one.example/path", ""):
        error = await hugo.api("POST", "/api/v1/domain_blocks", data={"domain": bad}, status=422)
        assert set(error) == {"error"}
    try:
        await asyncio.to_thread(hugo.app.domain_block, "not a domain")
        raise AssertionError("a bad domain was accepted")
    except MastodonAPIError as refusal:
        assert refusal.args[1] == 422
    anonymous = Person(http, node, "nobody", None)
    await anonymous.api("GET", "/api/v1/domain_blocks", status=401)
    sofia = await person(http, node, "sofia")
    assert await asyncio.to_thread(sofia.app.domain_blocks) == [], "blocks are private to their owner"
