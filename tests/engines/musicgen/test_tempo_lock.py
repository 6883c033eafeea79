"""Tempo measurement and locking on synthetic click tracks of known tempo."""

from __future__ import annotations

import numpy as np
import pytest

from musicgen_app.engines.musicgen.tempo_lock import lock_tempo, measure_tempo_bpm, stretch_rate

SR = 44_100


def click_track(tempo_bpm: float, duration_s: float = 16.0, *, seed: int = 0) -> np.ndarray:
    """Stereo decaying noise bursts on every beat, accented on the one; faint noise between them."""
    rng = np.random.default_rng(seed)
    audio = 0.01 * rng.standard_normal(round(duration_s * SR))
    burst = rng.standard_normal(round(0.04 * SR)) * np.exp(-np.linspace(0, 8, round(0.04 * SR)))
    beat_s = 60.0 / tempo_bpm
    for index, start_s in enumerate(np.arange(0.0, duration_s - 0.05, beat_s)):
        start = round(start_s * SR)
        audio[start : start + burst.size] += burst * (1.0 if index % 4 == 0 else 0.6)
    return np.stack([audio, audio], axis=1).astype(np.float32)


@pytest.mark.parametrize("tempo_bpm", [90.0, 128.0])
def test_measures_the_tempo_of_a_click_track(tempo_bpm):
    assert measure_tempo_bpm(click_track(tempo_bpm), SR, prior_bpm=tempo_bpm) == pytest.approx(
        tempo_bpm, rel=0.03
    )


def test_silence_has_no_tempo():
    assert measure_tempo_bpm(np.zeros((SR * 4, 2), dtype=np.float32), SR) == 0.0


@pytest.mark.parametrize(
    ("measured", "target", "rate"),
    [(100.0, 110.0, 1.1), (62.0, 120.0, 120 / 124), (240.0, 118.0, 118 / 120), (120.0, 120.0, 1.0)],
)
def test_stretch_rate_folds_octaves(measured, target, rate):
    assert stretch_rate(measured, target) == pytest.approx(rate)


def test_lock_stretches_to_the_target_tempo():
    audio = click_track(100.0)
    locked, info = lock_tempo(audio, SR, measured_bpm=100.0, target_bpm=110.0)

    assert info.locked and info.rate == pytest.approx(1.1)
    assert locked.shape[1] == 2
    assert locked.shape[0] == pytest.approx(audio.shape[0] / 1.1, rel=0.01)
    assert measure_tempo_bpm(locked, SR, prior_bpm=110.0) == pytest.approx(110.0, rel=0.03)


def test_lock_refuses_corrections_beyond_the_limit():
    audio = click_track(100.0, duration_s=4.0)
    same, info = lock_tempo(audio, SR, measured_bpm=100.0, target_bpm=130.0, max_correction=0.15)

    assert not info.locked and info.rate == 1.0
    assert same is audio


def test_lock_without_a_beat_leaves_audio_alone():
    audio = np.zeros((SR, 2), dtype=np.float32)
    same, info = lock_tempo(audio, SR, measured_bpm=0.0, target_bpm=120.0)

    assert same is audio and not info.locked
