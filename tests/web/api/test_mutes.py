"""Mutes through Mastodon.py: what they hide (timelines, threads, notifications), what they do not, expiry.

In the demo company hugo follows amina and lucas, and amina follows hugo. When hugo mutes amina
(notifications included), her posts, lucas's boost of one, her reply in a thread and her
notifications leave hugo's reads — home, public, hashtag, list, thread, notifications — while
everyone else still sees them, and his home leaves out lucas's post mentioning her (public
timelines keep it, as on Mastodon); her direct message to him is still readable by its id but, as on
Mastodon, neither in his home nor notified. A mute without notifications keeps them. Unmuting,
or the mute's time running out, brings everything back; the sweep then deletes expired rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select, update

from essaim.actors.models import Mute
from essaim.actors.models.base import utcnow
from essaim.outbox.actions.mutes import forget_expired_mutes
from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person
from tests.helpers import database


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("mutes"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    names = ("hugo", "amina", "lucas", "camille", "sofia")
    return {name: await person(http, node, name) for name in names}


async def ids(who: Person, path: str, **params: str) -> set[str]:
    return {s["id"] for s in await who.api("GET", path, params=params)}


async def notifiers(who: Person) -> set[str]:
    return {n["account"]["acct"] for n in await who.api("GET", "/api/v1/notifications")}


async def hugo_reads(hugo: Person, list_id: str, thread_id: str) -> set[str]:
    """Every post id hugo's timelines and the thread's replies show him."""
    paths = ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/tag/mutetest")
    seen = set().union(*[await ids(hugo, path, limit="40") for path in paths])
    seen |= await ids(hugo, f"/api/v1/timelines/list/{list_id}")
    context = await hugo.api("GET", f"/api/v1/statuses/{thread_id}/context")
    return seen | {s["id"] for s in context["descendants"]}


async def test_a_mute_hides_an_account_from_the_muter_only_until_lifted(people: dict[str, Person]) -> None:
    hugo, amina, lucas, camille = people["hugo"], people["amina"], people["lucas"], people["camille"]
    amina_id = (await hugo.lookup("amina"))["id"]
    team = await asyncio.to_thread(hugo.app.list_create, "Team")
    await asyncio.to_thread(hugo.app.list_accounts_add, team["id"], [amina_id])

    mine = await hugo.post("Roadmap draft #mutetest", "public")
    hers = await amina.post("Budget figures #mutetest", "public")
    boost = await lucas.api("POST", f"/api/v1/statuses/{hers['id']}/reblog")
    his = await lucas.post("Release notes #mutetest", "public")
    thread = await camille.post("Where do we stand on hiring?", "public")
    reply = await amina.post("Two offers out", "public", in_reply_to_id=thread["id"])
    await amina.api("POST", f"/api/v1/statuses/{mine['id']}/favourite")
    about_her = await lucas.post("Thanks @amina for the figures", "public")
    hidden = {hers["id"], boost["id"], reply["id"]}
    assert hidden <= await hugo_reads(hugo, team["id"], thread["id"])
    assert "amina" in await notifiers(hugo)

    muted = await asyncio.to_thread(hugo.app.account_mute, amina_id)
    assert muted["muting"] is True and muted["muting_notifications"] is True
    assert muted["muting_expires_at"] is None and muted["following"] is True, "a mute keeps the follow"
    assert [a["acct"] for a in await asyncio.to_thread(hugo.app.mutes)] == ["amina"]

    reads = await hugo_reads(hugo, team["id"], thread["id"])
    assert not hidden & reads and {mine["id"], his["id"]} <= reads
    assert "amina" not in await notifiers(hugo)
    assert about_her["id"] not in await ids(hugo, "/api/v1/timelines/home"), "a post mentioning her, in home"
    assert about_her["id"] in await ids(hugo, "/api/v1/timelines/public"), "but not on public timelines"
    for other in (lucas, camille):  # nobody else is affected
        assert hers["id"] in await ids(other, "/api/v1/timelines/tag/mutetest")
    assert (await amina.relationship((await amina.lookup("hugo"))["id"]))["following"] is True
    assert (await hugo.status(hers["id"]))["id"] == hers["id"], "a muted account's post stays readable by id"

    dm = await amina.post("@hugo the salary grid, between us", "direct")
    assert (await hugo.status(dm["id"]))["visibility"] == "direct"
    assert dm["id"] not in await ids(hugo, "/api/v1/timelines/home")
    assert await hugo.notifications("mention") == []

    lifted = await asyncio.to_thread(hugo.app.account_unmute, amina_id)
    assert lifted["muting"] is False and lifted["muting_notifications"] is False
    assert hidden | {dm["id"]} <= await hugo_reads(hugo, team["id"], thread["id"])
    assert about_her["id"] in await ids(hugo, "/api/v1/timelines/home")
    assert await hugo.notifications("mention") == ["amina"]
    assert await asyncio.to_thread(hugo.app.mutes) == []


async def test_a_mute_may_keep_notifications_and_ends_when_its_time_is_up(
    node: Node, people: dict[str, Person]
) -> None:
    sofia, lucas = people["sofia"], people["lucas"]
    lucas_id = (await sofia.lookup("lucas"))["id"]
    muted = await asyncio.to_thread(sofia.app.account_mute, lucas_id, notifications=False, duration=3600)
    assert muted["muting"] is True and muted["muting_notifications"] is False
    expires = muted["muting_expires_at"]
    assert expires is not None and utcnow() + timedelta(minutes=59) < expires <= utcnow() + timedelta(hours=1)

    post = await lucas.post("@sofia can you review the release notes?", "public")
    assert post["id"] not in await ids(sofia, "/api/v1/timelines/home")
    assert await sofia.notifications("mention") == ["lucas"], "notifications were kept"

    async with database(node.database_url) as session:  # the hour has passed
        await session.execute(
            update(Mute).where(Mute.target_id == int(lucas_id)).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert post["id"] in await ids(sofia, "/api/v1/timelines/home")
    assert (await sofia.relationship(lucas_id))["muting"] is False
    assert await asyncio.to_thread(sofia.app.mutes) == []

    async with database(node.database_url) as session:
        assert await forget_expired_mutes(session, utcnow()) == 1
        assert (await session.scalars(select(Mute))).all() == []


async def test_the_mute_list_pages_newest_first(people: dict[str, Person]) -> None:
    camille = people["camille"]
    first, second = (await camille.lookup("lucas"))["id"], (await camille.lookup("sofia"))["id"]
    for target in (first, second):
        await camille.api("POST", f"/api/v1/accounts/{target}/mute")
    page = await asyncio.to_thread(camille.app.mutes, limit=1)
    assert [a["id"] for a in page] == [second]
    older = await asyncio.to_thread(camille.app.fetch_next, page)
    assert older is not None and [a["id"] for a in older] == [first]
    again = await camille.api("POST", f"/api/v1/accounts/{first}/mute", data={"notifications": "false"})
    assert again["muting"] is True and again["muting_notifications"] is False, "muting again replaces the options"


async def test_muting_refuses_bad_requests(node: Node, people: dict[str, Person], http: aiohttp.ClientSession) -> None:
    lucas = people["lucas"]
    me = (await lucas.me())["id"]
    assert await lucas.api("POST", f"/api/v1/accounts/{me}/mute", status=422) == {"error": "You cannot mute yourself"}
    assert (await lucas.api("POST", "/api/v1/accounts/99999999999/mute", status=404)) == {"error": "Record not found"}
    sofia = (await lucas.lookup("sofia"))["id"]
    for duration in ("soon", "-5"):
        refused = await lucas.api("POST", f"/api/v1/accounts/{sofia}/mute", data={"duration": duration}, status=422)
        assert set(refused) == {"error"}
    await lucas.api("POST", f"/api/v1/accounts/{sofia}/mute", data={"notifications": "perhaps"}, status=422)
    reader = await api_token(node, "lucas", "read")
    await call(http, "POST", f"{node.base_url}/api/v1/accounts/{sofia}/mute", reader, status=403)
    await call(http, "GET", f"{node.base_url}/api/v1/mutes", status=401)
    assert (await lucas.relationship(sofia))["muting"] is False
