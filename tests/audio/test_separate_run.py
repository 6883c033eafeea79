"""Segmenting and cross-fading: exact on a model that treats every sample alike."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from musicgen_app.audio.separate.run import run_model, segment_starts

SR = 1_000
GAINS = (0.5, -0.25, 1.5, 0.125)


class PointwiseModel(torch.nn.Module):
    """Source ``s`` is the input times ``GAINS[s]``: time-invariant, so any segmenting is exact.

    It has what ``apply_model`` asks of a model: sources, samplerate, segment and a parameter.
    """

    def __init__(self, segment_s: float) -> None:
        super().__init__()
        self.sources = ["drums", "bass", "other", "vocals"]
        self.samplerate = SR
        self.segment = segment_s
        self.gains = torch.nn.Parameter(torch.tensor(GAINS), requires_grad=False)

    def forward(self, mix: torch.Tensor) -> torch.Tensor:
        return self.gains[None, :, None, None] * mix[:, None]


def _expected(mix: np.ndarray) -> np.ndarray:
    # run_model removes the mono mean before the model and adds it back to each source.
    mean = mix.mean(axis=1).mean()
    return np.stack([gain * (mix - mean) + mean for gain in GAINS])


@pytest.mark.parametrize(
    ("frames", "overlap", "shifts", "workers"),
    [(300, 0.25, 0, 0), (5_321, 0.25, 0, 0), (5_321, 0.0, 0, 2), (7_000, 0.5, 3, 0), (4_000, 0.1, 2, 2)],
)
def test_segments_cross_fade_back_to_the_unsegmented_result(frames, overlap, shifts, workers):
    rng = np.random.default_rng(frames)
    mix = rng.uniform(-0.5, 0.5, size=(frames, 2)) + 0.1
    seen: list[float] = []
    out = run_model(
        PointwiseModel(1.0),
        mix,
        overlap=overlap,
        segment_s=1.0,
        shifts=shifts,
        seed=3,
        workers=workers,
        progress=seen.append,
    )
    assert out.shape == (4, frames, 2)
    np.testing.assert_allclose(out, _expected(mix), atol=1e-5)
    assert seen == sorted(seen) and seen[-1] == 1.0


@given(
    frames=st.integers(1, 200_000),
    segment_frames=st.integers(2, 50_000),
    overlap=st.floats(0.0, 0.9),
)
def test_segment_starts_cover_the_track_with_the_overlap_asked(frames, segment_frames, overlap):
    starts = segment_starts(frames, segment_frames, overlap)
    assert starts[0] == 0
    assert starts == sorted(set(starts))
    if frames <= segment_frames:
        assert starts == [0]
        return
    assert starts[-1] == frames - segment_frames
    longest_stride = max(int((1 - overlap) * segment_frames), 1)
    assert all(b - a <= longest_stride for a, b in itertools.pairwise(starts))
    # One segment fewer could not cover the track at that stride.
    assert (len(starts) - 2) * longest_stride < frames - segment_frames
