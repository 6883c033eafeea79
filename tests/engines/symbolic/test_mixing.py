"""Mixing: gain and pan laws, EQ, sidechain ducking, the shared reverb and the bus compressor."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from musicgen_app.engines.symbolic.mixing import (
    MixSettings,
    apply_gain_pan,
    apply_reverb,
    bus_compressor_gain,
    db_to_gain,
    duck_envelope,
    equalize_stem,
    kick_frames,
    mix_settings_for,
    pan_gains,
    reverb_impulse,
    shape_part,
)
from musicgen_app.engines.symbolic.score import Note, Part, Score

SR = 44_100


def _sine(freq_hz: float, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    mono = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def _part(stem: str = "other", *, low_pitch: int = 60, is_drum: bool = False, **kw) -> Part:
    return Part("p", stem, 0, (Note(0.0, 1.0, low_pitch),), is_drum=is_drum, **kw)


@given(st.floats(-1.0, 1.0))
def test_pan_law_keeps_power_constant(pan: float) -> None:
    left, right = pan_gains(pan)
    assert left >= 0 and right >= -1e-12
    assert left**2 + right**2 == pytest.approx(2.0)


def test_pan_law_is_unity_at_the_centre_and_silent_on_the_far_side() -> None:
    assert pan_gains(0.0) == pytest.approx((1.0, 1.0))
    assert pan_gains(-1.0)[1] == pytest.approx(0.0, abs=1e-12)
    assert pan_gains(1.0)[0] == pytest.approx(0.0, abs=1e-12)


def test_gain_and_pan() -> None:
    stereo = np.stack([_sine(440)[:, 0], _sine(660)[:, 0]], axis=1)
    half = apply_gain_pan(stereo, gain_db=-20 * math.log10(2), pan=0.0)
    np.testing.assert_allclose(half, stereo / 2, atol=1e-6)
    hard_left = apply_gain_pan(stereo, gain_db=0.0, pan=-1.0)
    assert not hard_left[:, 1].any()
    # Both source channels survive a hard pan, folded into the one that sounds.
    np.testing.assert_allclose(hard_left[:, 0], math.sqrt(2) * stereo.mean(axis=1), atol=1e-6)
    assert db_to_gain(6.0) == pytest.approx(1.995, rel=1e-3)


def test_highpass_cleans_the_low_end_of_melodic_stems_but_bass_and_drums() -> None:
    rumble = _sine(30.0)
    settings = MixSettings()

    def eq(stem, part):
        return equalize_stem(rumble, stem=stem, parts=[part], settings=settings, sr=SR)

    assert _rms(eq("other", _part("other", low_pitch=60))[SR // 2 :]) < 0.2 * _rms(rumble)
    assert _rms(eq("vocals", _part("vocals", low_pitch=60))[SR // 2 :]) < 0.2 * _rms(rumble)
    np.testing.assert_array_equal(eq("bass", _part("bass", low_pitch=28)), rumble)
    np.testing.assert_array_equal(eq("drums", _part("drums", is_drum=True)), rumble)
    tone = _sine(523.0)
    kept = equalize_stem(tone, stem="other", parts=[_part()], settings=settings, sr=SR)
    assert _rms(kept[SR // 2 :]) == pytest.approx(_rms(tone), rel=0.02)


def test_highpass_stays_under_the_lowest_note_of_the_stem() -> None:
    low_c = _sine(65.4)  # C2
    parts = [_part("other", low_pitch=72), _part("other", low_pitch=36)]
    kept = equalize_stem(low_c, stem="other", parts=parts, settings=MixSettings(), sr=SR)
    assert _rms(kept[SR // 2 :]) > 0.7 * _rms(low_c)


def test_brightness_tilts_highs_against_lows() -> None:
    low, high = _sine(100.0), _sine(8000.0)
    bright, dark = MixSettings(brightness=1.0), MixSettings(brightness=0.0)

    def level(audio, settings):  # the bass stem: no high-pass, so only the tilt acts
        shaped = equalize_stem(audio, stem="bass", parts=[_part("bass")], settings=settings, sr=SR)
        return _rms(shaped[SR // 2 :])

    assert level(high, bright) > 1.3 * level(high, dark)
    assert level(low, dark) > 1.3 * level(low, bright)
    drums = equalize_stem(high, stem="drums", parts=[_part("drums", is_drum=True)], settings=bright, sr=SR)
    np.testing.assert_array_equal(drums, high)


def test_ducking_dips_at_each_kick_and_recovers() -> None:
    kicks = np.array([SR // 2, SR], dtype=np.int64)
    envelope = duck_envelope(kicks, frames=2 * SR, sr=SR, depth=0.6, release_s=0.2)
    assert envelope.shape == (2 * SR,) and envelope.dtype == np.float32
    assert np.all(envelope[: SR // 2] == 1.0)
    bottom = SR // 2 + round(0.004 * SR) + 1
    assert envelope[bottom] == pytest.approx(0.4, abs=0.01)
    assert envelope[SR // 2 + int(0.3 * SR)] == pytest.approx(1.0)
    recovery = envelope[bottom : SR // 2 + int(0.2 * SR)]
    assert np.all(np.diff(recovery) >= 0)
    assert np.all(duck_envelope(kicks, frames=100, sr=SR, depth=0.0, release_s=0.2) == 1.0)


def test_ducking_applies_to_melodic_parts_not_drums() -> None:
    tone = _sine(440.0)
    duck = np.full(tone.shape[0], 0.5, dtype=np.float32)
    settings = MixSettings(sidechain_depth=0.5)
    pad = shape_part(_part("bass"), tone, settings=settings, sr=SR, duck=duck)
    kit = shape_part(_part("drums", is_drum=True), tone, settings=settings, sr=SR, duck=duck)
    np.testing.assert_allclose(pad, tone * 0.5)
    np.testing.assert_array_equal(kit, tone)


def test_kick_frames_come_from_drum_parts_only() -> None:
    drums = Part("drums", "drums", 0, (Note(0, 0.5, 36), Note(1, 0.5, 38), Note(2, 0.5, 35)), is_drum=True)
    bass = Part("bass", "bass", 33, (Note(0.5, 0.5, 36),))
    score = Score(120.0, (4, 4), "C", "major", 2.0, (drums, bass))
    np.testing.assert_array_equal(kick_frames(score, sr=SR), [0, SR])


def test_mix_settings_follow_the_genre_and_meta() -> None:
    def settings(meta):
        return mix_settings_for(Score(120.0, (4, 4), "C", "major", 1.0, (), meta=meta))

    assert settings({}).sidechain_depth == 0.0
    assert settings({"genre": "house"}).sidechain_depth > 0.3
    assert settings({"genre": "house", "sidechain_depth": "0.1"}).sidechain_depth == 0.1
    assert settings({"brightness": "0.8"}).brightness == 0.8
    assert settings({"brightness": "loud"}).brightness == 0.5
    assert settings({"brightness": "7"}).brightness == 1.0


def test_reverb_impulse_is_a_fixed_decaying_stereo_room() -> None:
    impulse = reverb_impulse(sr=SR)
    assert impulse.dtype == np.float32 and impulse.ndim == 2 and impulse.shape[1] == 2
    assert not impulse.flags.writeable
    np.testing.assert_allclose((impulse.astype(np.float64) ** 2).sum(axis=0), 1.0, rtol=1e-4)
    assert not impulse[: int(0.01 * SR)].any()  # pre-delay
    assert abs(np.corrcoef(impulse[:, 0], impulse[:, 1])[0, 1]) < 0.2
    early, late = impulse[: SR // 4], impulse[SR : SR + SR // 4]
    assert _rms(late) < 0.1 * _rms(early)


def test_reverb_is_linear_causal_and_the_right_length() -> None:
    rng = np.random.default_rng(3)
    a = np.zeros((SR, 2), dtype=np.float32)
    a[SR // 2 :] = rng.standard_normal((SR // 2, 2))
    b = _sine(300.0)
    wet_a, wet_b = apply_reverb(a, sr=SR), apply_reverb(b, sr=SR)
    assert wet_a.shape == a.shape and wet_a.dtype == np.float32
    np.testing.assert_allclose(apply_reverb(a + b, sr=SR), wet_a + wet_b, atol=1e-4)
    assert np.abs(wet_a[: SR // 2 - 200]).max() < 1e-4  # resampling filters ring a little ahead
    assert _rms(wet_a[SR // 2 :]) > 0.1
    assert not apply_reverb(np.zeros((1000, 2), np.float32), sr=SR).any()


def test_bus_compressor_pulls_down_loud_passages_only() -> None:
    quiet, loud = _sine(220.0, 2.0, 0.05), _sine(220.0, 2.0, 0.5)
    mix = np.concatenate([quiet, loud, quiet])
    gain = bus_compressor_gain(mix, sr=SR)
    assert gain.shape == (mix.shape[0],) and np.all(gain <= 1.0 + 1e-6)
    assert gain[int(3 * SR)] < 0.8
    assert gain[SR] == pytest.approx(1.0, abs=1e-3)
    assert np.all(bus_compressor_gain(np.zeros((5000, 2), np.float32), sr=SR) == 1.0)
