"""Seamless loops from the symbolic engine, for every genre: whole bars at the exact tempo, an end that
flows into the start (no click, no fade, no silence at the seam), also when the decoded file is played
twice back to back."""

from __future__ import annotations

import dataclasses
import io

import mido
import numpy as np
import pytest

from musicgen_app.audio.encode import encode_audio
from musicgen_app.audio.master import master
from musicgen_app.audio.tags import Tags
from musicgen_app.config import Settings
from musicgen_app.engines.registry import get_engine
from musicgen_app.engines.symbolic.loop import loop_frames
from musicgen_app.formats import SAMPLE_RATE
from musicgen_app.genres import GENRES
from musicgen_app.plan import bar_seconds

from ...helpers import decode
from .plan_factory import make_plan

pytestmark = pytest.mark.slow

_TAGS = Tags(title="loop", engine="symbolic", model="test", prompt="loop", seed="1", license="test")


def _steps(audio: np.ndarray) -> np.ndarray:
    """The largest sample-to-sample step of each frame pair (over channels)."""
    return np.abs(np.diff(audio, axis=0)).max(axis=1)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


@pytest.fixture(scope="module")
def engine():
    return get_engine("symbolic", Settings(engine="symbolic").engine_config())


@pytest.mark.parametrize("bars", [4, 8])
@pytest.mark.parametrize("genre", [g.id for g in GENRES])
def test_a_loop_of_every_genre_is_seamless_and_exact(engine, tmp_path, genre: str, bars: int) -> None:
    plan = make_plan(genre, seed=11)
    length_s = bars * bar_seconds(plan.tempo_bpm, plan.time_signature)
    plan = dataclasses.replace(plan, loop_bars=bars, duration_s=length_s)
    result = engine.generate(plan)
    frames = loop_frames(plan, SAMPLE_RATE)
    assert frames == round(length_s * SAMPLE_RATE) and result.stems.frames == frames
    assert result.extra["loop"] == {"bars": bars, "start_frame": 0, "length_frames": frames}
    # the tempo is exact: the MIDI says it and the beat grid holds every beat of every bar
    song = mido.MidiFile(file=io.BytesIO(result.midi))
    tempo = next(m for m in song.tracks[0] if m.type == "set_tempo")
    assert tempo.tempo == round(60e6 / plan.tempo_bpm)
    assert len(result.beats.downbeats_s) == bars
    assert not any(n == "ending" for n, _ in result.sections)

    mix = master(result.stems).stems.mix()
    path = tmp_path / "loop.wav"
    encode_audio(mix, SAMPLE_RATE, path, "wav", tags=_TAGS)
    decoded, sr = decode(path.read_bytes())
    assert decoded.shape[0] == frames
    twice = np.concatenate([decoded, decoded])
    steps = _steps(twice)
    seam = steps[frames - 1]
    elsewhere = np.delete(steps, frames - 1)
    # the check: the seam is no larger a step than neighbouring samples take elsewhere (here
    # even under the 99.9th percentile of them)
    assert seam <= np.percentile(elsewhere, 99.9), (seam, np.percentile(elsewhere, 99.9))
    # no fade-out and no silence at the seam: the last and first 50 ms still sound
    edge = round(0.05 * sr)
    whole = _rms(decoded)
    assert _rms(decoded[-edge:]) > 0.05 * whole and _rms(decoded[:edge]) > 0.05 * whole
