"""Fixtures for the browser tests: the real server in a subprocess, and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base_url: str, process: subprocess.Popen, log: Path, *, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not healthy after {timeout_s} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def studio_url(tmp_path_factory) -> str:
    """``python app.py`` on a free port with a fresh data directory and the symbolic engine."""
    data_dir = tmp_path_factory.mktemp("studio-data")
    port = _free_port()
    env = {
        **os.environ,
        "MUSICGEN_APP_DATA_DIR": str(data_dir),
        "MUSICGEN_APP_PORT": str(port),
        "MUSICGEN_APP_HOST": "127.0.0.1",
        "MUSICGEN_APP_ENGINE": "symbolic",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
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

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request) -> None:
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.foreign_requests.append(request.url)


@pytest.fixture
def page(browser, studio_url):
    """A fresh page on the studio; fails the test on console errors, foreign requests or error toasts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watch = PageWatch(studio_url)
    page.on("console", watch.on_console)
    page.on("request", watch.on_request)
    page.goto(studio_url)
    page.wait_for_selector("#mg-prompt textarea")
    yield page
    toasts = page.locator("[data-testid=toast-body]").all_inner_texts()
    context.close()
    assert watch.console_errors == []
    assert watch.foreign_requests == []
    assert toasts == []
