"""mount_studio: the studio on a FastAPI app with its theme, serving nothing from other hosts."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from musicgen_app.ui import mount_studio

from .fake_service import FakeService


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = FastAPI()
    mount_studio(app, FakeService(tmp_path_factory.mktemp("tracks")))
    with TestClient(app, base_url="http://localhost") as test_client:
        yield test_client


def test_the_page_and_its_config_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "musicgen studio" in page.text
    config = client.get("/config").json()
    elem_ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert {"mg-prompt", "mg-generate", "mg-player", "mg-waveform", "mg-history"} <= elem_ids
    assert {f"mg-stem-{name}" for name in ("vocals", "drums", "bass", "other")} <= elem_ids


def test_the_theme_uses_no_font_or_stylesheet_from_another_host(client):
    css = client.get("/theme.css").text
    assert "--font: ui-sans-serif, system-ui" in css
    assert "@font-face" not in css  # system fonts: nothing to download at all
    assert not re.search(r"url\(\s*['\"]?https?://", css)
    assert "fonts.googleapis" not in client.get("/").text


def test_the_upload_route_refuses_anything_but_tiny_files(client):
    from musicgen_app.ui.mount import MAX_UPLOAD_BYTES

    big = client.post("/gradio_api/upload", files={"files": ("big.wav", b"\0" * (MAX_UPLOAD_BYTES + 1))})
    assert big.status_code == 413


def test_generate_variation_and_history_bring_the_status_into_view(client):
    config = client.get("/config").json()
    by_id = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    scrolling = {
        by_id.get(target[0])
        for dep in config["dependencies"]
        if "scrollIntoView" in (dep.get("js") or "")
        for target in dep["targets"]
    }
    assert {"mg-generate", "mg-variation", "mg-history"} <= scrolling
