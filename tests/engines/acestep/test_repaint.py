"""Splicing a repainted span into the parent: its samples kept outside, the model's level matched."""

from __future__ import annotations

import numpy as np
import pytest

from musicgen_app.engines.acestep.repaint import CROSSFADE_S, snap_span, splice_span

SR = 1000


def test_the_span_snaps_outwards_to_latent_frames_inside_the_track() -> None:
    assert snap_span(4.01, 7.99, 12.0) == (4.0, 8.0)
    assert snap_span(0.0, 12.0, 11.98) == (0.0, 11.98)


def test_outside_the_span_the_old_samples_stay_and_inside_the_new_at_the_old_level() -> None:
    rng = np.random.default_rng(1)
    old = rng.standard_normal((10 * SR, 2)).astype(np.float32) * 0.3
    new = old * 2.0  # the model's output: peak-normalised, so louder than the mastered parent
    new[4 * SR : 6 * SR] = rng.standard_normal((2 * SR, 2)) * 0.6
    out, gain_db = splice_span(old, new, sample_rate=SR, span_s=(4.0, 6.0))
    assert gain_db == pytest.approx(-6.02, abs=0.01)
    half = round(CROSSFADE_S * SR / 2)
    assert np.array_equal(out[: 4 * SR - half], old[: 4 * SR - half])
    assert np.array_equal(out[6 * SR + half :], old[6 * SR + half :])
    inner = slice(4 * SR + half, 6 * SR - half)
    np.testing.assert_allclose(out[inner], new[inner] * 0.5, rtol=1e-5)


def test_shapes_must_match_and_the_span_must_not_be_empty() -> None:
    audio = np.zeros((SR, 2), dtype=np.float32)
    with pytest.raises(ValueError):
        splice_span(audio, audio[:-1], sample_rate=SR, span_s=(0.1, 0.2))
    with pytest.raises(ValueError):
        splice_span(audio, audio, sample_rate=SR, span_s=(0.5, 0.5))
