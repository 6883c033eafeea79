"""Model output to product audio: 44.1 kHz stereo, exact length, no click at the cut."""

from __future__ import annotations

import numpy as np
import pytest

from musicgen_app.engines.musicgen.postprocess import fit_length, to_output_format


def sine(freq_hz: float, duration_s: float, sr: int) -> np.ndarray:
    t = np.arange(round(duration_s * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def test_mono_32k_becomes_stereo_44k_with_the_same_tone():
    mono = sine(1000.0, 2.0, 32_000)[:, None]
    out = to_output_format(mono, 32_000, out_sr=44_100)

    assert out.shape == (88_200, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    spectrum = np.abs(np.fft.rfft(out[4410:-4410, 0]))
    assert np.fft.rfftfreq(out[4410:-4410].shape[0], 1 / 44_100)[np.argmax(spectrum)] == pytest.approx(
        1000.0, abs=2.0
    )
    # A very-high-quality resampler keeps a full-scale tone's level.
    assert np.sqrt(np.mean(out[4410:-4410, 0] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)


def test_stereo_stays_stereo():
    stereo = np.stack([sine(440.0, 1.0, 32_000), sine(660.0, 1.0, 32_000)], axis=1)
    out = to_output_format(stereo, 32_000, out_sr=44_100)

    assert out.shape == (44_100, 2)
    assert not np.allclose(out[:, 0], out[:, 1])


def test_bad_shape_is_rejected():
    with pytest.raises(ValueError):
        to_output_format(np.zeros((100, 3), dtype=np.float32), 32_000, out_sr=44_100)


def test_fit_length_cuts_with_a_fade_and_pads_with_silence():
    audio = np.ones((1000, 2), dtype=np.float32)

    cut = fit_length(audio, 900, sr=44_100)
    assert cut.shape == (900, 2) and cut[-1, 0] == 0.0 and cut[0, 0] == 1.0
    assert np.all(np.diff(cut[:, 0]) <= 0)

    padded = fit_length(audio, 1200, sr=44_100)
    assert padded.shape == (1200, 2)
    np.testing.assert_array_equal(padded[:1000], audio)
    assert not np.any(padded[1000:])

    np.testing.assert_array_equal(fit_length(audio, 1000, sr=44_100), audio)
