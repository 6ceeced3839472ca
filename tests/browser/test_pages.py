"""The node's web pages in a real browser, used as a person would: reading, clicking links, filling forms.

The plain-HTTP tests check what the server answers; these check what a person gets
from it: that links lead where they say, that forms work with the browser's own
cookies and Origin header, that errors are shown beside the field they concern and
announced to assistive technology, and that pages fit a phone's screen.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from essaim.cli.demo import DEMO_DATA, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from tests.browser.conftest import Screenshot
from tests.conftest import Node, NodeFactory

GOOD_PASSWORD = "correct horse battery"
NEWCOMER = {
    "Username": "Marie_Curie",
    "Work e-mail": "marie.curie@example.com",
    "Full name": "Marie Curie",
    "Job title": "Research Scientist",
    "Department": "Research",
    "Site": "Paris",
    "Password": GOOD_PASSWORD,
    "Password again": GOOD_PASSWORD,
}
NEWCOMER_HANDLE = "marie_curie"  # handles are lower-cased
PHONE: dict[str, Any] = {  # browser context options of a common phone
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,  # so Chromium lays the page out by its <meta name="viewport">, as a phone does
    "has_touch": True,
}
DEMO_PEOPLE: list[dict[str, Any]] = tomllib.loads(DEMO_DATA.read_text(encoding="utf-8"))["people"]


def demo_person(username: str) -> dict[str, Any]:
    return next(person for person in DEMO_PEOPLE if person["username"] == username)


async def visit(page: Page, node: Node, path: str, *, status: int = 200) -> None:
    response = await page.goto(node.base_url + path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"


def account_menu(page: Page) -> Locator:
    """The header's navigation: the signed-in handle and Sign out, or Sign in and Sign up."""
    return page.get_by_role("navigation", name="Account")


def attribute(page: Page, term: str) -> Locator:
    """The value of one line of the profile's description list (Department, Site, Manager…)."""
    return page.locator(f'dl.attributes dt:text-is("{term}") + dd')


async def fill_in(page: Page, form: dict[str, str], button: str) -> None:
    """Type each value into the field with that label, then press the button."""
    for label, value in form.items():
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_role("button", name=button, exact=True).click()


async def sign_in(page: Page, login: str, password: str) -> None:
    await fill_in(page, {"Username or e-mail": login, "Password": password}, "Sign in")


async def expect_signed_in(page: Page, handle: str) -> None:
    await expect(account_menu(page).get_by_role("link", name=f"@{handle}", exact=True)).to_be_visible()
    await expect(account_menu(page).get_by_role("button", name="Sign out")).to_be_visible()


