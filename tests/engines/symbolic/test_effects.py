"""Effects: each does what its name says, keeps the length, is deterministic and level-matched where
it promises to be."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicgen_app.engines.symbolic.effects import (
    Chorus,
    Compress,
    Crush,
    Drive,
    Filter,
    Gain,
    Tremolo,
    Wear,
    Width,
    apply_chain,
)

SR = 44_100
EVERY_EFFECT = (
    Filter("highpass", 100.0),
    Filter("lowpass", 5000.0),
    Filter("lowshelf", 120.0, 3.0),
    Filter("highshelf", 6000.0, -3.0),
    Filter("peak", 1000.0, 4.0, 1.2),
    Drive(20.0, mix=0.7),
    Compress(10.0, 4.0, 5.0, 80.0, parallel=0.5),
    Chorus(1.5, 0.3, 0.5),
    Tremolo(5.0, 0.4, math.pi),
    Width(1.5),
    Wear(),
    Crush(10.0, 0.5),
    Gain(-3.0),
)


def _sine(freq_hz: float, seconds: float = 1.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    mono = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _noise(seconds: float = 1.0, seed: int = 3) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal((int(seconds * SR), 2))).astype(np.float32)


def _db(audio: np.ndarray) -> float:
    return 10.0 * math.log10(float(np.mean(np.square(audio, dtype=np.float64))) + 1e-20)


def _band_db(audio: np.ndarray, low_hz: float, high_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio[:, 0].astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(audio.shape[0], 1.0 / SR)
    return 10.0 * math.log10(spectrum[(freqs >= low_hz) & (freqs < high_hz)].sum() + 1e-20)


@pytest.mark.parametrize("effect", EVERY_EFFECT, ids=lambda e: type(e).__name__)
def test_every_effect_keeps_the_shape_is_finite_and_deterministic(effect) -> None:
    audio = _noise(0.5)
    first = apply_chain(audio.copy(), (effect,), sr=SR)
    again = apply_chain(audio.copy(), (effect,), sr=SR)
    assert first.shape == audio.shape and first.dtype == np.float32
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("effect", EVERY_EFFECT, ids=lambda e: type(e).__name__)
def test_silence_stays_silent(effect) -> None:
    out = apply_chain(np.zeros((4096, 2), np.float32), (effect,), sr=SR)
    assert np.isfinite(out).all() and np.abs(out).max() < 1e-6


def test_an_empty_chain_returns_the_input_and_bad_shapes_are_refused() -> None:
    audio = _noise(0.1)
    assert apply_chain(audio, (), sr=SR) is audio
    with pytest.raises(ValueError, match="frames, 2"):
        apply_chain(audio[:, 0], (Gain(1.0),), sr=SR)
    with pytest.raises(ValueError, match="filter kind"):
        Filter("bandpass", 100.0)
    with pytest.raises(ValueError, match="frequency"):
        Filter("lowpass", 5.0)


def test_drive_adds_harmonics_at_the_same_loudness() -> None:
    clean = _sine(220.0)
    driven = apply_chain(clean, (Drive(24.0),), sr=SR)
    assert abs(_db(driven) - _db(clean)) < 0.1
    # a tanh waveshaper adds odd harmonics: the third comes up from nothing
    assert _band_db(driven, 640, 680) - _band_db(clean, 640, 680) > 60


def test_compression_evens_out_loud_and_quiet_passages_at_the_same_loudness() -> None:
    audio = _noise(2.0)
    audio[SR:] *= 0.1  # a loud second, then a quiet one (20 dB down)
    squashed = apply_chain(audio, (Compress(12.0, 8.0, 1.0, 50.0),), sr=SR)
    before = _db(audio[: SR // 2]) - _db(audio[-SR // 2 :])
    after = _db(squashed[: SR // 2]) - _db(squashed[-SR // 2 :])
    assert after < before - 6.0
    assert abs(_db(squashed) - _db(audio)) < 0.1


def test_filters_cut_and_boost_where_they_say() -> None:
    noise = _noise(1.0)
    low = apply_chain(noise, (Filter("lowpass", 1000.0),), sr=SR)
    assert _band_db(noise, 8000, 12000) - _band_db(low, 8000, 12000) > 25
    high = apply_chain(noise, (Filter("highpass", 1000.0),), sr=SR)
    assert _band_db(noise, 50, 150) - _band_db(high, 50, 150) > 25
    peak = apply_chain(noise, (Filter("peak", 1000.0, 6.0, 2.0),), sr=SR)
    assert 5.0 < _band_db(peak, 950, 1050) - _band_db(noise, 950, 1050) < 7.0


def test_width_zero_is_mono_and_one_leaves_the_signal_alone() -> None:
    audio = _noise(0.2)
    mono = apply_chain(audio, (Width(0.0),), sr=SR)
    np.testing.assert_allclose(mono[:, 0], mono[:, 1])
    np.testing.assert_allclose(apply_chain(audio, (Width(1.0),), sr=SR), audio, atol=1e-7)


def test_tremolo_keeps_the_level_and_pans_at_half_a_turn() -> None:
    audio = _sine(440.0, seconds=2.0)
    moved = apply_chain(audio, (Tremolo(4.0, 0.6, math.pi),), sr=SR)
    assert abs(_db(moved) - _db(audio)) < 0.5
    block = SR // 40
    left = np.sqrt(np.mean(moved[: 2 * SR // block * block, 0].reshape(-1, block) ** 2, axis=1))
    right = np.sqrt(np.mean(moved[: 2 * SR // block * block, 1].reshape(-1, block) ** 2, axis=1))
    assert np.corrcoef(left, right)[0, 1] < -0.9


def test_wear_bends_the_pitch_slowly_and_limits_the_band() -> None:
    tone = _sine(1000.0, seconds=2.0)
    worn = apply_chain(tone, (Wear(wow=0.01, flutter=0.0, low_hz=60.0, high_hz=9000.0),), sr=SR)
    assert worn.shape == tone.shape
    # a 1 % speed swing smears the 1 kHz line over about +-10 Hz
    assert _band_db(worn, 1004, 1012) - _band_db(tone, 1004, 1012) > 10
    noise_worn = apply_chain(_noise(1.0), (Wear(),), sr=SR)
    assert _band_db(_noise(1.0), 15000, 20000) - _band_db(noise_worn, 15000, 20000) > 15


def test_gain_is_exact() -> None:
    audio = _noise(0.1)
    np.testing.assert_allclose(apply_chain(audio, (Gain(-6.0),), sr=SR), audio * 10 ** (-6 / 20), rtol=1e-6)
