"""Every file in every format from the lossless master: encoded on first request, cached, tagged, exact.

A live app (workers, a render process, real files). One mp3 track is made; everything else is asked of it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musicgen_app.audio import encode as encode_module
from musicgen_app.audio.tags import read_tags
from musicgen_app.formats import MEDIA_TYPES, OUTPUT_FORMATS, STEM_NAMES
from musicgen_app.store.encoded import EncodedFiles
from musicgen_app.track_files import AUDIO_KINDS

from .helpers import decode, residual_db, wait_for_track

PROMPT = "warm bossa nova with nylon guitar and brushes"
SECONDS = 6
ROUTES = {"audio": "mix", "download": "mix", **{f"stems/{name}": name for name in STEM_NAMES}}


@pytest.fixture(scope="module")
def track(api_client) -> dict:
    body = {"prompt": PROMPT, "duration": SECONDS, "seed": 5, "output_format": "mp3"}
    created = api_client.post("/v1/music/generate", json=body).json()
    done = wait_for_track(api_client, created["id"], timeout_s=90)
    assert done["status"] == "completed", done["error"]
    return done


def _track_dir(api_client, track_id: str) -> Path:
    return api_client.app.state.service.files.track_dir(track_id)


def _forget(api_client, track_id: str, kind: str, fmt: str) -> None:
    """Drop one cached encode, so that the next request for it is a first request again."""
    (_track_dir(api_client, track_id) / "encoded" / f"{kind}.{fmt}").unlink(missing_ok=True)


def test_the_track_lists_its_formats_and_keeps_a_lossless_master(api_client, track) -> None:
    assert track["formats"] == list(OUTPUT_FORMATS)
    assert "mp3" in track["encoded"]["mix"] and "flac" in track["encoded"]["mix"]
    master = _track_dir(api_client, track["id"]) / "master"
    for kind in AUDIO_KINDS:
        info = sf.info(master / f"{kind}.flac")
        assert (info.format, info.samplerate, info.frames) == ("FLAC", 44_100, SECONDS * 44_100)


def test_stems_in_the_requested_format_are_encoded_after_completion(api_client, track) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        encoded = api_client.get(f"/v1/music/{track['id']}").json()["encoded"]
        if all("mp3" in encoded[name] for name in STEM_NAMES):
            return
        time.sleep(0.2)
    raise AssertionError(f"stems not encoded in the background: {encoded}")


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_serves_every_format_exact_and_tagged(api_client, track, route: str, fmt: str) -> None:
    url = f"/v1/music/{track['id']}/{route}"
    answer = api_client.get(url, params={"format": fmt})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(MEDIA_TYPES[fmt])
    audio, sr = decode(answer.content)
    assert sr == 44_100 and audio.shape[1] == 2
    if fmt in ("wav", "flac"):
        assert audio.shape[0] == SECONDS * 44_100
    else:
        assert abs(audio.shape[0] / sr - SECONDS) <= 0.05
    kind = ROUTES[route]
    path = _track_dir(api_client, track["id"]) / ("master" if fmt == "flac" else "encoded") / f"{kind}.{fmt}"
    tags = read_tags(path)
    assert (
        tags["prompt"] == PROMPT
        and tags["seed"] == str(track["seed"])
        and tags["license"] == track["license"]
    )
    if route == "download":
        assert answer.headers["content-disposition"].startswith("attachment")
        assert answer.headers["content-disposition"].rstrip('"').endswith(f"-{track['id'][:8]}.{fmt}")


def test_a_second_request_is_served_from_the_cache(api_client, track, monkeypatch) -> None:
    url = f"/v1/music/{track['id']}/stems/bass"
    first = api_client.get(url, params={"format": "ogg"}).content
    calls = []
    monkeypatch.setattr(
        encode_module, "_WRITERS", {k: lambda *a, _k=k: calls.append(_k) for k in OUTPUT_FORMATS}
    )
    second = api_client.get(url, params={"format": "ogg"}).content
    assert second == first and calls == []
    assert "ogg" in api_client.get(f"/v1/music/{track['id']}").json()["encoded"]["bass"]


def test_the_formats_decode_to_the_same_music(api_client, track) -> None:
    flac, _ = decode(api_client.get(f"/v1/music/{track['id']}/audio", params={"format": "flac"}).content)
    wav, _ = decode(api_client.get(f"/v1/music/{track['id']}/audio", params={"format": "wav"}).content)
    assert residual_db(flac, wav) <= -70  # 16-bit WAV from the 24-bit master: only quantisation
    stems = [
        decode(api_client.get(f"/v1/music/{track['id']}/stems/{n}?format=wav").content)[0] for n in STEM_NAMES
    ]
    assert residual_db(wav, np.sum(stems, axis=0)) <= -60


def test_an_unknown_format_is_a_422_naming_the_field(api_client, track) -> None:
    answer = api_client.get(f"/v1/music/{track['id']}/audio", params={"format": "aiff"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "format"


def test_a_failed_encode_is_a_clear_503_and_leaves_no_partial_file(api_client, track, monkeypatch) -> None:
    def half_then_fail(frames, sr, target, tags, bits, progress):
        Path(target).write_bytes(b"half an ogg")
        raise sf.LibsndfileError(1, "disk trouble ")

    _forget(api_client, track["id"], "vocals", "ogg")
    monkeypatch.setitem(encode_module._WRITERS, "ogg", half_then_fail)
    url = f"/v1/music/{track['id']}/stems/vocals"
    answer = api_client.get(url, params={"format": "ogg"})
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "encoding_failed" and "ogg" in error["message"]
    assert "/" not in error["message"].replace("/v1", "")  # no path in the answer
    encoded = _track_dir(api_client, track["id"]) / "encoded"
    assert not any(
        p.name.startswith(("vocals.ogg", ".vocals.ogg.")) and p.suffix != ".lock" for p in encoded.iterdir()
    )
    monkeypatch.undo()
    assert api_client.get(url, params={"format": "ogg"}).status_code == 200


def test_concurrent_first_requests_encode_once(api_client, track, monkeypatch) -> None:
    service = api_client.app.state.service
    stored = service.get(track["id"])
    encodes = []
    real = encode_module._WRITERS["wav"]

    def slow_counting(*args):
        encodes.append(1)
        time.sleep(0.3)
        real(*args)

    _forget(api_client, track["id"], "other", "wav")
    monkeypatch.setitem(encode_module._WRITERS, "wav", slow_counting)
    cache = EncodedFiles(service.files.path)
    paths: list[Path] = []
    threads = [
        threading.Thread(target=lambda: paths.append(cache.path(stored, "other", "wav"))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(encodes) == 1 and len(set(paths)) == 1 and len(paths) == 6


def test_deleting_a_track_deletes_every_cached_encode(api_client) -> None:
    created = api_client.post("/v1/music/generate", json={"prompt": PROMPT, "duration": 5, "seed": 1}).json()
    assert wait_for_track(api_client, created["id"])["status"] == "completed"
    for fmt in OUTPUT_FORMATS:
        assert (
            api_client.get(f"/v1/music/{created['id']}/stems/drums", params={"format": fmt}).status_code
            == 200
        )
    directory = _track_dir(api_client, created["id"])
    assert any((directory / "encoded").iterdir())
    assert api_client.delete(f"/v1/music/{created['id']}").status_code == 204
    assert not directory.exists()
    assert api_client.get(f"/v1/music/{created['id']}/audio", params={"format": "wav"}).status_code == 404
