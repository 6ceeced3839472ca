"""Real-browser fixtures: Debian's Chromium driven by Playwright, one fresh browser context per test.

Playwright's own browser builds cannot be downloaded on our machines or in CI, so the
browser is the distribution's `chromium` package (`apt-get install chromium`). It is
launched once per session; every test gets a new context, so no cookie, session or
storage leaks from one test to the next. Screenshots go to test-artifacts/screenshots/
at the repository root, emptied at the start of each run, for people to look at afterwards:
one per page a test visits (`<test>-<label>.png`) and one of the page as the test left
it, failed or not (`<test>.png`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in containers, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the only network the tests use is the node on 127.0.0.1
    "--disable-component-update",
    "--disable-sync",
]
NAVIGATION_TIMEOUT_MS = 15_000
ACTION_TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

Screenshot = Callable[[str], Awaitable[None]]


def _screenshot_path(folder: Path, test_name: str, label: str = "") -> Path:
    """A file name safe on any system for a test (parametrized ids included) and an optional label."""
    stem = re.sub(r"[^A-Za-z0-9_.]+", "-", f"{test_name}-{label}" if label else test_name).strip("-")
    return folder / f"{stem}.png"


@pytest.fixture(scope="session")
def screenshot_folder() -> Path:
    """The screenshot folder, without the files of an earlier run."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Chromium, launched once for the whole run."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, screenshot_folder: Path, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A tab in a new browser context; parametrize `page` indirectly with context options (e.g. a phone)."""
    options: dict[str, Any] = getattr(request, "param", {})
    context = await browser.new_context(**options)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    tab = await context.new_page()
    try:
        yield tab
        await tab.screenshot(path=_screenshot_path(screenshot_folder, request.node.name), full_page=True)
    finally:
        await context.close()


@pytest.fixture
def screenshot(page: Page, screenshot_folder: Path, request: pytest.FixtureRequest) -> Screenshot:
    """`await screenshot("label")` saves the whole current page as `<test>-<label>.png`."""

    async def take(label: str) -> None:
        await page.screenshot(path=_screenshot_path(screenshot_folder, request.node.name, label), full_page=True)

    return take
