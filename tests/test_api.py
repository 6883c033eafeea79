"""The /v1 contract end to end: real workers, a real render process, real files."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from musicgen_app.audio.loudness import integrated_loudness_lufs, true_peak_dbtp
from musicgen_app.formats import MEDIA_TYPES, OUTPUT_FORMATS, STEM_NAMES

from .helpers import decode, residual_db, wait_for_track

LOFI = "Chill lo-fi beat with jazzy Rhodes piano, soft drums, and rain ambiance"
GENERATE_FIELDS = {
    "id": str,
    "status": str,
    "duration": int,
    "genre": str,
    "tempo": int,
    "prompt": str,
    "created_at": str,
}
FULL_FIELDS = {
    "download_url": str,
    "waveform_url": str,
    "stems": dict,
    "output_format": str,
    "seed": int,
    "engine": str,
    "key": str,
    "progress": float,
    "completed_at": str,
    "license": str,
}


def generate(client, **body) -> dict:
    answer = client.post("/v1/music/generate", json={"prompt": LOFI, "duration": 5, **body})
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"/v1/music/{answer.json()['id']}"
    return answer.json()


@pytest.fixture(scope="module")
def lofi(api_client) -> dict:
    answer = api_client.post("/v1/music/generate", json={"prompt": LOFI})
    assert answer.status_code == 202
    created = answer.json()
    assert set(created) >= set(GENERATE_FIELDS) | {"audio_url"}
    assert created["genre"] == "lo-fi" and created["audio_url"] is None
    return wait_for_track(api_client, created["id"], timeout_s=60)


def test_generate_answers_with_resolved_fields_and_completes(lofi) -> None:
    assert lofi["status"] == "completed", lofi["error"]
    for name, kind in {**GENERATE_FIELDS, **FULL_FIELDS}.items():
        assert isinstance(lofi[name], kind), name
    assert lofi["genre"] == "lo-fi" and 40 <= lofi["tempo"] <= 220
    assert lofi["error"] is None and lofi["progress"] == 1.0
    assert dt.datetime.fromisoformat(lofi["created_at"]).tzinfo is not None
    assert lofi["audio_url"].startswith("http") and lofi["audio_url"].endswith("/audio")
    assert set(lofi["stems"]) == set(STEM_NAMES) and all(lofi["stems"].values())
    assert lofi["engine"] == "symbolic" and "royalty-free" in lofi["license"].lower()
    assert "rain" in lofi["plan"]["ambience"]
    assert lofi["details"]["parts"], "the symbolic engine reports the parts it played"


def test_track_is_listed_newest_first(api_client, lofi) -> None:
    listing = api_client.get("/v1/music", params={"limit": 5}).json()
    assert listing["count"] >= 1 and listing["data"][0]["id"] == lofi["id"]


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_each_format_decodes_to_the_contract(api_client, fmt: str) -> None:
    track = wait_for_track(api_client, generate(api_client, output_format=fmt, seed=3)["id"])
    assert track["status"] == "completed", track["error"]
    audio_path = f"/v1/music/{track['id']}/audio"
    answer = api_client.get(audio_path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(MEDIA_TYPES[fmt])
    audio, sr = decode(answer.content)
    assert sr == 44_100 and audio.shape[1] == 2
    assert abs(audio.shape[0] / sr - 5.0) <= 0.05
    size = len(answer.content)
    ranged = api_client.get(audio_path, headers={"Range": "bytes=100-1099"})
    assert ranged.status_code == 206 and ranged.content == answer.content[100:1100]
    assert ranged.headers["content-range"] == f"bytes 100-1099/{size}"
    download = api_client.get(f"/v1/music/{track['id']}/download")
    assert download.headers["content-disposition"].startswith("attachment")
    assert f".{fmt}" in download.headers["content-disposition"]


def test_waveform_follows_audiowaveform_v2(api_client, lofi) -> None:
    waveform = api_client.get(f"/v1/music/{lofi['id']}/waveform").json()
    assert waveform["version"] == 2 and waveform["bits"] == 8
    assert waveform["sample_rate"] == 44_100 and waveform["channels"] == 2
    assert len(waveform["data"]) == 2 * waveform["channels"] * waveform["length"]
    assert all(-128 <= v <= 127 for v in waveform["data"])


def test_wav_stems_sum_to_mix_and_master_meets_contract(api_client) -> None:
    track = wait_for_track(api_client, generate(api_client, output_format="wav", seed=11)["id"])
    mix, sr = decode(api_client.get(f"/v1/music/{track['id']}/audio").content)
    stems = [decode(api_client.get(f"/v1/music/{track['id']}/stems/{n}").content)[0] for n in STEM_NAMES]
    assert all(s.shape == mix.shape for s in stems)
    assert residual_db(mix, np.sum(stems, axis=0)) <= -60
    assert abs(integrated_loudness_lufs(mix, sr) + 14) <= 1
    assert true_peak_dbtp(mix, sr) <= -1.0
    midi = api_client.get(f"/v1/music/{track['id']}/midi")
    assert midi.status_code == 200 and midi.content[:4] == b"MThd"


def test_same_seed_same_pcm(api_client) -> None:
    first = wait_for_track(api_client, generate(api_client, output_format="wav", seed=42)["id"])
    second = wait_for_track(api_client, generate(api_client, output_format="wav", seed=42)["id"])
    a, _ = decode(api_client.get(f"/v1/music/{first['id']}/audio").content)
    b, _ = decode(api_client.get(f"/v1/music/{second['id']}/audio").content)
    assert np.array_equal(a, b)


def test_explicit_tempo_is_kept_and_measurable(api_client) -> None:
    import librosa

    created = generate(
        api_client,
        tempo=97,
        duration=20,
        output_format="wav",
        seed=5,
        prompt="funk groove with slap bass and drums",
    )
    assert created["tempo"] == 97
    track = wait_for_track(api_client, created["id"])
    audio, sr = decode(api_client.get(f"/v1/music/{track['id']}/audio").content)
    tempo, _ = librosa.beat.beat_track(y=audio.mean(axis=1), sr=sr)
    measured = float(np.atleast_1d(tempo)[0])
    assert any(abs(measured - 97 * k) / (97 * k) <= 0.02 for k in (0.5, 1, 2)), measured


BAD_BODIES = [
    ({}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({"prompt": "x" * 2001}, "prompt"),
    ({"prompt": "a", "duration": 4}, "duration"),
    ({"prompt": "a", "duration": 301}, "duration"),
    ({"prompt": "a", "duration": "30"}, "duration"),
    ({"prompt": "a", "duration": 30.5}, "duration"),
    ({"prompt": "a", "tempo": 39}, "tempo"),
    ({"prompt": "a", "tempo": 221}, "tempo"),
    ({"prompt": "a", "output_format": "aac"}, "output_format"),
    ({"prompt": "a", "mood": "happy"}, "mood"),
    ({"prompt": "a", "genre": "polka-step"}, "genre"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_input_is_refused_and_nothing_stored(api_client, body: dict, field: str) -> None:
    before = api_client.get("/v1/music").json()["count"]
    answer = api_client.post("/v1/music/generate", json=body)
    assert 400 <= answer.status_code < 500
    error = answer.json()["error"]
    assert error["code"] and field in error["message"]
    assert field in {d["field"] for d in error["details"]}
    assert api_client.get("/v1/music").json()["count"] == before


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"{not json", 422), (b"x" * 1_000_000, 413), (json.dumps([1, 2]).encode(), 422)],
)
def test_bad_bodies_are_refused(api_client, content: bytes, status: int) -> None:
    before = api_client.get("/v1/music").json()["count"]
    answer = api_client.post(
        "/v1/music/generate", content=content, headers={"content-type": "application/json"}
    )
    assert answer.status_code == status
    assert "body" in answer.json()["error"]["message"]
    assert api_client.get("/v1/music").json()["count"] == before


@pytest.mark.parametrize(
    "path",
    [
        "/v1/music/0123456789abcdef0123456789abcdef",
        "/v1/music/..%2F..%2Fetc%2Fpasswd",
        "/v1/music/..%2F..%2Fetc%2Fpasswd/audio",
        "/v1/music/nothex/stems/drums",
    ],
)
def test_unknown_ids_are_404(api_client, path: str) -> None:
    answer = api_client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_files_of_a_pending_track_are_409_and_delete_removes_it(api_client) -> None:
    created = generate(api_client, duration=60)
    answer = api_client.get(f"/v1/music/{created['id']}/audio")
    assert answer.status_code in (409, 200)
    if answer.status_code == 409:
        assert answer.json()["error"]["code"] == "not_ready"
    assert api_client.delete(f"/v1/music/{created['id']}").status_code == 204
    assert api_client.get(f"/v1/music/{created['id']}").status_code == 404


def test_genres_and_health(api_client) -> None:
    genres = api_client.get("/v1/genres").json()
    ids = {g["id"] for g in genres["data"]}
    assert {"lo-fi", "drum and bass", "jazz"} <= ids
    assert all(g["tempo_range"][0] < g["tempo_range"][1] for g in genres["data"])
    assert api_client.get("/healthz").json()["status"] == "ok"


def test_plan_preview_does_not_store(api_client) -> None:
    before = api_client.get("/v1/music").json()["count"]
    plan = api_client.post("/v1/music/plan", json={"prompt": "dnb at 174 bpm", "seed": 1}).json()
    assert plan["genre"] == "drum and bass" and plan["tempo_bpm"] == 174
    assert api_client.get("/v1/music").json()["count"] == before
