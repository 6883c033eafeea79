"""/docs renders in headless Chromium with every other host blocked, and lists every /v1 route."""

from __future__ import annotations

import httpx
import pytest

from .server import UI_WAIT_MS

pytestmark = pytest.mark.browser


def test_docs_render_offline_and_list_every_v1_route_with_an_example(browser, studio_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_WAIT_MS)
    blocked: list[str] = []

    def only_this_server(route):
        if route.request.url.startswith((studio_url, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    try:
        page.goto(f"{studio_url}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        shown = set(page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.dataset.path)"))
        spec = httpx.get(f"{studio_url}/openapi.json").json()
        wanted = {path for path in spec["paths"] if path.startswith("/v1")}
        assert wanted <= shown, wanted - shown
        # the generate route, opened, shows a ready request body from the examples
        page.locator(".opblock-post .opblock-summary-path[data-path='/v1/music/generate']").click()
        page.wait_for_selector(".opblock-post.is-open .body-param__example, .opblock-post.is-open .example")
        assert "prompt" in page.inner_text(".opblock-post.is-open")
        assert blocked == []
    finally:
        context.close()
