"""The person's side of the OAuth flow, as a browser does it: sign in, consent, read the code.

Shared by the OAuth tests and by the end-to-end journeys that log in with the real Mastodon.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import aiohttp

from essaim.cli.demo import DEMO_PASSWORD
from tests.conftest import Node


class _Forms(HTMLParser):
    """Every form of a page by id: the fields a browser would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._current = attributes.get("id") or ""
            self.forms[self._current] = {}
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self.forms[self._current][attributes["name"] or ""] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def form_fields(page: str, form_id: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(page)
    assert form_id in parser.forms, f"no form #{form_id} in the page"
    return parser.forms[form_id]


async def consent_page(http: aiohttp.ClientSession, node: Node, url: str, username: str) -> str:
    """Open an authorization URL as a browser; sign in through the real form if sent there."""
    async with http.get(url, allow_redirects=False) as response:
        if response.status == 200:
            return await response.text()
        assert response.status == 302, await response.text()
        sign_in = response.headers["Location"]
    assert sign_in.startswith("/auth/sign_in?next=")
    async with http.get(f"{node.base_url}{sign_in}") as page:
        fields = form_fields(await page.text(), "sign-in") | {"login": username, "password": DEMO_PASSWORD}
    async with http.post(f"{node.base_url}/auth/sign_in", data=fields, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        back = response.headers["Location"]
    assert back.startswith("/oauth/authorize?") and "force_login" not in back
    async with http.get(f"{node.base_url}{back}", allow_redirects=False) as response:
        assert response.status == 200, await response.text()
        assert response.headers["X-Frame-Options"] == "DENY"
        return await response.text()


async def decide(
    http: aiohttp.ClientSession, node: Node, consent: str, decision: str = "authorize", **changes: str
) -> tuple[int, str | None, str]:
    """Press a button of the consent form (optionally tampering with its fields): status, Location, body."""
    fields = form_fields(consent, "oauth-authorize") | {"decision": decision} | changes
    async with http.post(f"{node.base_url}/oauth/authorize", data=fields, allow_redirects=False) as response:
        return response.status, response.headers.get("Location"), await response.text()


def page_code(page: str) -> str:
    match = re.search(r'<code class="oauth-code">([^<]+)</code>', page)
    assert match, page
    return match.group(1)
