"""Issue 12's findings, each reproduced: every answer JSON, never a 500; hosts, media types, methods,
HEAD, ranges and security headers; disk full and a corrupt or emptied database."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from musicgen_app.config import Settings
from musicgen_app.errors import StartupRefused
from musicgen_app.http_guard import SECURITY_HEADERS
from musicgen_app.service import GenerationService
from musicgen_app.web import create_app

from .helpers import wait_for_track


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data_dir, engine="symbolic", ui=False, workers=1, lease_s=10)
    with TestClient(
        create_app(settings), base_url="http://localhost", raise_server_exceptions=False
    ) as client:
        yield client


@pytest.fixture(scope="module")
def done(app_client) -> dict:
    body = {"prompt": "calm piano", "duration": 5, "seed": 3, "output_format": "wav"}
    track = wait_for_track(app_client, app_client.post("/v1/music/generate", json=body).json()["id"])
    assert track["status"] == "completed", track["error"]
    return track


def _json_error(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    if field is not None:
        assert field in {d["field"] for d in error["details"]}, error
    return error


def _post_raw(client, path: str, content: bytes):
    return client.post(path, content=content, headers={"content-type": "application/json"})


@pytest.mark.parametrize("path", ["/v1/music/generate", "/v1/music/plan"])
def test_hostile_bodies_are_json_422s(app_client, path: str) -> None:
    _json_error(
        _post_raw(app_client, path, b'{"prompt": "a", "duration": ' + b"9" * 5000 + b"}"), 422, "body"
    )
    _json_error(_post_raw(app_client, path, b"[" * 30000), 422, "body")
    _json_error(_post_raw(app_client, path, b'{"prompt": "\\ud800"}'), 422, "prompt")
    _json_error(_post_raw(app_client, path, b'{"prompt": "a", "\\udfff": 1}'), 422)


def test_an_integral_float_is_an_integer(app_client) -> None:
    answer = app_client.post("/v1/music/plan", json={"prompt": "funk", "tempo": 107.0})
    assert answer.status_code == 200 and answer.json()["tempo_bpm"] == 107


def test_listing_bounds_and_status_are_checked(app_client) -> None:
    _json_error(app_client.get("/v1/music", params={"offset": 9223372036854775808}), 422, "offset")
    _json_error(app_client.get("/v1/music", params={"status": "bogus"}), 422, "status")
    assert app_client.get("/v1/music", params={"status": "failed"}).status_code == 200


def test_a_body_that_is_not_json_is_415(app_client) -> None:
    before = app_client.get("/v1/music").json()["count"]
    answer = app_client.post(
        "/v1/music/generate", content=b'{"prompt": "a"}', headers={"content-type": "text/plain"}
    )
    _json_error(answer, 415, "content-type")
    assert app_client.get("/v1/music").json()["count"] == before


def test_other_hosts_are_refused(app_client) -> None:
    _json_error(app_client.get("/healthz", headers={"host": "evil.example"}), 421, "host")
    assert app_client.get("/healthz", headers={"host": "127.0.0.1:7860"}).status_code == 200
    assert app_client.get("/healthz", headers={"host": "[::1]:7860"}).status_code == 200


def test_on_spaces_any_host_is_served_unless_configured(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SPACE_ID", "someone/musicgen")
    assert Settings(data_dir=tmp_path).served_hosts() is None
    assert Settings(data_dir=tmp_path, allowed_hosts="a.example").served_hosts() is not None


def test_allowed_hosts_setting_and_star(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path, allowed_hosts="music.example.org", public_url="https://api.example.com"
    )
    assert {"music.example.org", "api.example.com", "localhost"} <= settings.served_hosts()
    assert Settings(data_dir=tmp_path, allowed_hosts="*").served_hosts() is None


def test_head_works_wherever_get_does(app_client, done) -> None:
    for path in ("/healthz", f"/v1/music/{done['id']}", f"/v1/music/{done['id']}/audio", "/v1/genres"):
        get, head = app_client.get(path), app_client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_wrong_methods_are_405_with_allow(app_client, done) -> None:
    error = _json_error(app_client.put("/v1/music/generate", json={}), 405)
    assert error["code"] == "method_not_allowed"
    assert "POST" in app_client.put("/v1/music/generate", json={}).headers["allow"].split(", ")
    assert "GET" in app_client.post(f"/v1/music/{done['id']}/audio").headers["allow"]
    assert app_client.get("/v1/nowhere").status_code == 404


def test_security_headers_on_every_answer(app_client, done) -> None:
    for answer in (
        app_client.get("/healthz"),
        app_client.get(f"/v1/music/{done['id']}/audio"),
        app_client.get("/v1/x"),
    ):
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value


def test_ranges_good_and_bad(app_client, done) -> None:
    url = f"/v1/music/{done['id']}/audio"
    size = len(app_client.get(url).content)
    assert app_client.get(url, headers={"Range": "bytes=0-1,2-3"}).status_code == 206
    _json_error(app_client.get(url, headers={"Range": "bytes=zz"}), 422, "range")
    answer = app_client.get(url, headers={"Range": f"bytes={size + 10}-{size + 20}"})
    _json_error(answer, 416, "range")
    assert answer.headers["content-range"] == f"bytes */{size}"
    ranged = app_client.get(url, headers={"Range": "bytes=0-9", "Cookie": "secret=1"})
    assert "secret" not in json.dumps(dict(ranged.headers))


def test_a_full_disk_is_a_503_with_retry_after_and_stores_nothing(app_client, monkeypatch) -> None:
    service = app_client.app.state.service
    before = app_client.get("/v1/music").json()["count"]

    def full(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(service.repo, "_insert_if_room", full)
    answer = app_client.post("/v1/music/generate", json={"prompt": "pop"})
    error = _json_error(answer, 503)
    assert error["code"] == "insufficient_storage" and int(answer.headers["retry-after"]) > 0
    monkeypatch.undo()
    assert app_client.get("/v1/music").json()["count"] == before


def test_a_bug_is_a_json_500_that_says_nothing_internal(app_client, monkeypatch) -> None:
    service = app_client.app.state.service
    monkeypatch.setattr(service, "list", lambda **_kw: 1 / 0)
    error = _json_error(app_client.get("/v1/music"), 500)
    assert error["code"] == "internal_error" and "ZeroDivision" not in error["message"]


def _service(data_dir) -> GenerationService:
    return GenerationService(Settings(data_dir=data_dir, engine="symbolic", ui=False, workers=0))


def test_health_is_503_on_a_corrupt_database(tmp_path) -> None:
    service = _service(tmp_path)
    service.start()
    for seed in range(40):  # enough rows for the table to span several pages
        service.submit({"prompt": "a long prompt " * 50, "seed": seed})
    assert service.health()["status"] == "ok"
    service.stop()
    database = tmp_path / "musicgen_app.db"
    with open(database, "r+b") as handle:
        page = sqlite3.connect(database).execute("PRAGMA page_size").fetchone()[0]
        handle.seek(page)  # page 2 onwards: every table's rows (page 1 is the schema)
        handle.write(os.urandom(database.stat().st_size - page))
    with TestClient(
        create_app(Settings(data_dir=tmp_path, ui=False, workers=0)), base_url="http://localhost"
    ) as client:
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.json()["status"] == "degraded"
        assert answer.json()["problems"]


def test_an_emptied_database_with_tracks_on_disk_refuses_to_start(tmp_path) -> None:
    service = _service(tmp_path)
    service.start()
    (service.files.root / ("ab" * 16)).mkdir()
    service.stop()
    (tmp_path / "musicgen_app.db").write_bytes(b"")
    for leftover in tmp_path.glob("musicgen_app.db-*"):
        leftover.unlink()
    with pytest.raises(StartupRefused, match="track directories exist"):
        _service(tmp_path).start()


def test_the_openapi_documents_the_real_error_shape_and_statuses(app_client) -> None:
    spec = app_client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(spec)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses and "500" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    files = spec["paths"]["/v1/music/{track_id}/audio"]["get"]["responses"]
    assert {"404", "409", "416", "503"} <= set(files)


def test_concurrent_health_checks_all_find_storage_writable(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from musicgen_app.store.files import FileStore

    files = FileStore(tmp_path)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: files.check_writable(min_free_bytes=1), range(200)))
    assert answers == [None] * 200
