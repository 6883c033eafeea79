"""Issue 3's acceptance on every dev prompt: tempo a beat tracker hears, the instruments named and none
excluded, the audio contract, and seeds that change the music (and only the seed).

The dev prompts live beside the repository (``../shared/prompts/dev_prompts.jsonl``); the test is skipped,
loudly, only where that file is absent (an installed package without the project's shared folder).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import librosa
import numpy as np
import pytest

from musicgen_app.audio.loudness import integrated_loudness_lufs, true_peak_dbtp
from musicgen_app.audio.master import master
from musicgen_app.beats import tempo_from_beats
from musicgen_app.config import DEFAULT_SOUNDFONT
from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.engine import SymbolicEngine
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request

PROMPTS_FILE = Path(__file__).resolve().parents[2] / "shared" / "prompts" / "dev_prompts.jsonl"
PROMPTS = (
    [json.loads(line)["prompt"] for line in PROMPTS_FILE.read_text().splitlines() if line.strip()]
    if PROMPTS_FILE.is_file()
    else []
)
needs_prompts = pytest.mark.skipif(not PROMPTS, reason=f"{PROMPTS_FILE} not found")


@cache
def engine() -> SymbolicEngine:
    return SymbolicEngine(DEFAULT_SOUNDFONT)


def plan_for(prompt: str, *, seed: int = 1, duration: int = 30):
    return interpret(parse_request({"prompt": prompt, "duration": duration}), seed=seed)


def tracked_bpm(mix: np.ndarray, sr: int) -> float:
    """Tempo of the beats librosa tracks, from their spacing over the whole track (finer than its
    tempogram-bin estimate, which is quantised to about 2 % around 120 BPM at 22.05 kHz; a beat the
    tracker skips, or a few it spends on the offbeat, do not tilt it: see ``tempo_from_beats``)."""
    mono = librosa.resample(mix.mean(axis=1), orig_sr=sr, target_sr=22_050)
    _, beats = librosa.beat.beat_track(y=mono, sr=22_050, units="time")
    assert len(beats) >= 8, "the beat tracker found no steady beat"
    found = tempo_from_beats(beats)
    assert found is not None
    return found


@needs_prompts
@pytest.mark.slow
@pytest.mark.parametrize("prompt", PROMPTS)
def test_dev_prompt_meets_tempo_lineup_and_audio_contract(prompt: str) -> None:
    plan = plan_for(prompt)
    score = compose(plan)
    played = {part.instrument for part in score.parts if part.notes}
    assert set(plan.instruments) <= played, set(plan.instruments) - played
    assert not played & set(plan.excluded)
    if "drums" in plan.excluded:
        assert not any(part.is_drum for part in score.parts)

    result = engine().generate(plan)
    mastered = master(result.stems)
    mix = mastered.stems.mix()
    sr = mastered.stems.sample_rate
    assert mix.shape == (30 * sr, 2)
    assert abs(integrated_loudness_lufs(mix, sr) + 14) <= 1
    assert true_peak_dbtp(mix, sr) <= -1.0
    found = tracked_bpm(mix, sr)
    error = min(abs(found / (plan.tempo_bpm * ratio) - 1) for ratio in (1, 0.5, 2))
    assert error <= 0.02, (plan.tempo_bpm, found)


def chroma_sequence(mix: np.ndarray, sr: int) -> np.ndarray:
    mono = librosa.resample(mix.mean(axis=1), orig_sr=sr, target_sr=22_050)
    return librosa.feature.chroma_cqt(y=mono, sr=22_050, hop_length=2048)


@needs_prompts
@pytest.mark.slow
@pytest.mark.parametrize("prompt", PROMPTS[:40:8])
def test_two_seeds_differ_and_one_seed_repeats(prompt: str) -> None:
    first = engine().generate(plan_for(prompt, seed=1)).stems.mix()
    again = engine().generate(plan_for(prompt, seed=1)).stems.mix()
    other = engine().generate(plan_for(prompt, seed=2)).stems.mix()
    assert np.array_equal(first, again)
    a, b = chroma_sequence(first, 44_100), chroma_sequence(other, 44_100)
    frames = min(a.shape[1], b.shape[1])
    correlation = np.corrcoef(a[:, :frames].ravel(), b[:, :frames].ravel())[0, 1]
    assert correlation < 0.8, correlation


@pytest.mark.slow
@pytest.mark.parametrize("duration", [5, 17, 30, 120, 300])
def test_exact_duration_and_a_resolved_ending(duration: int) -> None:
    plan = plan_for(
        "Chill lo-fi beat with jazzy Rhodes piano, soft drums, and rain ambiance", duration=duration
    )
    result = engine().generate(plan)
    mix = result.stems.mix()
    assert mix.shape[0] == duration * 44_100
    tail = np.abs(mix[-2205:]).max()  # the last 50 ms: rung out or faded, never cut mid-note
    body = np.abs(mix).max()
    assert tail < 0.1 * body
