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


# -- edits of MusicGen tracks: continuation, a span made anew, a loop cut from the audio -------------------


def _edit(client, parent_id: str, route: str, body: dict) -> dict:
    answer = client.post(f"/v1/music/{parent_id}/{route}", json=body)
    assert answer.status_code == 202, answer.text
    track = wait_for_track(client, answer.json()["id"], timeout_s=240)
    assert track["status"] == "completed", track["error"]
    assert (track["parent_id"], track["operation"], track["engine"]) == (parent_id, route, "musicgen")
    return track


def _pcm(client, track_id: str, route: str = "audio") -> np.ndarray:
    return decode(client.get(f"/v1/music/{track_id}/{route}", params={"format": "flac"}).content)[0]


def _on_a_bar_line(time_s: float, downbeats: list[float]) -> bool:
    return min(abs(time_s - d) for d in downbeats) < 1e-4  # the beat file rounds to 0.1 ms


def _no_click_at(audio: np.ndarray, frame: int) -> None:
    steps = np.abs(np.diff(audio, axis=0)).max(axis=1)
    assert steps[frame - 1] <= np.percentile(steps, 99.9), f"a step at frame {frame}"


@pytest.fixture(scope="module")
def musicgen_parent(neural_client) -> dict:
    track = wait_for_track(
        neural_client, generate(neural_client, duration=16, output_format="wav", seed=21)["id"], timeout_s=240
    )
    assert track["status"] == "completed", track["error"]
    return track


def test_a_musicgen_chain_extend_regenerate_loop(neural_client, musicgen_parent) -> None:
    """Extend continues from the last window of codes before a bar line; regenerate makes a span anew
    with crossfades at both ends; a loop is cut from whole bars. Each keeps its parent's samples where
    it says, lasts exactly what it should, and names its immediate parent."""
    client, parent = neural_client, musicgen_parent
    beats = client.get(f"/v1/music/{parent['id']}/beats").json()

    longer = _edit(client, parent["id"], "extend", {"seconds": 6, "seed": 4})
    kept_s = longer["details"]["kept_until_s"]
    assert _on_a_bar_line(kept_s, beats["downbeats"]) and 0 < kept_s < 16
    kept = round(kept_s * 44_100)
    old, new = _pcm(client, parent["id"]), _pcm(client, longer["id"])
    assert new.shape == (22 * 44_100, 2) and longer["duration"] == 22
    assert np.array_equal(new[:kept], old[:kept]), longer["notices"]
    for name in STEM_NAMES:
        assert np.array_equal(
            _pcm(client, longer["id"], f"stems/{name}")[:kept],
            _pcm(client, parent["id"], f"stems/{name}")[:kept],
        )
    assert np.any(new[16 * 44_100 :]) and not np.array_equal(new[kept : 16 * 44_100], old[kept:])
    _no_click_at(new, kept)
    stems = sum(_pcm(client, longer["id"], f"stems/{name}") for name in STEM_NAMES)
    assert residual_db(new, stems) <= -60

    fixed = _edit(client, longer["id"], "regenerate", {"start_s": 5.0, "end_s": 9.0, "seed": 8})
    start, stop = (round(t * 44_100) for t in fixed["details"]["changed_s"])
    longer_beats = client.get(f"/v1/music/{longer['id']}/beats").json()
    assert _on_a_bar_line(start / 44_100, [0.0, *longer_beats["downbeats"]])
    assert start <= 5 * 44_100 and stop >= 9 * 44_100
    before, after = _pcm(client, longer["id"]), _pcm(client, fixed["id"])
    assert after.shape == before.shape
    assert np.array_equal(after[:start], before[:start]) and np.array_equal(after[stop:], before[stop:])
    assert not np.array_equal(after[start:stop], before[start:stop])
    _no_click_at(after, start)
    _no_click_at(after, stop)

    looped = _edit(client, fixed["id"], "loop", {"bars": 2})
    points = looped["loop"]
    assert points["bars"] == 2
    bar_s = 60.0 / looped["tempo"] * 4
    assert points["length_frames"] == round(2 * bar_s * 44_100)
    audio = decode(client.get(f"/v1/music/{looped['id']}/audio").content)[0]
    assert audio.shape[0] == points["length_frames"]
    steps = np.abs(np.diff(audio, axis=0)).max(axis=1)
    seam = np.abs(audio[0] - audio[-1]).max()
    assert seam <= np.percentile(steps, 99.9), "the loop's end flows into its start"
    twice = np.concatenate([audio, audio])
    _no_click_at(twice, audio.shape[0])


def test_musicgen_spans_it_cannot_make_well_are_422(neural_client, musicgen_parent) -> None:
    parent_id = musicgen_parent["id"]
    short = neural_client.post(f"/v1/music/{parent_id}/regenerate", json={"start_s": 4.0, "end_s": 5.0})
    assert short.status_code == 422, short.text
    detail = short.json()["error"]["details"][0]
    assert detail["field"] == "end_s" and "at least" in detail["rule"]
    too_many = neural_client.post(f"/v1/music/{parent_id}/loop", json={"bars": 64})
    assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"] == "bars"


_LOOP_BODY = {"prompt": PROMPT, "engine": "musicgen", "loop": True, "tempo": 120, "duration": 8}


def test_loop_true_on_generate_makes_a_musicgen_loop_of_exact_bars(neural_client) -> None:
    """Generated, locked to the tempo, cut at a bar line, its tail crossfaded into its head. (The tiny
    random model plays ~117 BPM with seed 2: within the lock's reach.)"""
    answer = neural_client.post("/v1/music/generate", json={**_LOOP_BODY, "seed": 2})
    assert answer.status_code == 202, answer.text
    track = wait_for_track(neural_client, answer.json()["id"], timeout_s=240)
    assert track["status"] == "completed", track["error"]
    assert track["engine"] == "musicgen" and track["details"]["tempo_locked"] is True
    frames = round(4 * 2.0 * 44_100)  # 4 bars of 4/4 at 120 BPM
    assert track["loop"] == {"bars": 4, "start_frame": 0, "length_frames": frames, "length_s": 8.0}
    audio = decode(neural_client.get(f"/v1/music/{track['id']}/audio").content)[0]
    assert audio.shape[0] == frames
    twice = np.concatenate([audio, audio])
    _no_click_at(twice, frames)


def test_a_musicgen_loop_whose_tempo_cannot_be_locked_fails_saying_why(neural_client) -> None:
    """Seed 5 makes the tiny model play ~152 BPM: too far from 120 to stretch into exact bars."""
    answer = neural_client.post("/v1/music/generate", json={**_LOOP_BODY, "seed": 5})
    track = wait_for_track(neural_client, answer.json()["id"], timeout_s=240)
    assert track["status"] == "failed" and "too far from 120 BPM" in track["error"]
    assert track["audio_url"] is None
