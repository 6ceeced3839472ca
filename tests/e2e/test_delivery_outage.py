"""Deliveries through outages and crashes, between real `essaim run` processes, with the ledger people see.

- Node two is stopped while hugo (node one) posts in every visibility and edits: the ledger
  (API and his post's page) shows each post retrying with the last error, and only to him;
  node two comes back on the same port and database, and every post reaches exactly its
  audience there after the retry; the ledger then shows the history.
- Admins and moderators see each peer host, ask for a retry now, and a peer that speaks again
  (a favourite from node two) gets its waiting deliveries at once.
- Node one is SIGKILLed while deliveries to node two are in flight (a slow front makes them
  slow) and restarted: every post arrives at node two exactly once.

Nothing is shortened for the tests: the first retry comes after Mastodon's 16–26 s, and the
leases of a killed node's jobs run out after the worker's 30 s.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

from essaim.cli.demo import DEMO_PASSWORD
from tests.api_helpers import api_token, call
from tests.conftest import Node, NodeFactory, free_port
from tests.federation_helpers import Person, eventually, follow, person
from tests.helpers import form_token

RETRY_WAIT = 120.0  # the first retry (≤ 26 s), a second one if node two was slow to start (≤ 51 s), and slack
VISIBILITIES = ("public", "unlisted", "private")


async def deliveries(author: Person, status_id: str) -> list[dict[str, Any]]:
    return list(await author.api("GET", f"/api/v1/statuses/{status_id}/deliveries"))


def at(ledger: list[dict[str, Any]], host: str) -> dict[str, Any] | None:
    return next((entry for entry in ledger if entry["host"] == host), None)


async def in_state(author: Person, status_id: str, host: str, state: str) -> dict[str, Any] | None:
    """The post's ledger entry for `host`, once it is in `state`."""
    entry = at(await deliveries(author, status_id), host)
    return entry if entry is not None and entry["state"] == state else None


