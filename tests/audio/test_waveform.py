"""Waveform peaks in audiowaveform v2 JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from musicgen_app.audio.waveform import waveform_json

from .synthetic import SR, noise


def pairs(doc: dict) -> np.ndarray:
    """``data`` as ``(length, channels, 2)``: min then max per channel per pixel."""
    return np.asarray(doc["data"]).reshape(doc["length"], doc["channels"], 2)


def test_document_has_the_version_2_keys_and_plain_json_values():
    doc = waveform_json(noise(3.0, rms=0.2, seed=1), SR)
    assert set(doc) == {"version", "channels", "sample_rate", "samples_per_pixel", "bits", "length", "data"}
    assert (doc["version"], doc["channels"], doc["sample_rate"], doc["bits"]) == (2, 2, SR, 8)
    assert json.loads(json.dumps(doc)) == doc


def test_default_fits_the_audio_in_the_requested_pixels():
    doc = waveform_json(noise(3.0, rms=0.2, seed=1), SR, pixels=800)
    assert doc["samples_per_pixel"] == -(-3 * SR // 800)
    assert doc["length"] <= 800
    assert doc["length"] * doc["samples_per_pixel"] >= 3 * SR


def test_known_values_min_then_max_per_channel():
    audio = np.array([[0.5, -1.0], [1.0, 0.0], [-0.25, 0.1]], dtype=np.float32)
    doc = waveform_json(audio, SR, samples_per_pixel=2)
    assert doc["length"] == 2
    # pixel 0: left 0.5..1.0, right -1.0..0.0; pixel 1 (a partial one): left -0.25, right 0.1
    assert doc["data"] == [64, 127, -128, 0, -32, -32, 12, 12]


def test_mono_input_and_empty_audio():
    mono = waveform_json(np.linspace(-1, 1, 1000), SR, samples_per_pixel=100)
    assert (mono["channels"], mono["length"], len(mono["data"])) == (1, 10, 20)
    empty = waveform_json(np.zeros((0, 2), np.float32), SR)
    assert (empty["length"], empty["data"]) == (0, [])


@settings(max_examples=60, deadline=None)
@given(
    audio=arrays(
        np.float32,
        st.tuples(st.integers(1, 5000), st.integers(1, 2)),
        elements=st.floats(-1.5, 1.5, width=32),
    ),
    per_pixel=st.one_of(st.none(), st.integers(1, 700)),
    pixels=st.integers(1, 2000),
)
def test_peak_rules_hold_for_any_audio(audio, per_pixel, pixels):
    doc = waveform_json(audio, SR, samples_per_pixel=per_pixel, pixels=pixels)
    frames, channels = audio.shape
    assert doc["length"] == -(-frames // doc["samples_per_pixel"])
    assert len(doc["data"]) == 2 * channels * doc["length"]
    assert all(isinstance(value, int) and -128 <= value <= 127 for value in doc["data"])
    lows, highs = pairs(doc)[..., 0], pairs(doc)[..., 1]
    assert (lows <= highs).all()
    if per_pixel is None:
        assert doc["length"] <= pixels
    # The loudest pixel shows the loudest sample (to the 8-bit step).
    assert max(abs(lows).max(), highs.max()) >= min(np.abs(audio).max(), 1.0) * 127 - 1


@pytest.mark.parametrize(
    "kwargs",
    [{"samples_per_pixel": 0}, {"pixels": 0}, {"samples_per_pixel": 2.5}, {"pixels": True}],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        waveform_json(np.zeros((10, 2), np.float32), SR, **kwargs)
