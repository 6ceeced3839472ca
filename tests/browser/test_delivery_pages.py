"""The delivery ledger's pages in a real browser on a phone: the author's panel on a post, the admins' hosts page.

Node one has a remote follower of hugo whose server is down (a closed port on 127.0.0.1),
so hugo's new post is retrying there. The follower is arranged in the database: no API of
this node can make a remote server fail on purpose.
"""

from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import Page, expect

from essaim.actors.accounts import account_by_handle
from essaim.actors.models import Actor, Follow
from essaim.cli.demo import DEMO_PASSWORD
from tests.browser.conftest import Screenshot
from tests.browser.test_pages import PHONE, account_menu, sign_in, visit
from tests.conftest import Node, NodeFactory, free_port
from tests.e2e.test_delivery_outage import attempts_at_least, in_state
from tests.federation_helpers import eventually, person
from tests.helpers import database


async def _follower_on_a_dead_server(node: Node) -> str:
    """A remote follower of hugo on a server nobody listens to; its host as the ledger names it."""
    host = f"127.0.0.1:{free_port()}"
    async with database(node.database_url) as session:
        hugo = await account_by_handle(session, "hugo")
        assert hugo is not None
        uri = f"http://{host}/users/gone"
        follower = Actor(
            username="gone", domain=host, uri=uri, inbox_uri=f"{uri}/inbox", key_id=f"{uri}#key", public_key_pem="-"
        )
        session.add(follower)
        await session.flush()
        session.add(Follow(follower_id=follower.id, followee_id=hugo.actor_id))
    return host


async def _fits(page: Page) -> None:
    overflow = await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px on a phone"


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_the_author_and_the_admins_see_a_failing_server(
    page: Page, nodes: NodeFactory, http: aiohttp.ClientSession, screenshot: Screenshot
) -> None:
    node = nodes.create(demo=True)
    host = await _follower_on_a_dead_server(node)
    hugo = await person(http, node, "hugo")
    post = await hugo.post("ledger-page-marker a post its server cannot get yet", "private")
    await eventually(lambda: in_state(hugo, post["id"], host, "retrying"), "the failed delivery")

    await visit(page, node, "/auth/sign_in")
    await sign_in(page, "hugo", DEMO_PASSWORD)
    await visit(page, node, f"/@hugo/{post['id']}")
    panel = page.get_by_role("region", name="Delivery")
    await expect(panel).to_contain_text(host)
    await expect(panel).to_contain_text("Retrying")
    await expect(panel).to_contain_text("Last error: ClientConnectorError")
    await expect(panel.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    await _fits(page)
    await screenshot("author-panel")

    await account_menu(page).get_by_role("button", name="Sign out").click()
    await visit(page, node, "/auth/sign_in")
    await sign_in(page, "camille", DEMO_PASSWORD)
    await visit(page, node, "/admin/federation")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Federation")
    server = page.get_by_role("region", name=host)
    await expect(server).to_contain_text("Retrying")
    await expect(server.locator("dd.retrying")).to_have_text("1")
    await _fits(page)
    await screenshot("admin-hosts")
    await server.get_by_role("button", name=f"Retry {host} now").click()
    await expect(page.get_by_role("status")).to_contain_text(f"The waiting deliveries to {host} were asked to go now")
    await eventually(lambda: attempts_at_least(hugo, post["id"], host, 2), "the second try, at once")
