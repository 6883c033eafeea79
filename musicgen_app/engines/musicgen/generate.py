"""Audio of any length from a MusicGen model: one pass up to a window, windowed continuation beyond.

MusicGen attends to at most ~30 s of codes. Longer tracks are made window by window, as audiocraft does:
the last ``prompt_s`` seconds of codes of one window are given to the next as ``decoder_input_ids`` (the
decoder continues them, the delay pattern is rebuilt by ``generate``), and the decoded windows, which
overlap by those seconds of audio, are joined with a crossfade inside the overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from transformers import LogitsProcessorList, StoppingCriteriaList

from ..base import ProgressFn, no_progress
from .loader import LoadedModel
from .sampling import GuidedSampler, SamplingOptions, StepCounter, seeded_generator

__all__ = [
    "GeneratedAudio",
    "Window",
    "audio_to_codes",
    "crossfade_join",
    "generate_audio",
    "plan_windows",
]

#: Distance kept between a crossfade and the end of the overlap: a decode's last frames see padding.
_GUARD_S = 0.25


@dataclass(frozen=True)
class Window:
    """One generate() call: ``prompt_frames`` codes carried over, ``new_frames`` codes made."""

    prompt_frames: int
    new_frames: int


@dataclass(frozen=True)
class GeneratedAudio:
    """The model's output: float32 ``(frames, channels)`` at ``sr``, and how many windows made it."""

    audio: np.ndarray
    sr: int
    windows: int
    #: Samples at the start of ``audio`` that re-synthesise a prompt given as audio (0 without one).
    prompt_samples: int = 0


def plan_windows(
    total_frames: int, *, window_frames: int, prompt_frames: int, first_prompt_frames: int = 0
) -> tuple[Window, ...]:
    """Split ``total_frames`` new code frames into windows of at most ``window_frames``.

    Every window after the first is prompted by the last ``prompt_frames`` of what exists, so it adds
    ``window_frames - prompt_frames`` new frames (the last one possibly fewer). The first is prompted by
    ``first_prompt_frames`` (codes of existing audio an edit continues; 0: none).
    """
    if not 0 < prompt_frames < window_frames:
        raise ValueError(f"need 0 < prompt_frames < window_frames, got {prompt_frames}, {window_frames}")
    if not 0 <= first_prompt_frames < window_frames:
        raise ValueError(f"need 0 <= first_prompt_frames < window_frames, got {first_prompt_frames}")
    windows = [Window(first_prompt_frames, min(total_frames, window_frames - first_prompt_frames))]
    made = windows[0].new_frames
    while made < total_frames:
        windows.append(Window(prompt_frames, min(window_frames - prompt_frames, total_frames - made)))
        made += windows[-1].new_frames
    return tuple(windows)


class _TokenProgress:
    """Fraction of all windows' tokens generated, reported monotonically and ending at exactly 1.0."""

    #: Smallest increase worth a callback: a 300 s track takes ~15 000 steps.
    _STEP = 0.002

    def __init__(self, total_tokens: int, progress: ProgressFn) -> None:
        self.total_tokens = total_tokens
        self.done_tokens = 0
        self.reported = 0.0
        self.progress = progress

    def step(self) -> None:
        self.done_tokens = min(self.done_tokens + 1, self.total_tokens)
        fraction = self.done_tokens / self.total_tokens
        if fraction >= 1.0 or fraction - self.reported >= self._STEP:
            self._report(fraction)

    def finish(self) -> None:
        self._report(1.0)

    def _report(self, fraction: float) -> None:
        if fraction > self.reported:
            self.reported = fraction
            self.progress(fraction)


def _delay_steps(loaded: LoadedModel) -> int:
    """Extra decoder steps the codebook delay pattern costs per generate() call."""
    channel_codebooks = loaded.model.decoder.num_codebooks // loaded.audio_channels
    return channel_codebooks - 1


