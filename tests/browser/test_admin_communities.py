"""Communities left without an owner, flagged to administrators in a real browser on a phone, and handed over.

olivia owns the Montréal site community of the demo company; once her account is disabled the
community has no active owner: `/admin/communities` lists it, refuses a hand-over to a disabled account (as to
nobody), and hands it to chloe, who then owns it (the CLI agrees). Non-staff get 403.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from essaim.cli.demo import DEMO_PASSWORD
from tests.browser.conftest import Screenshot
from tests.browser.test_pages import PHONE, account_menu, sign_in, visit
from tests.conftest import NodeFactory


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_admins_hand_over_a_community_whose_owner_left(
    page: Page, nodes: NodeFactory, screenshot: Screenshot
) -> None:
    node = nodes.create(demo=True)
    node.cli("user", "disable", "olivia")

    await visit(page, node, "/auth/sign_in")
    await sign_in(page, "lucas", DEMO_PASSWORD)
    await visit(page, node, "/admin/communities", status=403)
    await account_menu(page).get_by_role("button", name="Sign out").click()

    await visit(page, node, "/auth/sign_in")
    await sign_in(page, "camille", DEMO_PASSWORD)
    await visit(page, node, "/admin/federation")
    await page.get_by_role("navigation", name="Administration").get_by_role("link", name="Communities").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Communities without an owner")
    orphan = page.get_by_role("region", name="Site de Montréal @montreal")
    await expect(orphan).to_be_visible()
    await screenshot("ownerless")

    await orphan.get_by_label("New owner (username)").fill("olivia")
    await orphan.get_by_role("button", name="Hand over @montreal").click()
    await expect(page.get_by_role("alert")).to_have_text("Validation failed: No person @olivia on this node")

    await orphan.get_by_label("New owner (username)").fill("@chloe")
    await orphan.get_by_role("button", name="Hand over @montreal").click()
    await expect(page.get_by_role("status")).to_have_text("@chloe now owns @montreal.")
    await expect(page.get_by_text("Every live community has an active owner.")).to_be_visible()
    await screenshot("handed-over")
    assert node.cli("community", "ownerless").stdout == ""
    assert "chloe\towner\tmember" in node.cli("community", "members", "montreal").stdout
