"""mount_studio: the studio on a FastAPI app with its theme, serving nothing from other hosts."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

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


@pytest.mark.parametrize("size", [1, 100 * 1024 * 1024])
@pytest.mark.parametrize("route", ["/gradio_api/upload", "/upload", "/gradio_api/upload/"])
def test_the_studio_takes_no_uploads_and_keeps_nothing(client, route, size):
    upload_dir = Path(tempfile.gettempdir()) / "gradio"
    before = set(upload_dir.rglob("*")) if upload_dir.exists() else set()
    answer = client.post(route, files={"files": ("big.wav", b"\0" * size)})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    after = set(upload_dir.rglob("*")) if upload_dir.exists() else set()
    assert not {p for p in after - before if p.name == "big.wav"}


def test_a_range_on_gradios_file_route_is_ignored_never_echoed_or_a_500(client):
    # Gradio's file route copied every request header into a ranged answer and broke on several ranges;
    # the guard drops the Range header before it: whatever Gradio answers, it is whole and not a 500
    for header in ("bytes=0-1,2-3", "bytes=0-9", "bytes=zz"):
        answer = client.get("/gradio_api/file=/etc/hostname", headers={"Range": header, "Cookie": "secret=1"})
        assert answer.status_code != 500 and answer.status_code != 206
        assert "secret" not in json.dumps(dict(answer.headers))


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
