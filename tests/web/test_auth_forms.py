"""Sign-up, sign-in and sign-out forms over plain HTTP: CSRF, validation, sessions, nothing half-created."""

from __future__ import annotations

import re

import aiohttp
from yarl import URL

from tests.conftest import Node, NodeFactory
from tests.helpers import form_token

GOOD_PASSWORD = "correct horse battery"


async def sign_up(http: aiohttp.ClientSession, node: Node, **fields: str) -> aiohttp.ClientResponse:
    form = {
        "csrf_token": await form_token(http, f"{node.base_url}/auth/sign_up"),
        "username": "newbie",
        "email": "newbie@example.com",
        "password": GOOD_PASSWORD,
        "password_confirmation": fields.get("password", GOOD_PASSWORD),
    } | fields
    async with http.post(f"{node.base_url}/auth/sign_up", data=form, allow_redirects=False) as response:
        await response.read()
        return response


async def signed_in_as(http: aiohttp.ClientSession, node: Node) -> str | None:
    async with http.get(f"{node.base_url}/") as response:
        match = re.search(r'<a href="/@(\w+)">@\1</a>', await response.text())
    return match.group(1) if match else None


def usernames(node: Node) -> list[str]:
    lines = node.cli("user", "list").stdout.splitlines()[1:]
    return [line.split()[0] for line in lines]


async def test_sign_up_creates_account_and_signs_in(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    response = await sign_up(http, node, username="Marie_Curie", display_name="Marie Curie", department="Research")
    assert response.status == 303
    assert response.headers["Location"] == "/@marie_curie"  # handles are lower-cased
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
    assert await signed_in_as(http, node) == "marie_curie"
    async with http.get(f"{node.base_url}/@marie_curie") as page:
        text = await page.text()
    assert "Marie Curie" in text and "Research" in text
    assert usernames(node) == ["marie_curie"]


async def test_sign_up_refusals_create_nothing(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    assert (await sign_up(http, node, username="alice", email="alice@example.com")).status == 303
    http.cookie_jar.clear()
    cases = {
        "taken handle, other case": {"username": "ALICE", "email": "other@example.com"},
        "taken e-mail": {"username": "bob", "email": "Alice@Example.com"},
        "short password": {"username": "bob", "password": "short"},
        "common password": {"username": "bob", "password": "password123"},
        "password contains handle": {"username": "bobby", "password": "bobby-is-my-name"},
        "passwords differ": {"username": "bob", "password_confirmation": "something else entirely"},
        "invalid handle": {"username": "bob smith"},
        "too long handle": {"username": "b" * 31},
        "reserved handle": {"username": "actor"},
        "invalid e-mail": {"username": "bob", "email": "not-an-email"},
    }
    for label, fields in cases.items():
        response = await sign_up(http, node, **fields)
        assert response.status == 422, label
    assert usernames(node) == ["alice"]


async def test_sign_up_form_shows_the_error_beside_the_field(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    form = {
        "csrf_token": await form_token(http, f"{node.base_url}/auth/sign_up"),
        "username": "actor",
        "email": "a@example.com",
        "password": GOOD_PASSWORD,
        "password_confirmation": GOOD_PASSWORD,
    }
    async with http.post(f"{node.base_url}/auth/sign_up", data=form) as response:
        assert response.status == 422
        html = await response.text()
    assert 'id="username-error"' in html and "reserved" in html
    assert 'value="a@example.com"' in html, "what the person typed is kept"
    assert GOOD_PASSWORD not in html, "passwords are never echoed back"


async def test_forms_refuse_missing_or_forged_csrf_tokens(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    fields = {
        "username": "mallory",
        "email": "m@example.com",
        "password": GOOD_PASSWORD,
        "password_confirmation": GOOD_PASSWORD,
    }
    url = f"{node.base_url}/auth/sign_up"
    async with http.post(url, data=fields) as response:
        assert response.status == 403
    token = await form_token(http, url)
    async with http.post(url, data=fields | {"csrf_token": "0" * 64}) as response:
        assert response.status == 403
    async with http.post(
        url, data=fields | {"csrf_token": token}, headers={"Origin": "http://evil.example"}
    ) as response:
        assert response.status == 403
        assert "another site" in await response.text()
    async with aiohttp.ClientSession() as stranger:  # a token is only good with its own browser's cookie
        async with stranger.post(url, data=fields | {"csrf_token": token}) as response:
            assert response.status == 403
    assert usernames(node) == []


async def test_sign_in_and_out(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/auth/sign_in"
    token = await form_token(http, url)
    wrong = {"csrf_token": token, "login": "hugo", "password": "not his password"}
    async with http.post(url, data=wrong) as response:
        assert response.status == 401
        assert "Wrong username" in await response.text()
    assert await signed_in_as(http, demo_node) is None
    right = {
        "csrf_token": token,
        "login": "HUGO@demo.essaim.example",
        "password": "essaim-demo-2026",
        "next": "//evil.example/steal",
    }
    async with http.post(url, data=right, allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/", "never redirect to another site"
    assert await signed_in_as(http, demo_node) == "hugo"
    session_cookie = http.cookie_jar.filter_cookies(URL(demo_node.base_url))["essaim_session"].value
    async with http.post(f"{demo_node.base_url}/auth/sign_out", data={"csrf_token": token}) as response:
        assert response.status == 200
    assert await signed_in_as(http, demo_node) is None
    async with aiohttp.ClientSession(cookies={"essaim_session": session_cookie}) as replay:
        assert await signed_in_as(replay, demo_node) is None, "a signed-out session cannot be replayed"


async def test_disabled_accounts_cannot_sign_in(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    node.cli("user", "create", "leaver", "--email", "leaver@example.com", input=GOOD_PASSWORD + "\n")
    url = f"{node.base_url}/auth/sign_in"
    form = {"csrf_token": await form_token(http, url), "login": "leaver", "password": GOOD_PASSWORD}
    async with http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303
    assert await signed_in_as(http, node) == "leaver"
    node.cli("user", "disable", "leaver")
    assert await signed_in_as(http, node) is None, "disabling ends existing sessions"
    async with http.post(url, data=form) as response:
        assert response.status == 401


async def test_closed_registrations(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(ESSAIM_ACCOUNTS_REGISTRATIONS="closed")
    async with http.get(f"{node.base_url}/auth/sign_up") as response:
        assert response.status == 403
        assert "closed" in await response.text()
    async with http.get(f"{node.base_url}/auth/sign_in") as response:
        html = await response.text()
    assert "/auth/sign_up" not in html
    token = await form_token(http, f"{node.base_url}/auth/sign_in")
    fields = {
        "csrf_token": token,
        "username": "sneaky",
        "email": "s@example.com",
        "password": GOOD_PASSWORD,
        "password_confirmation": GOOD_PASSWORD,
    }
    async with http.post(f"{node.base_url}/auth/sign_up", data=fields) as response:
        assert response.status == 403
    assert usernames(node) == []
