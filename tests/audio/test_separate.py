"""separate(): stems of the right shape that sum to the mix, progress, determinism, loading."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from musicgen_app.audio.separate import models as separate_models
from musicgen_app.audio.separate import separate
from musicgen_app.engines.base import Stems
from musicgen_app.errors import EngineUnavailable, InvalidRequest
from musicgen_app.formats import STEM_NAMES

from . import conftest_demucs as fixtures
from .conftest_demucs import (
    SR,
    TINY_SEGMENT_S,
    music_like,
    residual_db,
    save_in_hf_cache,
    save_in_repo,
    tiny_model,
)

# Fixtures shared with the other separation tests, bound here so pytest finds them by name.
tiny_repo = fixtures.tiny_repo
empty_caches = fixtures.empty_caches
isolated_demucs = fixtures.isolated_demucs


def _check_stems(stems: Stems, mix: np.ndarray, sr: int) -> None:
    assert isinstance(stems, Stems)
    assert stems.sample_rate == sr
    for name, audio in stems.items():
        assert audio.shape == mix.shape, name
        assert audio.dtype == np.float32, name
    assert residual_db(mix, stems.mix()) <= -60.0


def test_four_stems_of_the_mix_length_summing_to_it(tiny_repo):
    mix = music_like(3.0, seed=1)
    stems = separate(mix, SR, model=tiny_repo.sig, repo=tiny_repo.path)
    _check_stems(stems, mix, SR)
    assert [name for name, _ in stems.items()] == list(STEM_NAMES)
    # The model did attribute something to each non-residual stem: they are not silent copies.
    for name in ("vocals", "drums", "bass"):
        assert np.abs(getattr(stems, name)).max() > 0


@pytest.mark.parametrize("sr", [22_050, 48_000])
def test_other_rates_are_resampled_there_and_back_to_the_exact_length(tiny_repo, sr):
    mix = music_like(2.3, seed=2, sr=sr)[:-7]
    stems = separate(mix, sr, model=tiny_repo.sig, repo=tiny_repo.path)
    _check_stems(stems, mix, sr)


def test_a_bag_of_models_loads_from_its_yaml(tiny_repo):
    mix = music_like(1.5, seed=3)
    stems = separate(mix, SR, model=tiny_repo.bag, repo=tiny_repo.path)
    _check_stems(stems, mix, SR)
    by_sig = separate(mix, SR, model=tiny_repo.sig, repo=tiny_repo.path)
    np.testing.assert_array_equal(stems.vocals, by_sig.vocals)


def _segments(frames: int, segment_frames: int, overlap: float) -> int:
    """Fewest segments with at least ``overlap`` between neighbours that cover ``frames``."""
    return 1 + math.ceil((frames - segment_frames) / int((1 - overlap) * segment_frames))


def test_progress_counts_every_segment_of_a_long_track(tiny_repo):
    mix = music_like(40.0, seed=4)
    seen: list[float] = []
    stems = separate(mix, SR, model=tiny_repo.sig, repo=tiny_repo.path, progress=seen.append)
    _check_stems(stems, mix, SR)
    segments = _segments(mix.shape[0], int(TINY_SEGMENT_S * SR), 0.25)
    assert segments == 53
    assert seen == [pytest.approx(done / segments) for done in range(1, segments + 1)]
    assert seen[-1] == 1.0


def test_progress_with_shifts_is_monotonic_and_reaches_one(tiny_repo):
    seen: list[float] = []
    mix = music_like(3.0, seed=5)
    separate(mix, SR, model=tiny_repo.sig, repo=tiny_repo.path, shifts=2, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    # Each shifted pass covers the track plus up to half a second.
    assert (
        2 * _segments(mix.shape[0], SR, 0.25) <= len(seen) <= 2 * _segments(mix.shape[0] + SR // 2, SR, 0.25)
    )


def test_same_seed_same_stems_other_seed_other_shifts(tiny_repo):
    mix = music_like(2.0, seed=6)
    options = {"model": tiny_repo.sig, "repo": tiny_repo.path, "shifts": 2}
    first = separate(mix, SR, seed=7, **options)
    again = separate(mix, SR, seed=7, **options)
    other = separate(mix, SR, seed=8, **options)
    for name in STEM_NAMES:
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.vocals, other.vocals)
    _check_stems(other, mix, SR)


def test_silence_gives_silent_stems(tiny_repo):
    mix = np.zeros((SR, 2), dtype=np.float32)
    stems = separate(mix, SR, model=tiny_repo.sig, repo=tiny_repo.path)
    assert np.allclose(stems.mix(), 0.0, atol=1e-6)


def test_extra_sources_fold_into_other(tmp_path):
    six = ["drums", "bass", "other", "vocals", "guitar", "piano"]
    save_in_repo(tiny_model(seed=2, sources=six), tmp_path, "tiny6src")
    mix = music_like(1.5, seed=9)
    stems = separate(mix, SR, model="tiny6src", repo=tmp_path)
    _check_stems(stems, mix, SR)


def test_a_model_missing_from_its_directory_says_how_to_provide_it(tmp_path, empty_caches):
    with pytest.raises(EngineUnavailable) as caught:
        separate(music_like(1.0, seed=1), SR, model="htdemucs", repo=tmp_path)
    message = caught.value.message
    assert "htdemucs" in message
    assert "955717e8-8726e21a.th" in message and "htdemucs.yaml" in message
    assert caught.value.code == "engine_unavailable"


@pytest.mark.parametrize("name", ["../htdemucs", "hf://adefossez/htdemucs", "a b"])
def test_names_that_are_not_model_names_are_refused_before_any_file_is_touched(tmp_path, name):
    with pytest.raises(EngineUnavailable, match="not a Demucs model name"):
        separate(music_like(1.0, seed=1), SR, model=name, repo=tmp_path)


def test_a_missing_directory_is_reported(tmp_path):
    with pytest.raises(EngineUnavailable, match="does not exist"):
        separate(music_like(1.0, seed=1), SR, model="htdemucs", repo=tmp_path / "nowhere")


def test_without_a_directory_an_uncached_model_fails_fast_offline(empty_caches):
    with pytest.raises(EngineUnavailable) as caught:
        separate(music_like(1.0, seed=1), SR, model="htdemucs_ft")
    message = caught.value.message
    assert "htdemucs_ft" in message
    assert "MUSICGEN_APP_DEMUCS_REPO" in message
    assert "never downloaded" in message


def test_a_model_in_the_torch_hub_cache_is_used(empty_caches):
    torch_hub, _ = empty_caches
    # Named like the published htdemucs weights, so the bag file shipped with demucs finds it.
    written = save_in_repo(tiny_model(seed=3), torch_hub / "checkpoints", "955717e8")
    assert written.name.startswith("955717e8-")
    mix = music_like(1.5, seed=10)
    _check_stems(separate(mix, SR, model="htdemucs"), mix, SR)


def test_a_model_in_the_hugging_face_cache_is_used(empty_caches):
    _, hf_cache = empty_caches
    save_in_hf_cache(tiny_model(seed=4), hf_cache, name="htdemucs", sig="955717e8")
    mix = music_like(1.5, seed=11)
    _check_stems(separate(mix, SR, model="htdemucs"), mix, SR)


def test_a_broken_model_file_is_engine_unavailable(tmp_path):
    (tmp_path / "broken01.th").write_bytes(b"not a torch file")
    with pytest.raises(EngineUnavailable, match="broken01"):
        separate(music_like(1.0, seed=1), SR, model="broken01", repo=tmp_path)


def test_the_model_is_loaded_once_and_shared_between_threads(tiny_repo, monkeypatch):
    calls: list[str] = []
    real = separate_models._load_uncached

    def counting(name, repo):
        calls.append(name)
        return real(name, repo)

    monkeypatch.setattr(separate_models, "_load_uncached", counting)
    loaded: list[object] = []

    def load() -> None:
        loaded.append(separate_models.load_model(tiny_repo.sig, repo=tiny_repo.path))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [tiny_repo.sig]
    assert all(model is loaded[0] for model in loaded)


@pytest.mark.parametrize(
    ("mix", "options", "field"),
    [
        (np.zeros((100, 1), np.float32), {}, "mix"),
        (np.zeros((0, 2), np.float32), {}, "mix"),
        (np.full((100, 2), np.nan, np.float32), {}, "mix"),
        (np.zeros((100, 2), np.float32), {"overlap": 0.95}, "overlap"),
        (np.zeros((100, 2), np.float32), {"shifts": -1}, "shifts"),
        (np.zeros((100, 2), np.float32), {"workers": -1}, "workers"),
        (np.zeros((100, 2), np.float32), {"segment_s": 0.0}, "segment_s"),
        (np.zeros((100, 2), np.float32), {"segment_s": 2.0}, "segment_s"),
    ],
)
def test_bad_input_is_an_invalid_request(tiny_repo, mix, options, field):
    with pytest.raises(InvalidRequest) as caught:
        separate(mix, SR, **{"model": tiny_repo.sig, "repo": tiny_repo.path, **options})
    assert caught.value.details[0].field == field


def test_a_shorter_segment_is_honoured(tiny_repo):
    seen: list[float] = []
    mix = music_like(3.0, seed=12)
    stems = separate(
        mix,
        SR,
        model=tiny_repo.sig,
        repo=tiny_repo.path,
        segment_s=0.5,
        overlap=0.0,
        progress=seen.append,
    )
    _check_stems(stems, mix, SR)
    assert len(seen) == _segments(mix.shape[0], SR // 2, 0.0) == 6


def test_segments_run_in_worker_threads_give_the_same_stems(tiny_repo):
    mix = music_like(6.0, seed=13)
    seen: list[float] = []
    options = {"model": tiny_repo.sig, "repo": tiny_repo.path}
    in_turn = separate(mix, SR, **options)
    side_by_side = separate(mix, SR, workers=2, progress=seen.append, **options)
    for name in STEM_NAMES:
        np.testing.assert_array_equal(getattr(in_turn, name), getattr(side_by_side, name))
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len(seen) == _segments(mix.shape[0], SR, 0.25)
