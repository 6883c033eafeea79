"""ACE-Step and Demucs through the API, on tiny random-weight models saved in their real formats.

The render process loads the ACE-Step directory through diffusers' ``AceStepPipeline.from_pretrained``
(``save_pretrained`` files) exactly as it would a published checkpoint, and the Demucs model through
demucs' own repository loader.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.engines.acestep.loader import LYRIC_TOKEN_LIMIT
from musicgen_app.formats import STEM_NAMES
from musicgen_app.store.models import TrackRow
from musicgen_app.web import create_app

from .audio.conftest_demucs import save_in_repo, tiny_model
from .engines.acestep.conftest import build_tiny_acestep
from .helpers import decode, residual_db, wait_for_track

PROMPT = "upbeat pop song with bright synths"
LYRICS = "[verse]\nCity lights are calling me\n\n[chorus]\nSing it loud, la la la"


@pytest.fixture(scope="module")
def acestep_client(tmp_path_factory):
    acestep_dir = build_tiny_acestep(tmp_path_factory.mktemp("acestep"))
    demucs_repo = tmp_path_factory.mktemp("demucs")
    save_in_repo(tiny_model(seed=1), demucs_repo, "tiny0001")
    data = tmp_path_factory.mktemp("data")
    settings = Settings(
        data_dir=data,
        ui=False,
        acestep_model=str(acestep_dir),
        musicgen_model=str(data / "no-musicgen"),
        demucs_model="tiny0001",
        demucs_repo=demucs_repo,
    )
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def post(client, **body):
    return client.post("/v1/music/generate", json={"prompt": PROMPT, **body})


def generate(client, **body) -> dict:
    answer = post(client, **body)
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_sung_track_has_mit_license_model_and_demucs_stems_that_sum_to_the_mix(acestep_client) -> None:
    created = generate(acestep_client, duration=5, output_format="wav", seed=1, lyrics=LYRICS)
    track = wait_for_track(acestep_client, created["id"])
    assert track["status"] == "completed", track["error"]
    assert track["engine"] == "acestep" and "only it sings" in track["plan"]["sources"]["engine"]
    assert track["plan"]["lyrics"] == LYRICS
    assert "MIT" in track["license"] and "ACE-Step" in track["license"]
    assert track["model"] == acestep_client.app.state.service.settings.acestep_model
    assert track["details"]["stems_separated"] is True and track["details"]["sung"] is True
    mix, sr = decode(acestep_client.get(f"/v1/music/{track['id']}/audio").content)
    assert (sr, mix.shape) == (44_100, (5 * 44_100, 2))
    stems = [decode(acestep_client.get(f"/v1/music/{track['id']}/stems/{n}").content)[0] for n in STEM_NAMES]
    assert residual_db(mix, np.sum(stems, axis=0)) <= -60


@pytest.mark.parametrize("duration", [30, 75])
def test_exact_duration_and_monotonic_progress(acestep_client, duration: int) -> None:
    created = generate(acestep_client, duration=duration, output_format="mp3", seed=2, engine="acestep")
    seen: list[float] = []
    while (track := acestep_client.get(f"/v1/music/{created['id']}").json())["status"] not in (
        "completed",
        "failed",
    ):
        seen.append(track["progress"])
        time.sleep(0.05)
    assert track["status"] == "completed", track["error"]
    seen.append(track["progress"])
    assert seen == sorted(seen) and seen[-1] == 1.0
    mix, sr = decode(acestep_client.get(f"/v1/music/{track['id']}/audio").content)
    assert abs(mix.shape[0] / sr - duration) <= 0.05


def test_same_seed_same_audio_and_another_seed_differs(acestep_client) -> None:
    def audio(seed: int) -> np.ndarray:
        created = generate(acestep_client, duration=5, output_format="wav", seed=seed, engine="acestep")
        track = wait_for_track(acestep_client, created["id"])
        return decode(acestep_client.get(f"/v1/music/{track['id']}/audio").content)[0]

    first, second, other = audio(9), audio(9), audio(10)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_auto_without_lyrics_picks_acestep_first_and_says_why(acestep_client) -> None:
    track = wait_for_track(acestep_client, generate(acestep_client, duration=5, seed=3)["id"])
    assert track["status"] == "completed" and track["engine"] == "acestep"
    assert any("ACE-Step" in n and "engine order" in n for n in track["notices"])


def test_lyrics_beyond_the_models_token_limit_are_refused_never_cut(acestep_client) -> None:
    # the tiny tokenizer spends a token or more per character on unseen words: 3,000 of them exceed 2,048
    answer = post(acestep_client, lyrics="zq" * 1500)
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "lyrics" and str(LYRIC_TOKEN_LIMIT) in detail["rule"]


@pytest.mark.parametrize("engine", ["symbolic", "musicgen"])
def test_lyrics_for_an_engine_that_cannot_sing_is_a_422(acestep_client, engine: str) -> None:
    answer = post(acestep_client, lyrics=LYRICS, engine=engine)
    assert answer.status_code == 422
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "lyrics" and "acestep" in detail["rule"]


def test_healthz_shows_acestep_available(acestep_client) -> None:
    engines = _engines_once_known(acestep_client)
    assert engines["acestep"]["available"] is True and engines["acestep"]["reason"] == ""


def _engines_once_known(client) -> dict:
    # the warm-up looks at the neural engines in the background, right after start
    for _ in range(600):
        engines = client.get("/healthz").json()["engines"]
        if "acestep" in engines:
            return engines
        time.sleep(0.05)
    raise AssertionError("the warm-up never reported the acestep engine")


def _audio(client, track_id: str) -> np.ndarray:
    return decode(client.get(f"/v1/music/{track_id}/audio").content)[0]


def test_regenerate_repaints_the_span_with_acestep_and_keeps_the_rest(acestep_client) -> None:
    parent = wait_for_track(
        acestep_client,
        generate(acestep_client, duration=12, output_format="wav", seed=5, engine="acestep")["id"],
    )
    answer = acestep_client.post(
        f"/v1/music/{parent['id']}/regenerate", json={"start_s": 4.01, "end_s": 7.99, "seed": 8}
    )
    assert answer.status_code == 202, answer.text
    child = wait_for_track(acestep_client, answer.json()["id"])
    assert child["status"] == "completed", child["error"]
    assert (child["operation"], child["parent_id"], child["engine"]) == (
        "regenerate",
        parent["id"],
        "acestep",
    )
    # snapped outwards to the model's 40 ms latent frames
    assert child["details"]["task_type"] == "repaint" and child["details"]["changed_s"] == [4.0, 8.0]
    assert "MIT" in child["license"] and child["details"]["stems_separated"] is True
    old, new = _audio(acestep_client, parent["id"]), _audio(acestep_client, child["id"])
    assert new.shape == old.shape == (12 * 44_100, 2)
    edge = round(0.025 * 44_100)  # half a crossfade beside each edge of the span
    start, end = 4 * 44_100, 8 * 44_100
    assert np.array_equal(new[: start - edge], old[: start - edge])
    assert np.array_equal(new[end + edge :], old[end + edge :])
    assert not np.allclose(new[start + edge : end - edge], old[start + edge : end - edge], atol=1e-3)
    stems = [decode(acestep_client.get(f"/v1/music/{child['id']}/stems/{n}").content)[0] for n in STEM_NAMES]
    assert residual_db(new, np.sum(stems, axis=0)) <= -60


def test_an_acestep_track_cannot_be_extended_and_the_422_says_why(acestep_client) -> None:
    parent = wait_for_track(
        acestep_client, generate(acestep_client, duration=5, seed=6, engine="acestep")["id"]
    )
    answer = acestep_client.post(f"/v1/music/{parent['id']}/extend", json={"seconds": 10})
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "track" and "no extend task" in detail["rule"] and "repaint" in detail["rule"]


def test_a_repaint_needs_the_model_that_made_the_track(acestep_client) -> None:
    parent = wait_for_track(
        acestep_client, generate(acestep_client, duration=5, seed=8, engine="acestep")["id"]
    )
    service = acestep_client.app.state.service
    with service.repo._sessions.begin() as session:  # as if made before the server changed its model
        session.get(TrackRow, parent["id"]).model = "ACE-Step/another-checkpoint"
    answer = acestep_client.post(f"/v1/music/{parent['id']}/regenerate", json={"start_s": 1, "end_s": 2})
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "track" and "another-checkpoint" in detail["rule"]


def test_a_section_of_an_acestep_track_without_sections_is_a_422(acestep_client) -> None:
    parent = wait_for_track(
        acestep_client, generate(acestep_client, duration=5, seed=7, engine="acestep")["id"]
    )
    answer = acestep_client.post(f"/v1/music/{parent['id']}/regenerate", json={"section": 0})
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "section" and "start_s and end_s" in detail["rule"]


@pytest.fixture(scope="module")
def no_weights_client(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    settings = Settings(
        data_dir=data,
        ui=False,
        acestep_model=str(data / "no-acestep"),
        musicgen_model=str(data / "no-musicgen"),
    )
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def test_healthz_shows_acestep_unavailable_with_the_reason(no_weights_client) -> None:
    acestep = _engines_once_known(no_weights_client)["acestep"]
    assert acestep["available"] is False
    assert "ACE-Step" in acestep["reason"] and "no-acestep" in acestep["reason"]


def test_auto_falls_back_past_acestep_and_says_why(no_weights_client) -> None:
    track = wait_for_track(no_weights_client, generate(no_weights_client, duration=5)["id"])
    assert track["status"] == "completed" and track["engine"] == "symbolic"
    (notice,) = [n for n in track["notices"] if "ACE-Step" in n]
    assert "not available" in notice and "MusicGen" in notice


def test_explicit_acestep_without_weights_fails_naming_it_and_where_it_looked(no_weights_client) -> None:
    track = wait_for_track(no_weights_client, generate(no_weights_client, duration=5, engine="acestep")["id"])
    assert track["status"] == "failed"
    assert "ACE-Step" in track["error"] and "no-acestep" in track["error"]


def test_lyrics_with_no_singing_engine_here_is_a_422_saying_why(no_weights_client) -> None:
    answer = post(no_weights_client, lyrics=LYRICS)
    assert answer.status_code == 422
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "lyrics" and "acestep" in detail["rule"] and "no-acestep" in detail["rule"]