async def expect_signed_out(page: Page) -> None:
    await expect(account_menu(page).get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    await expect(account_menu(page).get_by_role("button", name="Sign out")).to_have_count(0)


async def test_directory_leads_to_profiles_and_about(page: Page, demo_node: Node, screenshot: Screenshot) -> None:
    hugo, camille = demo_person("hugo"), demo_person("camille")
    await visit(page, demo_node, "/")
    directory = page.get_by_role("region", name="People")
    await expect(directory.get_by_role("listitem")).to_have_count(len(DEMO_PEOPLE))
    assert sorted(await directory.get_by_role("link").all_inner_texts()) == sorted(p["name"] for p in DEMO_PEOPLE)
    await screenshot("directory")

    await directory.get_by_role("link", name=hugo["name"], exact=True).click()
    await expect(page).to_have_url(f"{demo_node.base_url}/@hugo")
    await expect(page.get_by_role("heading", level=1)).to_have_text(hugo["name"])
    await expect(page.locator(".profile .job")).to_have_text(hugo["title"])
    await expect(attribute(page, "Department")).to_have_text(hugo["department"])
    await expect(attribute(page, "Site")).to_have_text(hugo["site"])
    assert sorted(await attribute(page, "Skills").locator(".tag").all_inner_texts()) == sorted(hugo["skills"])
    await screenshot("profile")

    await attribute(page, "Manager").get_by_role("link", name=camille["name"], exact=True).click()
    await expect(page).to_have_url(f"{demo_node.base_url}/@camille")
    await expect(page.get_by_role("heading", level=1)).to_have_text(camille["name"])
    await screenshot("manager")

    await page.get_by_role("contentinfo").get_by_role("link", name=f"About {demo_node.domain}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"About {demo_node.domain}")
    await expect(page.locator('.facts dt:text-is("People") + dd')).to_have_text(str(len(DEMO_PEOPLE)))
    await screenshot("about")


async def test_sign_up_sign_out_and_sign_in_again(page: Page, nodes: NodeFactory, screenshot: Screenshot) -> None:
    node = nodes.create()
    await visit(page, node, "/")
    await expect_signed_out(page)
    await account_menu(page).get_by_role("link", name="Sign up", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    await screenshot("sign-up")

    await fill_in(page, NEWCOMER, "Sign up")
    await expect(page).to_have_url(f"{node.base_url}/@{NEWCOMER_HANDLE}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(NEWCOMER["Full name"])
    await expect(attribute(page, "Department")).to_have_text(NEWCOMER["Department"])
    await expect_signed_in(page, NEWCOMER_HANDLE)
    await screenshot("new-profile")

    await account_menu(page).get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{node.base_url}/")
    await expect_signed_out(page)
    await screenshot("signed-out")

    await account_menu(page).get_by_role("link", name="Sign in", exact=True).click()
    await sign_in(page, NEWCOMER_HANDLE, "not the password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong username, e-mail or password.")
    await expect(page.get_by_label("Username or e-mail")).to_have_value(NEWCOMER_HANDLE)
    await expect_signed_out(page)
    await screenshot("wrong-password")

    await sign_in(page, NEWCOMER_HANDLE, GOOD_PASSWORD)
    await expect(page).to_have_url(f"{node.base_url}/")
    await expect_signed_in(page, NEWCOMER_HANDLE)
    await screenshot("signed-in")


async def test_demo_person_signs_in_by_email(page: Page, demo_node: Node, screenshot: Screenshot) -> None:
    await visit(page, demo_node, "/auth/sign_in")
    await screenshot("sign-in")
    await sign_in(page, f"hugo@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD)
    await expect(page).to_have_url(f"{demo_node.base_url}/")
    await expect_signed_in(page, "hugo")
    await screenshot("signed-in")


@pytest.fixture(scope="module")
def alices_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A node where `alice` has an account, shared by the refused sign-ups: each must leave it as it was."""
    factory = NodeFactory(tmp_path_factory.mktemp("alice"))
    node = factory.create()
    node.cli("user", "create", "alice", "--email", "alice@example.com", input=f"{GOOD_PASSWORD}\n")
    yield node
    factory.close()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"Username": "alice"}, "Username", "This username is taken."),
        (
            {"Password": "password123", "Password again": "password123"},
            "Password",
            "This password is too easy to guess; choose another.",
        ),
        ({"Password again": "another horse battery"}, "Password again", "The two passwords differ."),
    ],
    ids=["taken-username", "common-password", "mismatched-passwords"],
)
async def test_sign_up_error_beside_the_field_and_nothing_created(
    page: Page, alices_node: Node, screenshot: Screenshot, changes: dict[str, str], field: str, message: str
) -> None:
    accounts_before = alices_node.cli("user", "list").stdout
    await visit(page, alices_node, "/auth/sign_up")
    await fill_in(page, NEWCOMER | changes, "Sign up")
    await expect(page.get_by_role("alert")).to_have_text(message)  # one error, announced by screen readers
    invalid = page.get_by_label(field, exact=True)
    await expect(invalid).to_have_attribute("aria-invalid", "true")
    await expect(invalid).to_have_accessible_description(re.compile(re.escape(message)))  # a hint may come too
    next_text = invalid.locator("xpath=following-sibling::*[self::p or self::label][1]")
    await expect(next_text).to_have_text(message)  # right under the field, before the next one
    await expect(page.get_by_label("Work e-mail")).to_have_value(NEWCOMER["Work e-mail"])  # kept for the retry
    await expect(page.get_by_label("Password", exact=True)).to_have_value("")  # never sent back
    await expect_signed_out(page)
    await screenshot("error")

    assert alices_node.cli("user", "list").stdout == accounts_before


async def test_the_browser_refuses_a_short_password_before_sending(
    page: Page, alices_node: Node, screenshot: Screenshot
) -> None:
    """The form states the node's minimum length, so the browser stops the form (the server refuses it too)."""
    accounts_before = alices_node.cli("user", "list").stdout
    await visit(page, alices_node, "/auth/sign_up")
    password = page.get_by_label("Password", exact=True)
    await expect(password).to_have_accessible_description("At least 10 characters.")
    await fill_in(page, NEWCOMER | {"Password": "short", "Password again": "short"}, "Sign up")
    assert await password.evaluate("input => input.validity.tooShort")
    assert page.url == alices_node.base_url + "/auth/sign_up"
    await screenshot("blocked")
    assert alices_node.cli("user", "list").stdout == accounts_before


async def test_closed_registrations(page: Page, nodes: NodeFactory, screenshot: Screenshot) -> None:
    node = nodes.create(ESSAIM_ACCOUNTS_REGISTRATIONS="closed")
    await visit(page, node, "/")
    await expect_signed_out(page)
    await expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
    await screenshot("front-page")

    await visit(page, node, "/auth/sign_in")
    await expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
    await screenshot("sign-in")

    await visit(page, node, "/auth/sign_up", status=403)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign-up is closed")
    await expect(page.get_by_role("main")).to_contain_text("created by its administrators")
    await expect(page.get_by_role("textbox")).to_have_count(0)
    await screenshot("sign-up")


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
@pytest.mark.parametrize(
    "path",
    ["/", "/@hugo", "/auth/sign_up", "/auth/sign_in", "/about"],
    ids=["front", "profile", "sign-up", "sign-in", "about"],
)
async def test_pages_fit_a_phone_screen(page: Page, demo_node: Node, path: str) -> None:
    """No sideways scrolling, and the title in view, on a phone (the page fixture keeps a screenshot)."""
    await visit(page, demo_node, path)
    overflow = await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow} px on a {PHONE['viewport']['width']} px screen"
    await expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
