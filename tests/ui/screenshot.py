"""Take the README's screenshot of the studio after generating a track.

Usage: ``python -m tests.ui.screenshot [--out docs/studio.png] [--duration 45]`` from the repository root.
Starts the real server on a temporary data directory (symbolic engine) and drives headless Chromium.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from .server import CHROMIUM, CHROMIUM_ARGS, REPO, running_server

PROMPT = "Chill lo-fi beat with jazzy Rhodes piano, soft swung drums and rain ambience"


def take_screenshot(out: Path, *, duration_s: int, width: int = 1400, height: int = 1000) -> None:
    """Generate one track in the studio and save a full-page PNG of the result to ``out``."""
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir)) as base_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(base_url)
        page.fill("#mg-prompt textarea", PROMPT)
        duration = page.locator("#mg-duration input[type=number]")
        duration.fill(str(duration_s))
        duration.press("Enter")
        page.click("#mg-generate")
        page.wait_for_selector("#mg-player a[data-testid=download-link]", state="attached", timeout=300_000)
        page.wait_for_selector("#mg-waveform svg.mg-waveform")
        page.wait_for_timeout(2_000)  # let the players draw their waveforms
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "studio.png")
    parser.add_argument("--duration", type=int, default=45, help="seconds of music to generate")
    args = parser.parse_args()
    take_screenshot(args.out, duration_s=args.duration)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