async def signed_in(node: Node, username: str) -> aiohttp.ClientSession:
    """A browser session (its own cookies) signed in on the node's pages; the caller closes it."""
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    form = {
        "csrf_token": await form_token(browser, f"{node.base_url}/auth/sign_in"),
        "login": username,
        "password": DEMO_PASSWORD,
        "next": "/",
    }
    async with browser.post(f"{node.base_url}/auth/sign_in", data=form, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
    return browser


async def page(browser: aiohttp.ClientSession, url: str, *, status: int = 200) -> str:
    async with browser.get(url, allow_redirects=False) as response:
        text = await response.text()
        assert response.status == status, f"{url}: {response.status} {text[:300]}"
        return text


async def home_count(reader: Person, marker: str) -> int:
    timeline = await reader.api("GET", "/api/v1/timelines/home", params={"limit": "40"})
    return sum(marker in status["content"] for status in timeline)


async def test_a_stopped_peer_gets_every_post_after_retry_and_the_ledger_shows_it(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    hugo, amina = await person(http, one, "hugo"), await person(http, one, "amina")
    sofia, camille, lucas = [await person(http, two, name) for name in ("sofia", "camille", "lucas")]
    await follow(sofia, hugo)
    await hugo.api("GET", "/api/v1/accounts/lookup", params={"acct": camille.handle})  # so @camille@… resolves

    two.stop()
    posts = {v: await hugo.post(f"outage-{v} while node two sleeps", v) for v in VISIBILITIES}
    posts["direct"] = await hugo.post(f"@{camille.handle} outage-direct for you only", "direct")
    edited = posts["public"]["id"]
    await hugo.api("PUT", f"/api/v1/statuses/{edited}", data={"status": "outage-public edited-while-down"})

    for visibility, post in posts.items():
        entry = await eventually(lambda p=post: in_state(hugo, p["id"], two.domain, "retrying"), f"{visibility} retry")
        assert entry["attempts"] >= 1 and entry["next_attempt_at"] is not None, entry
        assert entry["last_status"] is None and "Connect" in entry["last_error"], entry
        assert (entry["inboxes"], entry["delivered"]) == (1, 0)
    both = at(await deliveries(hugo, edited), two.domain)
    assert both is not None and [a["type"] for a in both["activities"]] == ["Create", "Update"]

    # The ledger is the author's alone: in the API and on the post's page.
    await amina.api("GET", f"/api/v1/statuses/{edited}/deliveries", status=404)
    await call_without_token(http, f"{one.base_url}/api/v1/statuses/{edited}/deliveries")
    private_page = f"{one.base_url}/@hugo/{posts['private']['id']}"
    async with await signed_in(one, "hugo") as author, await signed_in(one, "amina") as colleague:
        mine = await page(author, f"{one.base_url}/@hugo/{edited}")
        assert 'id="deliveries-title">Delivery<' in mine and two.domain in mine and "Retrying" in mine
        assert "Last error: " in mine and "Next try" in mine
        assert "Retrying" in await page(author, private_page), "the author sees their followers-only post"
        theirs = await page(colleague, f"{one.base_url}/@hugo/{edited}")
        assert "outage-public" in theirs and "deliveries-title" not in theirs and two.domain not in theirs
        await page(colleague, private_page, status=404)
        await page(http, private_page, status=404)
        assert "deliveries-title" not in await page(http, f"{one.base_url}/@hugo/{edited}")

        # Node two comes back on the same port with the same database: the retries go through.
        two.start()
        for visibility in VISIBILITIES:
            await eventually(lambda v=visibility: sofia.home(f"outage-{v}"), f"{visibility} at sofia's", RETRY_WAIT)
        await eventually(lambda: camille.home("outage-direct"), "the direct post at camille's", RETRY_WAIT)
        for visibility, post in posts.items():
            entry = await eventually(lambda p=post: in_state(hugo, p["id"], two.domain, "delivered"), visibility)
            assert entry["attempts"] >= 2 and "Connect" in entry["last_error"], "the history: it failed, then went"
        assert "edited-while-down" in (await sofia.home("outage-public") or {})["content"]
        for visibility in VISIBILITIES:
            assert await home_count(sofia, f"outage-{visibility}") == 1
        assert await home_count(sofia, "outage-direct") == 0 and await home_count(lucas, "outage-") == 0
        assert await home_count(camille, "outage-private") == 0, "camille does not follow hugo"
        after = await page(author, f"{one.base_url}/@hugo/{edited}")
        assert "Delivered" in after and "Went through on try" in after and "Retrying" not in after


async def call_without_token(http: aiohttp.ClientSession, url: str) -> None:
    async with http.get(url) as response:
        assert response.status == 401 and "error" in await response.json()


async def test_admins_see_each_host_retry_it_now_and_a_peer_heard_from_gets_its_deliveries(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    one, two = nodes.create(demo=True), nodes.create(demo=True)
    one.cli("user", "create", "mona", "--email", "mona@example.com", "--role", "moderator", input=f"{DEMO_PASSWORD}\n")
    hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
    await follow(sofia, hugo)
    await hugo.post("before-outage all is well", "public")
    before = await eventually(lambda: sofia.home("before-outage"), "the first post at sofia's")

    two.stop()
    waiting = await hugo.post("while-down waits for node two", "public")
    first = await eventually(lambda: in_state(hugo, waiting["id"], two.domain, "retrying"), "the failed delivery")

    # The admin API: admins and moderators with an admin scope, nobody else.
    admin_read = await api_token(one, "camille", "read admin:read admin:write")
    hosts = await call_api(http, one, "GET", "/api/v1/admin/essaim/hosts", admin_read)
    [peer] = [h for h in hosts if h["host"] == two.domain]
    assert (peer["retrying"], peer["breaker"], peer["unreachable"]) == (1, "closed", False)
    assert (
        peer["last_success_at"] is not None and peer["last_failure_at"] is not None and "Connect" in peer["last_error"]
    )
    assert peer["consecutive_failures"] >= 1
    await call_api(http, one, "GET", "/api/v1/admin/essaim/hosts", await api_token(one, "camille", "read"), 403)
    await call_api(http, one, "GET", "/api/v1/admin/essaim/hosts", await api_token(one, "hugo", "admin:read"), 403)
    await call_api(http, one, "POST", "/api/v1/admin/essaim/hosts/nowhere.example/retry", admin_read, 404)

    # The page: signed-in staff only; "retry now" is a CSRF-protected form.
    federation = f"{one.base_url}/admin/federation"
    async with http.get(federation, allow_redirects=False) as anonymous:
        assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/auth/sign_in")
    async with await signed_in(one, "hugo") as user:
        await page(user, federation, status=403)
    async with await signed_in(one, "mona") as moderator:
        assert two.domain in await page(moderator, federation)
    async with await signed_in(one, "camille") as admin:
        listing = await page(admin, federation)
        section = listing[listing.index(f'data-host="{two.domain}"') :]
        assert re.search(r'class="retrying">1<', section) and "Connect" in section and "Closed" in section
        form = {"csrf_token": "forged", "host": two.domain}
        async with admin.post(f"{federation}/retry", data=form, allow_redirects=False) as forged:
            assert forged.status == 403
        form["csrf_token"] = re.findall(r'name="csrf_token" value="([0-9a-f]+)"', listing)[-1]
        async with admin.post(f"{federation}/retry", data=form) as retried:
            assert retried.status == 200 and "were asked to go now" in await retried.text()
    second = await eventually(
        lambda: attempts_at_least(hugo, waiting["id"], two.domain, 2), "the retry asked for", timeout=10
    )
    assert second["next_attempt_at"] > first["next_attempt_at"], "tried again at once, not at its backoff time"

    # Node two is back; a favourite from it shows it is up: the waiting post goes at once.
    two.start()
    await sofia.api("POST", f"/api/v1/statuses/{before['id']}/favourite")
    await eventually(lambda: sofia.home("while-down"), "the waiting post at sofia's", timeout=RETRY_WAIT)
    delivered = await eventually(lambda: in_state(hugo, waiting["id"], two.domain, "delivered"), "delivered")
    assert delivered["since"] < second["next_attempt_at"], "it did not wait for its backoff"
    [peer] = [
        h for h in await call_api(http, one, "GET", "/api/v1/admin/essaim/hosts", admin_read) if h["host"] == two.domain
    ]
    assert (peer["retrying"], peer["consecutive_failures"]) == (0, 0)


async def attempts_at_least(author: Person, status_id: str, host: str, attempts: int) -> dict[str, Any] | None:
    entry = at(await deliveries(author, status_id), host)
    return entry if entry is not None and entry["attempts"] >= attempts and entry["state"] == "retrying" else None


async def call_api(
    http: aiohttp.ClientSession, node: Node, method: str, path: str, token: str, status: int = 200
) -> Any:
    return await call(http, method, f"{node.base_url}{path}", token, status=status)


class SlowFront:
    """A reverse proxy in front of a node, as its public address: it holds inbox POSTs for `delay`
    seconds and counts them by activity id. A POST whose sender died while it was held is passed
    on every other time: some reached the node before the sender died, some were lost on the way."""

    HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"})

    def __init__(self, port: int) -> None:
        self.port = port
        self.target: int | None = None
        self.delay = 0.0
        self.held = 0
        self.received: Counter[str] = Counter()
        self.orphans = 0
        self._client: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, target: int) -> None:
        self.target = target
        self._client = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "POST":
            self.received[str(json.loads(body).get("id"))] += 1
            self.held += 1
            await asyncio.sleep(self.delay)
            self.held -= 1
            if request.transport is None or request.transport.is_closing():  # the sender died meanwhile
                self.orphans += 1
                if self.orphans % 2 == 0:
                    return web.Response(status=499)
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in self.HOP_BY_HOP}
        url = f"http://127.0.0.1:{self.target}{request.raw_path}"
        async with self._client.request(
            request.method, url, headers=headers, data=body, allow_redirects=False
        ) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in self.HOP_BY_HOP}
            return web.Response(status=answer.status, body=payload, headers=kept)


