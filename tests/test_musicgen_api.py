"""MusicGen and Demucs through the API, on tiny random-weight models saved in their real formats.

The render process loads them exactly as it would load published checkpoints: the MusicGen directory through
``transformers`` (``save_pretrained`` files) and the Demucs model through demucs' own repository loader.
"""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.formats import STEM_NAMES
from musicgen_app.web import create_app

from .audio.conftest_demucs import save_in_repo, tiny_model
from .engines.musicgen.conftest import build_tiny_musicgen
from .helpers import decode, residual_db, wait_for_track

PROMPT = "ambient pads with a soft pulse"


@pytest.fixture(scope="module")
def neural_client(tmp_path_factory):
    musicgen_dir = build_tiny_musicgen(tmp_path_factory.mktemp("musicgen"))
    demucs_repo = tmp_path_factory.mktemp("demucs")
    save_in_repo(tiny_model(seed=1), demucs_repo, "tiny0001")
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        ui=False,
        musicgen_model=str(musicgen_dir),
        demucs_model="tiny0001",
        demucs_repo=demucs_repo,
    )
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def generate(client, **body) -> dict:
    answer = client.post("/v1/music/generate", json={"prompt": PROMPT, "engine": "musicgen", **body})
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_musicgen_track_has_demucs_stems_that_sum_to_the_mix(neural_client) -> None:
    track = wait_for_track(
        neural_client, generate(neural_client, duration=5, output_format="wav", seed=1)["id"]
    )
    assert track["status"] == "completed", track["error"]
    assert track["engine"] == "musicgen" and "CC-BY-NC-4.0" in track["license"]
    assert all(track["stems"][name] for name in STEM_NAMES)
    assert track["midi_url"] is None
    assert isinstance(track["details"]["measured_tempo_bpm"], float)  # reported when no tempo was asked
    assert track["details"]["stems_separated"] is True
    assert not [n for n in track["notices"] if "separat" in n.lower()]
    mix, sr = decode(neural_client.get(f"/v1/music/{track['id']}/audio").content)
    assert (sr, mix.shape) == (44_100, (5 * 44_100, 2))
    stems = [decode(neural_client.get(f"/v1/music/{track['id']}/stems/{n}").content)[0] for n in STEM_NAMES]
    assert residual_db(mix, np.sum(stems, axis=0)) <= -60


@pytest.mark.parametrize("duration", [30, 45])
def test_exact_duration_with_continuation_and_monotonic_progress(neural_client, duration: int) -> None:
    import time

    created = generate(neural_client, duration=duration, output_format="mp3", seed=2)
    seen: list[float] = []
    while (track := neural_client.get(f"/v1/music/{created['id']}").json())["status"] not in (
        "completed",
        "failed",
    ):
        seen.append(track["progress"])
        time.sleep(0.05)
    assert track["status"] == "completed", track["error"]
    seen.append(track["progress"])
    assert seen == sorted(seen) and seen[-1] == 1.0
    mix, sr = decode(neural_client.get(f"/v1/music/{track['id']}/audio").content)
    assert abs(mix.shape[0] / sr - duration) <= 0.05


def test_same_seed_same_audio(neural_client) -> None:
    tracks = [
        wait_for_track(neural_client, generate(neural_client, duration=5, output_format="wav", seed=9)["id"])
        for _ in range(2)
    ]
    first, second = (decode(neural_client.get(f"/v1/music/{t['id']}/audio").content)[0] for t in tracks)
    assert np.array_equal(first, second)


@pytest.fixture(scope="module")
def no_weights_client(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data, ui=False, musicgen_model=str(data / "no-such-model"))
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def test_auto_without_weights_falls_back_to_symbolic_and_says_so(no_weights_client) -> None:
    created = no_weights_client.post("/v1/music/generate", json={"prompt": PROMPT, "duration": 5}).json()
    track = wait_for_track(no_weights_client, created["id"])
    assert track["status"] == "completed" and track["engine"] == "symbolic"
    assert track["engine_requested"] == "auto"
    assert any("MusicGen" in n and "symbolic" in n for n in track["notices"])


def test_musicgen_without_weights_fails_with_a_clear_error(no_weights_client) -> None:
    created = generate(no_weights_client, duration=5)
    track = wait_for_track(no_weights_client, created["id"])
    assert track["status"] == "failed"
    assert "no-such-model" in track["error"] and track["audio_url"] is None
    assert no_weights_client.get(f"/v1/music/{track['id']}/audio").status_code == 409


def test_missing_demucs_model_keeps_the_mix_and_says_why(tmp_path) -> None:
    musicgen_dir = build_tiny_musicgen(tmp_path / "musicgen")
    settings = Settings(
        data_dir=tmp_path / "data",
        ui=False,
        musicgen_model=str(musicgen_dir),
        demucs_model="htdemucs",
        demucs_repo=tmp_path / "empty-repo",
    )
    (tmp_path / "empty-repo").mkdir()
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        track = wait_for_track(client, generate(client, duration=5, output_format="wav", seed=3)["id"])
        assert track["status"] == "completed", track["error"]
        assert any("could not be separated" in n for n in track["notices"])
        mix, _ = decode(client.get(f"/v1/music/{track['id']}/audio").content)
        other, _ = decode(client.get(f"/v1/music/{track['id']}/stems/other").content)
        assert np.array_equal(mix, other)
