"""Run a Demucs model over a whole track in cross-faded segments, counting them for progress.

demucs' ``apply_model(split=True)`` starts a segment every ``stride`` frames until the end of the
track, so the last one often covers only a sliver of new audio yet costs a full forward pass (a
30 s track at overlap 0.25 takes 6 passes where 5 cover it). Here the segments are spread evenly
instead: the first starts at 0, the last ends at the track's end, and neighbours overlap by at
least ``overlap``. Each segment goes through ``apply_model(split=False)`` (which handles bags of
models, devices and padding), and the segments are cross-faded with demucs' triangular window.
Knowing the segments up front also gives exact progress fractions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import torch
from demucs.apply import BagOfModels, apply_model
from demucs.htdemucs import HTDemucs

from ...engines.base import ProgressFn
from .models import DemucsModel

__all__ = ["MAX_SHIFT_S", "max_segment_s", "model_segment_s", "run_model", "segment_starts"]

#: The shift trick moves the input by up to this much (demucs uses the same bound).
MAX_SHIFT_S = 0.5


def model_segment_s(net: DemucsModel) -> float:
    """The longest segment every network of ``net`` accepts (a bag takes its shortest)."""
    networks = net.models if isinstance(net, BagOfModels) else [net]
    return min(float(network.segment) for network in networks)


def max_segment_s(net: DemucsModel) -> float | None:
    """The segment transformer networks must not exceed (their training length), else ``None``."""
    networks = net.models if isinstance(net, BagOfModels) else [net]
    limits = [float(n.segment) for n in networks if isinstance(n, HTDemucs)]
    return min(limits) if limits else None


def segment_starts(frames: int, segment_frames: int, overlap: float) -> list[int]:
    """First frame of each segment: from 0 to ``frames - segment_frames``, evenly spread.

    Neighbours share at least ``overlap`` of a segment; a track no longer than one segment is
    one segment.
    """
    if frames <= segment_frames:
        return [0]
    longest_stride = max(int((1 - overlap) * segment_frames), 1)
    count = 1 + math.ceil((frames - segment_frames) / longest_stride)
    return [round(i * (frames - segment_frames) / (count - 1)) for i in range(count)]


def run_model(
    net: DemucsModel,
    mix: np.ndarray,
    *,
    overlap: float,
    segment_s: float,
    shifts: int,
    seed: int,
    workers: int,
    progress: ProgressFn,
) -> np.ndarray:
    """The model's sources for ``mix``, float32 ``(sources, frames, channels)``.

    Parameters
    ----------
    net : loaded model or bag; its device is used.
    mix : float64 ``(frames, channels)`` at the model's sample rate.
    overlap, segment_s : least overlap (0..1) between neighbouring segments and their length (s).
    shifts : randomly shifted passes to average (0 = one plain pass); offsets come from ``seed``.
    workers : segments run at once in threads on CPU (0 = one after the other).
    progress : called from this thread after each segment with the fraction done (never 1.0
        before the last segment).
    """
    wav = torch.from_numpy(np.ascontiguousarray(mix.T, dtype=np.float32))
    # Normalised the way demucs' own separation does, and restored after.
    reference = wav.mean(0)
    mean, std = reference.mean(), reference.std() + 1e-8
    views = _passes((wav - mean) / std, shifts=shifts, seed=seed, max_shift=int(MAX_SHIFT_S * net.samplerate))
    segment_frames = int(segment_s * net.samplerate)
    done = _Counter(
        sum(len(segment_starts(view.shape[-1], segment_frames, overlap)) for view, _ in views), progress
    )
    out = sum(_one_pass(net, view, segment_s, overlap, workers, done)[..., trim:] for view, trim in views)
    out = out / len(views) * std + mean
    return out.numpy().transpose(0, 2, 1)


def _passes(wav: torch.Tensor, *, shifts: int, seed: int, max_shift: int) -> list[tuple[torch.Tensor, int]]:
    """``(input, frames to trim from its output)`` per pass: demucs' shift trick, seeded.

    With shifts, the track is padded by ``max_shift`` on both sides and each pass starts at a
    random offset in the padding, so the model sees the music at a different phase of its
    segments; trimming ``max_shift - offset`` frames realigns the outputs before averaging.
    """
    if shifts == 0:
        return [(wav, 0)]
    frames = wav.shape[-1]
    padded = torch.nn.functional.pad(wav, (max_shift, max_shift))
    offsets = np.random.default_rng(seed).integers(0, max_shift + 1, size=shifts)
    return [(padded[:, o : frames + max_shift], max_shift - int(o)) for o in offsets]


class _Counter:
    """Turns finished segments into progress fractions; only ever stepped from one thread."""

    def __init__(self, total: int, progress: ProgressFn) -> None:
        self.total, self.done, self.progress = max(total, 1), 0, progress

    def step(self) -> None:
        self.done += 1
        self.progress(self.done / self.total)


def _one_pass(
    net: DemucsModel, wav: torch.Tensor, segment_s: float, overlap: float, workers: int, done: _Counter
) -> torch.Tensor:
    """Sources ``(sources, channels, frames)`` for ``wav``, segment by segment, cross-faded."""
    frames = wav.shape[-1]
    # The same arithmetic as apply_model's, so a segment is exactly the length the model pads to.
    segment_frames = int(segment_s * net.samplerate)
    starts = segment_starts(frames, segment_frames, overlap)
    out = torch.zeros(len(net.sources), wav.shape[0], frames)
    weight_sum = torch.zeros(frames)
    window = _window(segment_frames)
    run = functools.partial(_segment, net, wav, segment_s)
    for start, sources in _in_order(run, starts, workers):
        end = start + sources.shape[-1]
        out[..., start:end] += window[: end - start] * sources
        weight_sum[start:end] += window[: end - start]
        done.step()
    return out / weight_sum


def _segment(net: DemucsModel, wav: torch.Tensor, segment_s: float, start: int) -> torch.Tensor:
    chunk = wav[None, :, start : start + int(segment_s * net.samplerate)]
    device = next(net.parameters()).device
    return apply_model(net, chunk, shifts=0, split=False, segment=segment_s, device=device)[0].cpu()


def _in_order(
    run: Callable[[int], torch.Tensor], starts: list[int], workers: int
) -> Iterator[tuple[int, torch.Tensor]]:
    """``(start, run(start))`` in order; ``workers`` segments at a time so memory stays bounded."""
    with ThreadPoolExecutor(workers, thread_name_prefix="demucs") if workers else nullcontext() as pool:
        step = max(workers, 1)
        for batch_at in range(0, len(starts), step):
            batch = starts[batch_at : batch_at + step]
            results = pool.map(run, batch) if pool else map(run, batch)
            yield from zip(batch, results, strict=True)


@functools.lru_cache(maxsize=8)
def _window(segment_frames: int) -> torch.Tensor:
    """demucs' cross-fade weight: a triangle peaking mid-segment, never zero."""
    rising = torch.arange(1, segment_frames // 2 + 1, dtype=torch.float32)
    falling = torch.arange(segment_frames - segment_frames // 2, 0, -1, dtype=torch.float32)
    weight = torch.cat([rising, falling])
    return weight / weight.max()
