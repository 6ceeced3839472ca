"""The community pages in a real browser, on the demo company's communities: directory, community page, joining
with the rules, posting, create and edit from a template, members management, archive and renewal.

Each test has its own demo node (they change it). Demo communities: `python` (open, owner sofia), `lyon`
(closed, owner hugo, everyone of the Lyon site), `horizon` (secret project, owner hugo, with sofia,
amina and claire). Camille works in Paris and is in none of these.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from essaim.cli.demo import DEMO_PASSWORD
from tests.browser.conftest import Screenshot
from tests.browser.test_pages import PHONE, account_menu, sign_in, visit
from tests.conftest import Node, NodeFactory


async def as_person(page: Page, node: Node, username: str) -> None:
    """Sign in as a demo person (signing out whoever was signed in)."""
    sign_out = account_menu(page).get_by_role("button", name="Sign out")
    if await sign_out.count():
        await sign_out.click()
    await visit(page, node, "/auth/sign_in")
    await sign_in(page, username, DEMO_PASSWORD)
    await expect(account_menu(page).get_by_role("button", name="Sign out")).to_be_visible()


async def submit(page: Page, button: Locator) -> int:
    """Press a form's button; the status of the page it leads to (after redirects)."""
    async with page.expect_navigation() as navigation:
        await button.click()
    response = await navigation.value
    assert response is not None
    return response.status


async def fits(page: Page) -> None:
    overflow = await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px on a phone"