def _codes_from_ids(loaded: LoadedModel, start_ids: torch.Tensor, final_ids: torch.Tensor) -> torch.Tensor:
    """Undo the delay pattern: ``(codebooks, frames)`` codes of the whole window, prompt included."""
    model = loaded.model
    pad = model.generation_config.pad_token_id
    max_length = final_ids.shape[-1]
    _, pattern = model.decoder.build_delay_pattern_mask(start_ids, pad, max_length=max_length)
    ids = model.decoder.apply_delay_pattern_mask(final_ids, pattern)
    return ids[ids != pad].reshape(model.decoder.num_codebooks, -1)


def _run_window(
    loaded: LoadedModel,
    text_inputs: dict[str, torch.Tensor],
    prompt_codes: torch.Tensor | None,
    window: Window,
    *,
    sampler: GuidedSampler,
    tracker: _TokenProgress,
) -> tuple[np.ndarray, torch.Tensor]:
    """Generate one window: its decoded audio ``(channels, samples)`` and its codes."""
    model = loaded.model
    bos = model.generation_config.decoder_start_token_id
    start_ids = torch.full((model.decoder.num_codebooks, 1), bos, dtype=torch.long, device=loaded.device)
    extra: dict[str, torch.Tensor] = {}
    if prompt_codes is not None:
        extra["decoder_input_ids"] = prompt_codes
        start_ids = torch.cat([start_ids, prompt_codes], dim=-1)
    counter = StepCounter(tracker.step)
    audio = model.generate(
        **text_inputs,
        **extra,
        do_sample=False,
        # Always explicit: None would fall back to the checkpoint's own guidance (3.0 when published).
        guidance_scale=sampler.options.guidance_scale,
        max_new_tokens=window.new_frames + _delay_steps(loaded),
        logits_processor=LogitsProcessorList([sampler]),
        stopping_criteria=StoppingCriteriaList([counter]),
    )
    if counter.last_ids is None:
        raise RuntimeError("generate() made no step")
    final_ids = counter.last_ids[:, : start_ids.shape[-1] + window.new_frames + _delay_steps(loaded)]
    return audio[0].float().cpu().numpy(), _codes_from_ids(loaded, start_ids, final_ids)


def crossfade_join(head: np.ndarray, tail: np.ndarray, *, overlap: int, fade: int, guard: int) -> np.ndarray:
    """Join ``(channels, samples)`` audio whose last/first ``overlap`` samples render the same codes.

    The crossfade (``fade`` samples) ends ``guard`` samples before the end of the overlap, away from both
    decodes' edges. Its gains keep the power of the sum constant for the measured correlation of the two
    renderings: equal-power (sin/cos) for unrelated audio, equal-gain for identical audio, so the join has
    neither a dip nor a bump.
    """
    fade = max(1, min(fade, overlap - guard))
    start = overlap - guard - fade
    a = head[:, head.shape[1] - overlap + start :][:, :fade]
    b = tail[:, start : start + fade]
    denom = math.sqrt(float(np.sum(a * a)) * float(np.sum(b * b)))
    correlation = float(np.clip(np.sum(a * b) / denom, 0.0, 1.0)) if denom > 0 else 0.0
    t = (np.arange(fade) + 0.5) / fade
    fade_out, fade_in = np.cos(0.5 * np.pi * t), np.sin(0.5 * np.pi * t)
    norm = np.sqrt(fade_out**2 + fade_in**2 + 2.0 * correlation * fade_out * fade_in)
    mixed = a * (fade_out / norm) + b * (fade_in / norm)
    keep = head.shape[1] - overlap + start
    return np.concatenate([head[:, :keep], mixed, tail[:, start + fade :]], axis=1).astype(np.float32)


def audio_to_codes(loaded: LoadedModel, audio: np.ndarray) -> torch.Tensor:
    """The model's codes of ``audio`` ``(samples, channels)`` at ``loaded.sr``: ``(codebooks, frames)``,
    left and right interleaved for a stereo model as its decoder reads them (what ``generate`` does with
    an ``input_values`` prompt; done here so the prompt can be cut to whole frames and windowed)."""
    model = loaded.model
    per_channel = model.decoder.num_codebooks // loaded.audio_channels
    if loaded.audio_channels == 1:
        channels = [audio.mean(axis=1)]
    else:
        channels = [audio[:, 0], audio[:, min(1, audio.shape[1] - 1)]]
    encoder = model.audio_encoder
    dtype = next(encoder.parameters()).dtype
    codes = []
    with torch.inference_mode():
        for mono in channels:
            values = torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32)).to(loaded.device, dtype)
            # residual quantisation: the first codebooks alone are the coarser encoding the decoder uses
            codes.append(encoder.encode(values[None, None, :]).audio_codes[0, 0, :per_channel])
    if len(codes) == 1:
        return codes[0]
    stereo = codes[0].new_empty((2 * per_channel, codes[0].shape[-1]))
    stereo[::2], stereo[1::2] = codes[0], codes[1]
    return stereo


