"""BS.1770-4 loudness and true peak against signals whose answers are known."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from musicgen_app.audio.loudness import (
    SILENCE_DB,
    SILENCE_LUFS,
    frame_true_peaks,
    integrated_loudness_lufs,
    k_weighting_sos,
    sample_peak_dbfs,
    true_peak_dbtp,
)

from .synthetic import SR, faded, noise, sine, stereo

# The coefficients printed in ITU-R BS.1770-4 (Table 1 and 2) for 48 kHz.
BS1770_48K = np.array(
    [
        [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585],
        [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621],
    ]
)


def test_k_weighting_at_48k_matches_the_recommendation():
    np.testing.assert_allclose(k_weighting_sos(48_000), BS1770_48K, atol=1e-8)


@pytest.mark.parametrize("sr", [44_100, 48_000])
def test_full_scale_997_hz_in_one_channel_reads_minus_3_01(sr):
    audio = np.zeros((10 * sr, 2))
    audio[:, 0] = sine(997.0, 10.0, sr=sr)
    assert integrated_loudness_lufs(audio, sr) == pytest.approx(-3.01, abs=0.03)


def test_minus_20_dbfs_1_khz_in_both_channels_reads_minus_20():
    audio = stereo(sine(1000.0, 5.0, amplitude=0.1))
    assert integrated_loudness_lufs(audio, SR) == pytest.approx(-20.0, abs=0.03)


def test_mono_and_float32_read_like_float64_stereo_channel():
    mono = sine(997.0, 5.0, amplitude=0.5)
    expected = integrated_loudness_lufs(np.stack([mono, np.zeros_like(mono)], axis=1), SR)
    assert integrated_loudness_lufs(mono, SR) == pytest.approx(expected, abs=1e-9)
    assert integrated_loudness_lufs(mono.astype(np.float32), SR) == pytest.approx(expected, abs=0.01)


def test_agrees_with_pyloudnorm_on_noise_with_a_ramp():
    audio = noise(20.0, rms=0.1, seed=1) * np.linspace(0.02, 1.0, 20 * SR, dtype=np.float32)[:, None]
    reference = pyloudnorm.Meter(SR).integrated_loudness(audio.astype(np.float64))
    assert integrated_loudness_lufs(audio, SR) == pytest.approx(reference, abs=0.1)


@settings(max_examples=20, deadline=None)
@given(gain_db=st.floats(-40.0, 12.0))
def test_a_gain_shifts_the_loudness_by_exactly_that_gain(gain_db):
    audio = noise(3.0, rms=0.05, seed=2).astype(np.float64)
    shifted = integrated_loudness_lufs(audio * 10.0 ** (gain_db / 20.0), SR)
    assert shifted == pytest.approx(integrated_loudness_lufs(audio, SR) + gain_db, abs=1e-6)


def test_absolute_gate_ignores_silence_and_relative_gate_ignores_quiet_passages():
    tone = stereo(sine(1000.0, 8.0, amplitude=0.1))
    alone = integrated_loudness_lufs(tone, SR)
    with_silence = integrated_loudness_lufs(np.concatenate([tone, np.zeros_like(tone)]), SR)
    whisper = tone * np.float32(10.0 ** (-30 / 20))
    with_whisper = integrated_loudness_lufs(np.concatenate([tone, whisper]), SR)
    # Counted, the silent half would cost 3 dB; gated, only the blocks straddling the edge count.
    assert alone - 0.3 < with_silence < alone
    assert with_whisper == pytest.approx(with_silence, abs=0.02)
    # A passage only 5 LU down passes the relative gate and lowers the result.
    quieter = tone * np.float32(10.0 ** (-5 / 20))
    assert integrated_loudness_lufs(np.concatenate([tone, quieter]), SR) < alone - 1.0


@pytest.mark.parametrize("frames", [0, 100, int(0.39 * SR), 5 * SR])
def test_silence_and_audio_shorter_than_a_block_read_the_gate(frames):
    assert integrated_loudness_lufs(np.zeros((frames, 2), dtype=np.float32), SR) == SILENCE_LUFS


def test_audio_shorter_than_a_block_reads_the_gate_even_when_loud():
    assert integrated_loudness_lufs(noise(0.3, rms=0.5, seed=3), SR) == SILENCE_LUFS


def pcm(max_frames: int, limit: float):
    shapes = st.tuples(st.integers(0, max_frames), st.integers(1, 2))
    return arrays(np.float32, shapes, elements=st.floats(-limit, limit, width=32))


@settings(max_examples=30, deadline=None)
@given(pcm(40_000, 1.0))
def test_meters_never_return_nan(audio):
    for value in (integrated_loudness_lufs(audio, SR), true_peak_dbtp(audio, SR), sample_peak_dbfs(audio)):
        assert not np.isnan(value)
        assert value >= SILENCE_DB


def test_true_peak_catches_the_inter_sample_peak_of_a_quarter_rate_sine():
    # Samples at +-0.707 (45 degrees): the sample peak reads -3.01 dB, the waveform reaches 1.0.
    audio = faded(sine(SR / 4, 1.0, phase=np.pi / 4))
    assert sample_peak_dbfs(audio) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_dbtp(audio, SR) == pytest.approx(0.0, abs=0.02)


@pytest.mark.parametrize("freq_hz", [100.0, 1000.0, 5000.0, 15000.0])
def test_true_peak_of_a_faded_sine_is_its_amplitude(freq_hz):
    audio = faded(sine(freq_hz, 0.5, amplitude=0.5))
    assert true_peak_dbtp(audio, SR) == pytest.approx(20 * np.log10(0.5), abs=0.02)


def test_oversample_one_is_the_sample_peak_and_silence_reads_the_floor():
    audio = noise(0.5, rms=0.2, seed=4)
    assert true_peak_dbtp(audio, SR, oversample=1) == pytest.approx(sample_peak_dbfs(audio))
    assert true_peak_dbtp(np.zeros((1000, 2), np.float32), SR) == SILENCE_DB
    assert sample_peak_dbfs(np.zeros((0, 2), np.float32)) == SILENCE_DB


@settings(max_examples=40, deadline=None)
@given(pcm(3000, 2.0).filter(lambda audio: audio.shape[0] > 0))
def test_true_peak_is_at_least_the_sample_peak_and_the_max_of_frame_peaks(audio):
    peak = true_peak_dbtp(audio, SR)
    assert peak >= sample_peak_dbfs(audio) - 1e-6
    frame_peak = float(frame_true_peaks(audio).max())
    assert peak == pytest.approx(20 * np.log10(max(frame_peak, 1e-10)), abs=1e-4)


@pytest.mark.parametrize(
    ("audio", "kwargs"),
    [
        (np.zeros((10, 2), dtype=np.int16), {}),
        (np.zeros((2, 3, 4)), {}),
        (np.zeros((10, 2)), {"oversample": 0}),
    ],
)
def test_bad_input_is_refused(audio, kwargs):
    with pytest.raises(ValueError):
        true_peak_dbtp(audio, SR, **kwargs)


def test_bad_sample_rate_is_refused():
    with pytest.raises(ValueError):
        integrated_loudness_lufs(np.zeros((10, 2)), 0)