def results(page: Page) -> Locator:
    """The names of the communities the directory lists."""
    return page.locator("li.community strong")


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_directory_search_filters_and_secret_communities(
    page: Page, nodes: NodeFactory, screenshot: Screenshot
) -> None:
    node = nodes.create(demo=True)
    await visit(page, node, "/")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Communities")
    names = await results(page).all_inner_texts()
    assert "Python & co" in names and "Site de Lyon" in names
    assert "Projet Horizon" not in names, "a secret community is listed to no one outside it"
    await fits(page)
    await screenshot("directory")

    search = page.get_by_role("search", name="Find communities")
    await search.get_by_label("Search names and descriptions").fill("lyon")
    await search.get_by_role("button", name="Search").click()
    await expect(results(page)).to_have_text(["Site de Lyon"])
    await screenshot("search")

    await search.get_by_label("Search names and descriptions").fill("")
    await search.get_by_label("Access").select_option("open")
    await search.get_by_role("button", name="Search").click()
    await expect(results(page)).to_have_text(["Python & co"])
    await search.get_by_label("Access").select_option("")
    await search.get_by_label("Kind").select_option("project")
    await search.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("No community matches.")).to_be_visible()

    await as_person(page, node, "hugo")  # a member of the secret project sees it
    await visit(page, node, "/communities?kind=project&state=live")
    await expect(results(page)).to_have_text(["Projet Horizon"])
    await visit(page, node, "/communities?state=archived")
    await expect(page.get_by_text("No community matches.")).to_be_visible()
    await screenshot("secret-to-its-member")


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_joining_with_the_rules_posting_and_leaving(
    page: Page, nodes: NodeFactory, screenshot: Screenshot
) -> None:
    node = nodes.create(demo=True)
    await visit(page, node, "/@python")  # a community's handle leads to its page
    await expect(page).to_have_url(f"{node.base_url}/communities/python")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Python & co")
    await expect(page.get_by_role("region", name="Posts")).to_contain_text("typing features of Python 3.13")
    await expect(page.get_by_role("region", name="Events")).to_be_visible()
    await expect(page.get_by_role("region", name="Membership").get_by_role("link", name="Sign in")).to_be_visible()
    await fits(page)
    await screenshot("community-anonymous")

    await as_person(page, node, "camille")
    await visit(page, node, "/communities/python")
    rules = page.get_by_role("region", name="About").get_by_role("listitem")
    await expect(rules).to_have_text(["Be kind and assume good intent.", "No customer data in posts."])
    membership = page.get_by_role("region", name="Membership")
    assert await submit(page, membership.get_by_role("button", name="Join")) == 422
    await expect(page.locator(".error-message")).to_contain_text("Accept the community's rules to join it")
    await screenshot("join-without-the-rules")

    await visit(page, node, "/communities/python")
    await membership.get_by_label("I accept the rules").check()
    assert await submit(page, membership.get_by_role("button", name="Join")) == 200
    await expect(page.get_by_role("status")).to_have_text("You joined the community.")
    await expect(page.locator(".welcome")).to_have_text("Welcome! Introduce yourself and what you work on.")
    await screenshot("joined")

    form = page.locator("#new-post")
    await form.get_by_label("Post to Python & co").fill("Hello from the web page: any pytest tips?")
    assert await submit(page, form.get_by_role("button", name="Post")) == 200
    await expect(page.get_by_role("status")).to_have_text("Your post is in the community.")
    await expect(page.locator(".post").first).to_contain_text("any pytest tips?")
    await screenshot("posted")

    stale = await page.context.new_page()  # a post form left open in another tab
    await stale.goto(f"{node.base_url}/communities/python")
    assert await submit(page, membership.get_by_role("button", name="Leave the community")) == 200
    await expect(page.get_by_role("status")).to_have_text("You left the community.")
    await expect(page.locator("#new-post")).to_have_count(0)
    await stale.locator("#post-text").fill("Am I still in?")
    assert await submit(stale, stale.get_by_role("button", name="Post")) == 403
    await expect(stale.locator(".error-message")).to_have_text("Only members can post in this community")
    await stale.close()


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_a_request_answered_on_the_members_page(page: Page, nodes: NodeFactory, screenshot: Screenshot) -> None:
    node = nodes.create(demo=True)
    await as_person(page, node, "camille")
    await visit(page, node, "/communities/lyon")
    await expect(page.get_by_role("region", name="Members", exact=True)).to_contain_text("Only members see who is in")
    membership = page.get_by_role("region", name="Membership")
    await membership.get_by_label("I accept the rules").check()
    assert await submit(page, membership.get_by_role("button", name="Ask to join")) == 200
    await expect(page.get_by_role("status")).to_contain_text("Your request to join was sent")
    await expect(membership).to_contain_text("Your request to join waits for a moderator.")
    await screenshot("requested")
    await visit(page, node, "/communities/lyon/members", status=403)  # not a moderator

    await as_person(page, node, "hugo")
    await visit(page, node, "/communities/lyon")
    await page.get_by_role("link", name="Manage members").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Members of Site de Lyon")
    requests = page.get_by_role("region", name="Requests")
    await expect(requests).to_contain_text("@camille")
    await fits(page)
    await screenshot("members-page")
    assert await submit(page, requests.get_by_role("button", name="Approve Camille", exact=False)) == 200
    await expect(page.get_by_role("status")).to_have_text("The request was approved.")
    members = page.get_by_role("region", name="Members", exact=True)
    await expect(members).to_contain_text("@camille")

    await members.get_by_label("Role of Camille", exact=False).select_option("moderator")
    role_form = members.locator("li", has_text="@camille").locator("form.role")
    assert await submit(page, role_form.get_by_role("button", name="Set role")) == 200
    await expect(page.get_by_role("status")).to_have_text("The role was changed.")
    await expect(members.locator("li", has_text="@camille").locator(".tag")).to_have_text("moderator")

    invite = page.get_by_role("region", name="Invite")
    await invite.get_by_label("Handle (name, or name@host)").fill("nobody_here")
    assert await submit(page, invite.get_by_role("button", name="Invite")) == 404
    await page.go_back()
    await invite.get_by_label("Handle (name, or name@host)").fill("emma")
    assert await submit(page, invite.get_by_role("button", name="Invite")) == 200
    await expect(page.get_by_role("status")).to_contain_text("The invitation was recorded")
    await expect(invite).to_contain_text("@emma")

    assert await submit(page, members.get_by_role("button", name="Ban Karim", exact=False)) == 200
    await expect(page.get_by_role("region", name="Banned")).to_contain_text("@karim")
    await screenshot("after-moderation")

    await as_person(page, node, "karim")  # the banned may not come back
    await visit(page, node, "/communities/lyon")
    await expect(page.get_by_role("region", name="Membership")).to_contain_text("You were banned")


