"""The master meets the loudness contract and treats every stem alike."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_app.audio.loudness import SILENCE_LUFS, integrated_loudness_lufs, true_peak_dbtp
from musicgen_app.audio.master import MAX_GAIN_DB, LoudnessStrategy, MasterResult, master
from musicgen_app.engines.base import Stems
from musicgen_app.formats import STEM_NAMES, TARGET_LUFS, TRUE_PEAK_CEILING_DBTP

from .synthetic import SR, noise, sine, song_stems, stereo

AIM_LU = 0.3


def common_gain(original: Stems, mastered: Stems) -> np.ndarray:
    """The per-frame gain read off the 'other' stem, whose noise bed is never zero."""
    return mastered.other[:, 0].astype(np.float64) / original.other[:, 0]


def assert_same_gain_for_every_stem(original: Stems, mastered: Stems) -> np.ndarray:
    gain = common_gain(original, mastered)
    for name in STEM_NAMES:
        expected = getattr(original, name) * gain[:, None]
        np.testing.assert_allclose(getattr(mastered, name), expected, atol=2e-6, rtol=0)
    residual = mastered.mix() - original.mix().astype(np.float64) * gain[:, None]
    assert np.abs(residual).max() < 1e-5
    return gain


def assert_meets_contract(result: MasterResult) -> None:
    mix = result.stems.mix()
    loudness, peak = integrated_loudness_lufs(mix, SR), true_peak_dbtp(mix, SR)
    assert abs(loudness - TARGET_LUFS) <= AIM_LU
    assert peak <= TRUE_PEAK_CEILING_DBTP + 1e-6
    assert result.loudness_lufs == pytest.approx(loudness, abs=0.01)
    assert result.true_peak_dbtp == pytest.approx(peak, abs=0.01)


@pytest.fixture(scope="module")
def hot_song() -> Stems:
    """Drums hitting far over full scale: only a limiter can reach -14 LUFS under the ceiling."""
    return song_stems(12.0, seed=1, levels_db=(-40.0, 6.0, -8.0, -26.0))


@pytest.fixture(scope="module")
def hot_result(hot_song) -> MasterResult:
    return master(hot_song)


def test_limited_master_meets_the_contract(hot_result):
    assert hot_result.limiter_reduction_db > 1.0
    assert_meets_contract(hot_result)


def test_every_stem_gets_the_same_gain_and_still_sums_to_the_mix(hot_song, hot_result):
    assert_same_gain_for_every_stem(hot_song, hot_result.stems)


def test_limiter_gain_moves_smoothly(hot_song, hot_result):
    gain_db = 20 * np.log10(common_gain(hot_song, hot_result.stems))
    assert np.abs(np.diff(gain_db)).max() < 0.15  # no steps: no clicks
    assert gain_db.max() <= hot_result.gain_db + 1e-4  # the limiter only takes away
    assert gain_db.min() >= hot_result.gain_db - hot_result.limiter_reduction_db - 0.01


def test_mastered_stems_keep_shape_rate_and_type(hot_song, hot_result):
    assert hot_result.stems.frames == hot_song.frames
    assert hot_result.stems.sample_rate == hot_song.sample_rate
    assert all(audio.dtype == np.float32 for _, audio in hot_result.stems.items())
    with pytest.raises(dataclasses.FrozenInstanceError):
        hot_result.gain_db = 0.0


def test_quiet_song_without_peaks_gets_a_static_gain_only():
    stems = song_stems(8.0, seed=2, levels_db=(-40.0, -100.0, -35.0, -40.0))
    before = integrated_loudness_lufs(stems.mix(), SR)
    result = master(stems)
    assert result.limiter_reduction_db == 0.0
    assert result.gain_db == pytest.approx(TARGET_LUFS - before, abs=1e-6)
    gain = assert_same_gain_for_every_stem(stems, result.stems)
    np.testing.assert_allclose(gain, 10 ** (result.gain_db / 20), rtol=1e-5)
    assert_meets_contract(result)


@settings(max_examples=30, deadline=None)
@given(levels=st.lists(st.floats(-45.0, 12.0), min_size=4, max_size=4), seed=st.integers(0, 2**16))
def test_any_balance_of_stems_meets_the_contract(levels, seed):
    stems = song_stems(5.0, seed=seed, levels_db=tuple(levels))
    result = master(stems)
    assert_meets_contract(result)
    assert_same_gain_for_every_stem(stems, result.stems)


def test_digital_silence_is_left_alone():
    silent = np.zeros((3 * SR, 2), dtype=np.float32)
    stems = Stems(silent, silent, silent, silent)
    result = master(stems)
    assert result.gain_db == 0.0
    assert result.loudness_lufs == SILENCE_LUFS
    assert not np.isnan(result.true_peak_dbtp)
    assert not np.any(result.stems.mix())


def test_near_silence_gets_at_most_the_gain_cap():
    hiss = noise(4.0, rms=10 ** (-62 / 20), seed=5)
    quiet = np.zeros_like(hiss)
    before = integrated_loudness_lufs(hiss, SR)
    result = master(Stems(quiet, quiet, quiet, hiss))
    assert result.gain_db == pytest.approx(MAX_GAIN_DB)
    assert result.loudness_lufs == pytest.approx(before + MAX_GAIN_DB, abs=0.01)
    assert np.isfinite(result.stems.mix()).all()
    assert result.true_peak_dbtp < TRUE_PEAK_CEILING_DBTP


def test_gain_only_strategy_keeps_the_ceiling_and_the_dynamics(hot_song):
    result = master(hot_song, strategy="gain_only")
    assert result.strategy is LoudnessStrategy.GAIN_ONLY
    assert result.limiter_reduction_db == 0.0
    gain = assert_same_gain_for_every_stem(hot_song, result.stems)
    np.testing.assert_allclose(gain, gain[0], rtol=1e-5)
    assert result.true_peak_dbtp == pytest.approx(TRUE_PEAK_CEILING_DBTP, abs=0.01)
    assert result.loudness_lufs < TARGET_LUFS


def test_other_targets_are_met():
    stems = song_stems(6.0, seed=3)
    result = master(stems, target_lufs=-18.0, ceiling_dbtp=-3.0)
    mix = result.stems.mix()
    assert integrated_loudness_lufs(mix, SR) == pytest.approx(-18.0, abs=AIM_LU)
    assert true_peak_dbtp(mix, SR) <= -3.0 + 1e-6


def test_master_is_deterministic():
    stems = song_stems(4.0, seed=4, levels_db=(-20.0, 3.0, -6.0, -20.0))
    first, second = master(stems), master(stems)
    for name in STEM_NAMES:
        np.testing.assert_array_equal(getattr(first.stems, name), getattr(second.stems, name))


def test_a_steady_tone_is_not_limited_into_distortion():
    tone = stereo(sine(220.0, 6.0, amplitude=0.05))
    quiet = np.zeros_like(tone)
    result = master(Stems(tone, quiet, quiet, quiet))
    assert result.limiter_reduction_db == 0.0  # a sine at -14 LUFS peaks near -11 dBTP
    assert_meets_contract(result)


@pytest.mark.parametrize(("target", "ceiling"), [(0.5, -1.0), (-14.0, 0.5), (float("nan"), -1.0)])
def test_impossible_levels_are_refused(target, ceiling):
    stems = song_stems(1.0, seed=0)
    with pytest.raises(ValueError):
        master(stems, target_lufs=target, ceiling_dbtp=ceiling)
