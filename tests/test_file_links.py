"""Signed file links (for the studio's players) and the two files made on request: the remix preview
and "download all", through the /v1 routes."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from musicgen_app.api_keys import ApiKeys, key_id
from musicgen_app.config import Settings
from musicgen_app.file_links import sign_link, verify_link
from musicgen_app.web import create_app

ALICE = "alice-key-0123456789abcdef"
BOB = "bob-key-0123456789abcdef00"
TRACK = "3f9c2a7be41d4c0f9a8e5b6d7c1e2f30"
OTHER = "0" * 32


def test_a_link_opens_one_track_as_one_key_until_it_expires() -> None:
    keys = ApiKeys.parse(f"{ALICE},{BOB}")
    alice = key_id(ALICE)
    token = sign_link(keys, alice, TRACK, now=1000.0, ttl_s=60)
    assert verify_link(keys, token, TRACK, now=1059.0) == alice
    assert verify_link(keys, token, TRACK, now=1061.0) is None  # expired
    assert verify_link(keys, token, OTHER, now=1000.0) is None  # another track
    owner, expires, mac = token.split(".")
    assert verify_link(keys, f"{key_id(BOB)}.{expires}.{mac}", TRACK, now=1000.0) is None  # another key
    assert verify_link(keys, f"{owner}.{int(expires) + 3600}.{mac}", TRACK, now=1000.0) is None  # extended
    assert verify_link(ApiKeys.parse(BOB), token, TRACK, now=1000.0) is None  # the key was removed
    for junk in ("", "...", "key_x", f"{owner}.{expires}", f"{owner}.-5.{mac}", f"{owner}.{'9' * 40}.{mac}"):
        assert verify_link(keys, junk, TRACK, now=1000.0) is None
    assert ALICE not in token
    with pytest.raises(ValueError, match="no API key"):
        sign_link(keys, "key_000000000000", TRACK)


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("links"), engine="symbolic", ui=False, workers=1, api_keys=ALICE
    )
    app = create_app(settings)
    with TestClient(app, base_url="http://localhost") as client:
        auth = {"Authorization": f"Bearer {ALICE}"}
        track_id = client.post(
            "/v1/music/generate", json={"prompt": "funk", "duration": 5}, headers=auth
        ).json()["id"]
        deadline = time.monotonic() + 240
        while client.get(f"/v1/music/{track_id}", headers=auth).json()["status"] != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        yield client, app.state.service, track_id


def test_file_routes_take_a_signed_link_instead_of_a_header(done) -> None:
    client, service, track_id = done
    token = sign_link(service.api_keys, key_id(ALICE), track_id)
    for route in ("audio", "download", "stems/drums", "midi", "waveform", "beats", "bundle", "remix"):
        assert client.get(f"/v1/music/{track_id}/{route}").status_code == 401, route
        answer = client.get(f"/v1/music/{track_id}/{route}", params={"token": token})
        assert answer.status_code == 200, (route, answer.text)
    # a link is for files only: the track itself, listing and writes still need the key
    assert client.get(f"/v1/music/{track_id}", params={"token": token}).status_code == 401
    assert client.delete(f"/v1/music/{track_id}", params={"token": token}).status_code == 401
    bad = client.get(f"/v1/music/{track_id}/audio", params={"token": token[:-2] + "xx"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"


def test_the_remix_preview_is_a_wav_at_the_levels_asked_and_rendered_once(done) -> None:
    client, service, track_id = done
    auth = {"Authorization": f"Bearer {ALICE}"}
    url = f"/v1/music/{track_id}/remix"
    muted = client.get(url, params={"vocals": -60, "drums": -60, "bass": -60, "other": -60}, headers=auth)
    assert muted.status_code == 200 and muted.headers["content-type"] == "audio/wav"
    silence, sr = sf.read(io.BytesIO(muted.content))
    assert sr == 44_100 and abs(silence).max() == 0.0
    full = client.get(url, params={"drums": -6}, headers=auth)
    audio, _sr = sf.read(io.BytesIO(full.content))
    assert abs(audio).max() > 0.01 and len(audio) == pytest.approx(5 * 44_100, abs=2)
    remixes = service.files.track_dir(track_id) / "remix"
    before = {p: p.stat().st_mtime_ns for p in remixes.iterdir()}
    assert client.get(url, params={"drums": -6}, headers=auth).content == full.content
    assert {p: p.stat().st_mtime_ns for p in remixes.iterdir()} == before
    ranged = client.get(url, params={"drums": -6}, headers={**auth, "Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == b"RIFF"
    for bad in ({"drums": 7}, {"bass": "loud"}, {"other": "nan"}):
        answer = client.get(url, params=bad, headers=auth)
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["details"][0]["field"].endswith(next(iter(bad)))


def test_download_all_is_one_zip_of_the_tracks_files(done) -> None:
    client, _service, track_id = done
    answer = client.get(f"/v1/music/{track_id}/bundle", headers={"Authorization": f"Bearer {ALICE}"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert len(names) == 7 and sum(n.endswith(".mp3") for n in names) == 5