def generate_audio(
    loaded: LoadedModel,
    text: str,
    *,
    duration_s: float,
    seed: int,
    sampling: SamplingOptions,
    window_s: float = 30.0,
    prompt_s: float = 10.0,
    crossfade_s: float = 1.0,
    progress: ProgressFn = no_progress,
    prompt_audio: np.ndarray | None = None,
) -> GeneratedAudio:
    """Make at least ``duration_s`` seconds of audio conditioned on ``text``; same seed, same audio.

    Parameters
    ----------
    loaded : the model (see :func:`~.loader.load_model`).
    text : conditioning description.
    duration_s : seconds wanted; the result may be a frame longer, never shorter.
    seed : seeds the private generator every window draws from.
    sampling : top-k, temperature and guidance.
    window_s, prompt_s : longest single pass, and how much of it continues from the previous window.
    crossfade_s : length of the crossfade inside the overlap of two windows.
    progress : receives the fraction of tokens generated (monotonic, ends at 1.0).
    prompt_audio : existing audio ``(samples, channels)`` at the model's rate to continue (an extend):
        its last whole code frames, up to ``prompt_s``, prompt the first window ("continuation from the
        last window of tokens"); ``duration_s`` then counts only the new audio.

    Returns
    -------
    GeneratedAudio with ``audio`` shaped ``(samples, channels)`` at the model's rate; with a prompt it
    starts with ``prompt_samples`` samples re-synthesising the prompt's end, then the new audio.
    """
    frame_rate = loaded.frame_rate_hz
    window_frames = min(round(window_s * frame_rate), loaded.max_frames - _delay_steps(loaded) - 1)
    prompt_frames = min(round(prompt_s * frame_rate), window_frames // 2)
    hop = loaded.hop_length
    first_prompt = None
    if prompt_audio is not None and prompt_audio.shape[0] >= hop:
        whole = min(prompt_audio.shape[0] // hop, prompt_frames)
        first_prompt = audio_to_codes(loaded, prompt_audio[prompt_audio.shape[0] - whole * hop :])
    windows = plan_windows(
        math.ceil(duration_s * frame_rate),
        window_frames=window_frames,
        prompt_frames=prompt_frames,
        first_prompt_frames=0 if first_prompt is None else first_prompt.shape[-1],
    )
    tracker = _TokenProgress(sum(w.new_frames + _delay_steps(loaded) for w in windows), progress)
    sampler = GuidedSampler(sampling, seeded_generator(seed, loaded.device))
    text_inputs = loaded.processor(text=[text], padding=True, return_tensors="pt").to(loaded.device)
    audio, codes = _run_window(
        loaded, dict(text_inputs), first_prompt, windows[0], sampler=sampler, tracker=tracker
    )
    for window in windows[1:]:
        prompt = codes[:, -window.prompt_frames :]
        more, new_codes = _run_window(
            loaded, dict(text_inputs), prompt, window, sampler=sampler, tracker=tracker
        )
        overlap = window.prompt_frames * hop
        guard = min(round(_GUARD_S * loaded.sr), overlap // 4)
        audio = crossfade_join(audio, more, overlap=overlap, fade=round(crossfade_s * loaded.sr), guard=guard)
        codes = new_codes
    tracker.finish()
    prompt_samples = windows[0].prompt_frames * hop
    return GeneratedAudio(
        audio=np.ascontiguousarray(audio.T), sr=loaded.sr, windows=len(windows), prompt_samples=prompt_samples
    )
