"""mount_studio: the studio on a FastAPI app with its theme, serving nothing from other hosts."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from musicgen_app.formats import STEM_NAMES
from musicgen_app.ui import mount_studio
from musicgen_app.ui.guard import StudioGuard

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
    # Finding 8: Gradio's file route copied every request header into a ranged answer and answered
    # "bytes=0-1,2-3" with a 500. A file it serves (one in its upload folder, as an upload once left):
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()) / f"probe-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    probe = folder / "probe.bin"
    probe.write_bytes(bytes(range(256)) * 4)
    try:
        for header in ("bytes=0-1,2-3", "bytes=0-9", "bytes=zz", "bytes=5000-6000"):
            answer = client.get(
                f"/gradio_api/file={probe}", headers={"Range": header, "X-Probe": "secret-probe"}
            )
            assert answer.status_code == 200, (header, answer.status_code)
            assert answer.content == probe.read_bytes()  # the whole file: the range is ignored
            assert "secret-probe" not in json.dumps(dict(answer.headers))
    finally:
        shutil.rmtree(folder)


def test_the_guard_drops_range_only_on_gradios_file_routes():
    seen = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"range"))

    guard = StudioGuard(app, prefix="/studio")
    for path in (
        "/studio/gradio_api/file=/x",
        "/studio/file=/x",
        "/studio/gradio_api/file/x",
        "/v1/music/a/audio",
    ):
        scope = {"type": "http", "path": path, "headers": [(b"range", b"bytes=0-1,2-3")]}
        asyncio.run(guard(scope, None, None))
    assert seen == [None, None, None, b"bytes=0-1,2-3"]


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


def test_delete_empties_the_players_before_the_track_is_deleted(client):
    # A player still fetching its stem when the files go would ask for a file that is gone (404s in the
    # browser): the click first empties every player, and the delete runs only after that answer.
    config = client.get("/config").json()
    by_id = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    delete = next(i for i, elem_id in by_id.items() if elem_id == "mg-delete")
    [first] = [dep for dep in config["dependencies"] if [delete, "click"] in dep["targets"]]
    [then] = [dep for dep in config["dependencies"] if dep.get("trigger_after") == first["id"]]
    players = {"mg-player", "mg-remix-player", *(f"mg-stem-{name}" for name in STEM_NAMES)}
    assert {by_id[o] for o in first["outputs"]} == players
    assert {"mg-status", "mg-history"} <= {by_id[o] for o in then["outputs"]}