async def test_a_secret_community_does_not_exist_for_outsiders(page: Page, nodes: NodeFactory) -> None:
    node = nodes.create(demo=True)
    await visit(page, node, "/communities/horizon", status=404)
    await visit(page, node, "/@horizon", status=404)
    await as_person(page, node, "camille")
    for path in ("/communities/horizon", "/@horizon", "/communities/horizon/members", "/communities/horizon/edit"):
        await visit(page, node, path, status=404)
    await as_person(page, node, "amina")  # a member, not a moderator
    await visit(page, node, "/@horizon")
    await expect(page).to_have_url(f"{node.base_url}/communities/horizon")
    await expect(page.get_by_role("region", name="Posts")).to_contain_text("acceptance report")
    await visit(page, node, "/communities/horizon/edit", status=403)


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
async def test_create_from_a_template_edit_archive_and_renew(
    page: Page, nodes: NodeFactory, screenshot: Screenshot
) -> None:
    node = nodes.create(demo=True)
    await as_person(page, node, "hugo")
    await visit(page, node, "/communities")
    await page.get_by_role("link", name="Create a community").click()
    form = page.locator("#new-community")
    await form.get_by_role("radio", name="Project").check()
    await form.get_by_label("Name", exact=True).fill("new")
    await form.get_by_label("End date (projects)").fill((date.today() + timedelta(days=30)).isoformat())
    assert await submit(page, form.get_by_role("button", name="Create the community")) == 422
    await expect(page.get_by_role("alert")).to_contain_text("The name 'new' is reserved")
    await fits(page)
    await screenshot("create-refused")

    await form.get_by_label("Name", exact=True).fill("apollo")
    await form.get_by_label("Display name").fill("Projet Apollo")
    assert await submit(page, form.get_by_role("button", name="Create the community")) == 200
    await expect(page).to_have_url(f"{node.base_url}/communities/apollo?done=created")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Projet Apollo")
    await expect(page.locator(".community-page .meta")).to_contain_text("Project community · Secret")
    await screenshot("created")

    await page.get_by_role("link", name="Edit the community").click()
    edit = page.locator("#edit-community")
    await edit.get_by_label("Rules").fill("Handover notes go in the shared folder.\nWhat is said here stays here.")
    await edit.get_by_label("Display name").fill("Apollo (moon)")
    await screenshot("edit")
    assert await submit(page, edit.get_by_role("button", name="Save")) == 200
    await expect(page.get_by_role("status")).to_have_text("The community was saved.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Apollo (moon)")
    await expect(page.get_by_role("region", name="About").get_by_role("listitem")).to_have_count(2)

    stale = await page.context.new_page()  # a form left open while the owner archives in another tab
    await stale.goto(f"{node.base_url}/communities/apollo")
    assert await submit(page, page.get_by_role("button", name="Archive now")) == 200
    await expect(page.get_by_role("status")).to_have_text("The community is archived: it is read-only.")
    await expect(page.locator(".archived")).to_be_visible()
    await expect(page.locator("#new-post")).to_have_count(0)
    await screenshot("archived")
    await stale.locator("#post-text").fill("Too late?")
    assert await submit(stale, stale.get_by_role("button", name="Post")) == 422
    await expect(stale.locator(".error-message")).to_contain_text("This community is archived")
    await stale.close()

    renew = page.locator("#renew")
    await renew.get_by_label("New end date").fill((date.today() + timedelta(days=90)).isoformat())
    assert await submit(page, renew.get_by_role("button", name="Renew")) == 200
    await expect(page.get_by_role("status")).to_have_text("The community was renewed.")
    await expect(page.locator(".archived")).to_have_count(0)
    await expect(page.locator("#new-post")).to_be_visible()
