"""Melody checkpoints through the same engine, conditioned on text alone (no melody audio)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from musicgen_app.engines.musicgen import generate
from musicgen_app.engines.musicgen.engine import MusicgenEngine
from musicgen_app.engines.musicgen.generate import Window
from musicgen_app.engines.musicgen.loader import load_model
from musicgen_app.engines.musicgen.sampling import GuidedSampler, SamplingOptions, seeded_generator
from musicgen_app.formats import SAMPLE_RATE

from .conftest import make_plan


@pytest.fixture(scope="module")
def melody_engine(tiny_melody_dir):
    return MusicgenEngine(str(tiny_melody_dir), device="cpu", local_files_only=True)


def test_melody_checkpoint_is_available(melody_engine):
    assert melody_engine.available() == (True, "")


def test_loader_picks_the_melody_class_and_leaves_room_for_the_chroma(tiny_melody_dir):
    loaded = load_model(str(tiny_melody_dir), device="cpu", local_files_only=True, precision="fp32")

    assert type(loaded.model).__name__ == "MusicgenMelodyForConditionalGeneration"
    assert loaded.max_frames == 512 - 8
    assert set(loaded.processor(text=["piano"], padding=True, return_tensors="pt")) == {
        "input_ids",
        "attention_mask",
    }


@pytest.mark.parametrize(("duration_s", "windows"), [(5.0, 1), (45.0, 2)])
def test_melody_exact_duration_and_windows(melody_engine, duration_s, windows):
    result = melody_engine.generate(make_plan(duration_s=duration_s))

    assert result.stems.other.shape == (round(duration_s * SAMPLE_RATE), 2)
    assert result.extra["windows"] == windows
    assert result.extra["precision"] == "int8"
    assert np.all(np.isfinite(result.stems.other))
    assert np.abs(result.stems.other).max() > 0


def test_melody_same_seed_same_audio_other_seed_other_audio(melody_engine):
    first = melody_engine.generate(make_plan(seed=3)).stems.other
    again = melody_engine.generate(make_plan(seed=3)).stems.other
    other = melody_engine.generate(make_plan(seed=4)).stems.other

    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_melody_progress_is_monotonic_and_ends_at_one(melody_engine):
    fractions: list[float] = []
    melody_engine.generate(make_plan(duration_s=45.0), progress=fractions.append)

    assert fractions and fractions[-1] == 1.0
    assert all(b > a for a, b in itertools.pairwise(fractions))


def _delayed(codes: torch.Tensor, *, start_id: int, delay: int) -> torch.Tensor:
    """``codes`` laid out as the decoder reads them: BOS, then codebook ``k`` shifted right by ``k``."""
    codebooks, frames = codes.shape
    ids = torch.full((codebooks, 1 + frames + delay), start_id, dtype=torch.long)
    for k in range(codebooks):
        ids[k, 1 + k : 1 + k + frames] = codes[k]
    return ids


def test_melody_continuation_is_what_the_model_predicts_after_the_prompt(tiny_melody_dir):
    # Greedy decoding (top_k=1, no guidance) must pick, after the prompt, exactly the argmax of one
    # teacher-forced pass over conditioning + prompt + continuation: the prompt is read after the
    # conditioning prefix and the cached steps see the right positions.
    loaded = load_model(str(tiny_melody_dir), device="cpu", local_files_only=True, precision="fp32")
    text = dict(loaded.processor(text=["a tune"], padding=True, return_tensors="pt"))
    sampler = GuidedSampler(SamplingOptions(top_k=1, guidance_scale=1.0), seeded_generator(0, "cpu"))
    tracker = generate._TokenProgress(total_tokens=10_000, progress=lambda _f: None)
    prompt = torch.randint(0, 64, (4, 10), generator=torch.Generator().manual_seed(1))
    _, codes = generate._run_window(loaded, text, prompt, Window(10, 8), sampler=sampler, tracker=tracker)

    torch.testing.assert_close(codes[:, :10], prompt)
    ids = _delayed(codes, start_id=64, delay=3)
    with torch.no_grad():
        logits = loaded.model(**text, decoder_input_ids=ids[:, :-1]).logits[:, -(ids.shape[1] - 1) :]
    for k in range(4):
        made = range(1 + k + 10, 1 + k + codes.shape[1])
        assert [int(logits[k, p - 1].argmax()) for p in made] == ids[k, list(made)].tolist()
