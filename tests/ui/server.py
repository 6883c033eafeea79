"""The real server for browser tests and screenshots: ``python app.py`` in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

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
#: How long a browser test waits for the page by default (Playwright says 30 s): under a loaded 2-core
#: machine a studio step (a history click, an edit's first poll) has taken longer, though nothing hung.
UI_WAIT_MS = 90_000


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


@contextmanager
def running_server(data_dir: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app (studio and API, symbolic engine unless ``env`` says otherwise) on a fresh
    ``data_dir``, with ``env`` on top of the defaults; yields its base URL."""
    extra = env or {}
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
        **extra,
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
