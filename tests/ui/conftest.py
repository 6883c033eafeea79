"""Fixtures for the browser tests: the real server in a subprocess, and headless Debian Chromium."""

from __future__ import annotations

import pytest

from .server import CHROMIUM, CHROMIUM_ARGS, UI_WAIT_MS, running_server


@pytest.fixture(scope="session")
def studio_url(tmp_path_factory) -> str:
    """``python app.py`` on a free port with a fresh data directory and the symbolic engine."""
    with running_server(tmp_path_factory.mktemp("studio-data")) as base_url:
        yield base_url


# One browser per module, not per session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and tests of later modules that call asyncio.run() would then fail.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (scripts/install_system.sh --test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that it should not: console errors and requests to other hosts."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        # the console says only "Failed to load resource: 404"; this says which URL
        self.failed_responses: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request) -> None:
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.foreign_requests.append(request.url)

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.request.method} {response.url}")

    def watch(self, page) -> None:
        page.on("console", self.on_console)
        page.on("request", self.on_request)
        page.on("response", self.on_response)

    def assert_clean(self, toasts: list[str]) -> None:
        assert self.console_errors == [], self.failed_responses
        assert self.foreign_requests == []
        assert toasts == []


@pytest.fixture
def open_page(browser, studio_url):
    """Open the studio at a path (``/?track=ID``) in a new page of one context, each page watched as
    ``page`` is. A new page rather than a second ``goto``: leaving a studio page aborts its requests,
    and the studio logs that as console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_WAIT_MS)
    watch = PageWatch(studio_url)
    pages = []

    def open_at(path: str = "/"):
        page = context.new_page()
        watch.watch(page)
        page.goto(f"{studio_url}{path}")
        page.wait_for_selector("#mg-prompt textarea")
        pages.append(page)
        return page

    yield open_at
    toasts = [text for page in pages for text in page.locator("[data-testid=toast-body]").all_inner_texts()]
    context.close()
    watch.assert_clean(toasts)


@pytest.fixture
def page(browser, studio_url):
    """A fresh page on the studio; fails the test on console errors, foreign requests or error toasts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_WAIT_MS)
    page = context.new_page()
    watch = PageWatch(studio_url)
    watch.watch(page)
    page.goto(studio_url)
    page.wait_for_selector("#mg-prompt textarea")
    yield page
    toasts = page.locator("[data-testid=toast-body]").all_inner_texts()
    context.close()
    watch.assert_clean(toasts)
