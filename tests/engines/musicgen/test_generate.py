"""Windowed continuation, crossfades, seeded sampling and progress, piece by piece."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicgen_app.engines.musicgen import generate
from musicgen_app.engines.musicgen.generate import Window, crossfade_join, plan_windows
from musicgen_app.engines.musicgen.loader import load_model
from musicgen_app.engines.musicgen.sampling import GuidedSampler, SamplingOptions, seeded_generator


@pytest.mark.parametrize("total", [1, 150, 151, 225, 1500, 15_001])
def test_windows_cover_exactly_and_respect_the_window_size(total):
    windows = plan_windows(total, window_frames=150, prompt_frames=50)

    assert sum(w.new_frames for w in windows) == total
    assert windows[0].prompt_frames == 0
    assert all(w.prompt_frames == 50 for w in windows[1:])
    assert all(0 < w.prompt_frames + w.new_frames <= 150 for w in windows)


def test_window_plan_rejects_a_prompt_as_long_as_the_window():
    with pytest.raises(ValueError):
        plan_windows(300, window_frames=100, prompt_frames=100)


def _join_region(joined: np.ndarray, head_len: int, overlap: int) -> np.ndarray:
    return joined[:, head_len - overlap : head_len]


def test_crossfade_of_identical_renderings_is_seamless():
    signal = np.sin(np.linspace(0, 400 * np.pi, 20_000, dtype=np.float32))[None, :]
    head, tail = signal[:, :12_000], signal[:, 8_000:]

    joined = crossfade_join(head, tail, overlap=4_000, fade=2_000, guard=500)

    assert joined.shape == signal.shape
    np.testing.assert_allclose(joined, signal, atol=1e-5)


def test_crossfade_of_unrelated_audio_keeps_the_power():
    rng = np.random.default_rng(3)
    head, tail = rng.standard_normal((2, 40_000)), rng.standard_normal((2, 40_000))

    joined = crossfade_join(head, tail, overlap=20_000, fade=16_000, guard=2_000)

    middle = joined[:, 40_000 - 20_000 + 2_000 + 6_000 : 40_000 - 20_000 + 2_000 + 10_000]
    assert np.mean(middle**2) == pytest.approx(1.0, rel=0.1)
    assert joined.shape == (2, 60_000)


def test_sampler_guides_both_halves_to_the_same_token():
    scores = torch.randn(8, 64)
    sampler = GuidedSampler(SamplingOptions(top_k=5), seeded_generator(1, "cpu"))

    out = sampler(torch.zeros((4, 3), dtype=torch.long), scores)

    assert out.shape == (8, 64)
    torch.testing.assert_close(out[:4], out[4:])
    chosen = out[:4].argmax(dim=-1)
    guided = scores[4:] + (scores[:4] - scores[4:]) * 3.0
    top5 = guided.topk(5, dim=-1).indices
    assert all(int(token) in top5[row].tolist() for row, token in enumerate(chosen))


def test_sampler_draws_from_its_own_generator_only():
    scores = torch.randn(4, 64)
    draw = GuidedSampler(SamplingOptions(guidance_scale=1.0), seeded_generator(5, "cpu"))(
        torch.zeros((4, 1), dtype=torch.long), scores
    )
    torch.manual_seed(999)  # the global RNG must not matter
    again = GuidedSampler(SamplingOptions(guidance_scale=1.0), seeded_generator(5, "cpu"))(
        torch.zeros((4, 1), dtype=torch.long), scores
    )
    torch.testing.assert_close(draw, again)


def test_continuation_window_starts_from_the_previous_codes(tiny_musicgen_dir):
    loaded = load_model(str(tiny_musicgen_dir), device="cpu", local_files_only=True)
    text = dict(loaded.processor(text=["a tune"], padding=True, return_tensors="pt"))
    sampler = GuidedSampler(SamplingOptions(), seeded_generator(0, "cpu"))
    tracker = generate._TokenProgress(total_tokens=10_000, progress=lambda _f: None)

    first_audio, first_codes = generate._run_window(
        loaded, text, None, Window(0, 20), sampler=sampler, tracker=tracker
    )
    prompt = first_codes[:, -10:]
    audio, codes = generate._run_window(loaded, text, prompt, Window(10, 6), sampler=sampler, tracker=tracker)

    assert first_codes.shape == (4, 20) and first_audio.shape == (1, 20 * loaded.hop_length)
    assert codes.shape == (4, 16)
    torch.testing.assert_close(codes[:, :10], prompt)
    assert audio.shape == (1, 16 * loaded.hop_length)


def test_progress_never_repeats_and_finishes_once():
    seen: list[float] = []
    tracker = generate._TokenProgress(total_tokens=3, progress=seen.append)
    for _ in range(5):
        tracker.step()
    tracker.finish()

    assert seen == [pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0]