async def test_a_sender_killed_mid_delivery_loses_and_duplicates_nothing(
    nodes: NodeFactory, http: aiohttp.ClientSession
) -> None:
    front = SlowFront(free_port())
    try:
        two = nodes.create(demo=True, start=False, ESSAIM_NODE_BASE_URL=front.base_url)
        two.start()
        await front.start(two.port)
        one = nodes.create(demo=True)
        hugo, sofia = await person(http, one, "hugo"), await person(http, two, "sofia")
        await follow(sofia, hugo)

        front.delay = 4.0
        markers = [f"crash-{n}-marker" for n in range(6)]
        for n, marker in enumerate(markers):
            await hugo.post(f"{marker} posted before the crash", VISIBILITIES[n % 3])

        async def in_flight() -> bool:
            return front.held >= 3

        await eventually(in_flight, "deliveries in flight to node two")
        assert one.process is not None
        one.process.kill()  # SIGKILL: no graceful stop, sends in flight are cut
        one.process.wait()
        one.process = None
        front.delay = 0.0
        one.start()

        for marker in markers:
            await eventually(lambda m=marker: sofia.home(m), f"{marker} at sofia's", RETRY_WAIT)
        posts = await hugo.api("GET", f"/api/v1/accounts/{await account_id(hugo)}/statuses", params={"limit": "10"})
        crash_posts = [p for p in posts if "crash-" in p["content"]]
        assert len(crash_posts) == 6
        for post in crash_posts:
            await eventually(lambda p=post: in_state(hugo, p["id"], front_domain(front), "delivered"), "delivered")
        for marker in markers:
            assert await home_count(sofia, marker) == 1, f"{marker} arrived exactly once"
        assert max(front.received.values()) >= 2, "a delivery cut by the crash was sent again"
        assert front.orphans >= 1, "the kill happened while deliveries were in flight"
    finally:
        await front.close()


def front_domain(front: SlowFront) -> str:
    return f"127.0.0.1:{front.port}"


async def account_id(author: Person) -> str:
    return str((await author.api("GET", "/api/v1/accounts/verify_credentials"))["id"])
