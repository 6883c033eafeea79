"""Split a mix into vocals, drums, bass and other with Demucs.

The model runs over the track in segments (``demucs.apply.apply_model`` with ``split=True``), so
memory for the network stays bounded whatever the track length; each finished segment advances
the progress callback.

The four stems always sum to the mix. Demucs predicts each source on its own, so its estimates
add up to the input only approximately (and resampling and normalisation add rounding on top).
The product promises that the mix is the sum of its stems (see :class:`Stems`), so the difference
- mix minus the sum of the separated stems - is added to ``other``. What that costs: every
separation error lands in ``other``. Whatever the model failed to attribute (a vocal it missed, a
drum it attenuated) is heard there, and a poor or untrained model leaves most of the mix in
``other``. Spreading the difference over all four stems was rejected: it would smear the same
errors into every stem instead of keeping three of them as the model made them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soxr
import torch
from demucs.apply import BagOfModels, apply_model
from demucs.htdemucs import HTDemucs

from ..engines.base import ProgressFn, Stems, no_progress
from ..errors import InvalidRequest
from ..formats import CHANNELS, STEM_NAMES
from .separate_audio_io import output_format, read_audio, write_stems
from .separate_cli import add_separate_arguments, run_separate
from .separate_models import DemucsModel, load_model, resolve_device

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_OVERLAP",
    "add_separate_arguments",
    "run_separate",
    "separate",
    "separate_file",
]

DEFAULT_MODEL = "htdemucs"
#: Fraction of each segment shared with the next; demucs' own default, see bench/demucs_cpu.py.
DEFAULT_OVERLAP = 0.25
MAX_OVERLAP = 0.9
#: The shift trick moves the input by up to this much (demucs uses the same bound).
MAX_SHIFT_S = 0.5


def separate(
    mix: np.ndarray,
    sr: int,
    *,
    model: str = DEFAULT_MODEL,
    repo: Path | None = None,
    shifts: int = 0,
    overlap: float = DEFAULT_OVERLAP,
    segment_s: float | None = None,
    device: str | None = None,
    progress: ProgressFn = no_progress,
    seed: int = 0,
) -> Stems:
    """Separate ``mix`` into the four stems, which sum back to it.

    Parameters
    ----------
    mix : float32 array, shape ``(frames, 2)``, at ``sr``.
    sr : sample rate of ``mix`` in Hz; the model's rate is reached with soxr (VHQ) and back.
    model : Demucs model or bag name (``htdemucs``, ``htdemucs_ft``, ``mdx_extra``).
    repo : directory holding the model files; ``None`` searches the local download caches.
    shifts : how many randomly shifted passes to average (0 = one unshifted pass); each costs a
        full pass.
    overlap : fraction (0..0.9) of each segment overlapping the next, cross-faded.
    segment_s : segment length in seconds; ``None`` uses the model's own (for transformer models
        it is also the maximum).
    device : torch device; ``None`` picks ``cuda`` when present, else ``cpu``.
    progress : receives the fraction of segments done, non-decreasing, ending at 1.0.
    seed : seeds the shift offsets, so equal inputs give equal stems.

    Returns
    -------
    Stems
        ``vocals, drums, bass, other`` at ``sr`` with the mix's exact length; ``other`` also holds
        whatever the model left unattributed, so that the four sum to ``mix``.

    Raises
    ------
    InvalidRequest
        A malformed mix or an option out of range.
    EngineUnavailable
        The model is not on this machine.
    """
    audio = _checked_mix(mix, sr)
    _check_options(shifts=shifts, overlap=overlap, segment_s=segment_s)
    net = load_model(model, repo=repo, device=resolve_device(device))
    _check_segment(net, segment_s)
    model_sr = int(net.samplerate)
    model_mix = _resample(audio, sr, model_sr)
    max_shift = int(MAX_SHIFT_S * model_sr)
    offsets = _shift_offsets(shifts, max_shift=max_shift, seed=seed)
    pass_frames = [model_mix.shape[0] + max_shift - offset for offset in offsets]
    total = sum(
        _segment_count(net, frames, overlap=overlap, segment_s=segment_s)
        for frames in pass_frames or [model_mix.shape[0]]
    )
    sources = _separate_at_model_rate(
        net,
        model_mix,
        offsets=offsets,
        max_shift=max_shift,
        overlap=overlap,
        segment_s=segment_s,
        on=_SegmentProgress(total, progress),
    )
    stems = {name: _resample(source, model_sr, sr) for name, source in zip(net.sources, sources, strict=True)}
    result = _stems_summing_to(audio, stems, sr)
    progress(1.0)
    return result


def separate_file(
    path: Path,
    out_dir: Path,
    *,
    model: str = DEFAULT_MODEL,
    repo: Path | None = None,
    fmt: str | None = None,
    shifts: int = 0,
    overlap: float = DEFAULT_OVERLAP,
    segment_s: float | None = None,
    device: str | None = None,
    progress: ProgressFn = no_progress,
    seed: int = 0,
) -> dict[str, Path]:
    """Separate an audio file and write its four stems to ``out_dir``.

    Parameters
    ----------
    path : any audio file soundfile or ffmpeg can read; mono is used on both channels.
    out_dir : created if missing; stems are written as ``<path stem>.<stem name>.<fmt>``.
    fmt : output format (``wav``, ``flac``, ``mp3``, ``ogg``); ``None`` keeps the input's format
        when it is one of those, else ``wav``.
    model, repo, shifts, overlap, segment_s, device, progress, seed : as for :func:`separate`.

    Returns
    -------
    dict
        Stem name to written file, in :data:`STEM_NAMES` order.
    """
    chosen_fmt = output_format(path, fmt)
    audio, sr = read_audio(path)
    stems = separate(
        audio,
        sr,
        model=model,
        repo=repo,
        shifts=shifts,
        overlap=overlap,
        segment_s=segment_s,
        device=device,
        progress=progress,
        seed=seed,
    )
    return write_stems(stems, out_dir, basename=path.stem, fmt=chosen_fmt)


class _SegmentProgress:
    """Counts the segments apply_model finishes and reports them as a fraction of ``total``."""

    def __init__(self, total: int, progress: ProgressFn) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress

    def __call__(self, event: dict) -> None:
        if event.get("state") == "end":
            self.done += 1
            self.progress(min(self.done / self.total, 1.0))


def _networks(net: DemucsModel) -> list:
    return list(net.models) if isinstance(net, BagOfModels) else [net]


def _segment_count(net: DemucsModel, frames: int, *, overlap: float, segment_s: float | None) -> int:
    """How many segments apply_model runs over ``frames``; mirrors its arithmetic for split=True."""
    total = 0
    for network in _networks(net):
        segment = segment_s if segment_s is not None else network.segment
        segment_length = int(network.samplerate * segment)
        stride = int((1 - overlap) * segment_length)
        total += len(range(0, frames, stride))
    return total


def _shift_offsets(shifts: int, *, max_shift: int, seed: int) -> list[int]:
    """Offsets of demucs' shift trick, drawn from ``seed`` instead of the global ``random``."""
    rng = np.random.default_rng(seed)
    return [int(rng.integers(0, max_shift + 1)) for _ in range(shifts)]


def _separate_at_model_rate(
    net: DemucsModel,
    mix: np.ndarray,
    *,
    offsets: list[int],
    max_shift: int,
    overlap: float,
    segment_s: float | None,
    on: _SegmentProgress,
) -> np.ndarray:
    """Sources as float64 ``(sources, frames, 2)``, normalised the way demucs' own CLI does.

    With ``offsets`` the input is padded by ``max_shift`` on both sides, each pass starts at its
    offset, and the passes are averaged: demucs' shift trick, made reproducible.
    """
    wav = torch.from_numpy(np.ascontiguousarray(mix.T, dtype=np.float32))
    reference = wav.mean(0)
    mean, std = reference.mean(), reference.std() + 1e-8
    wav = (wav - mean) / std
    device = next(net.parameters()).device

    def run(chunk: torch.Tensor) -> torch.Tensor:
        return apply_model(
            net,
            chunk[None],
            shifts=0,
            split=True,
            overlap=overlap,
            segment=segment_s,
            device=device,
            callback=on,
        )[0]

    if offsets:
        frames = wav.shape[-1]
        padded = torch.nn.functional.pad(wav, (max_shift, max_shift))
        out = sum(
            run(padded[:, offset : frames + max_shift])[..., max_shift - offset :] for offset in offsets
        ) / len(offsets)
    else:
        out = run(wav)
    out = out * std + mean
    return out.double().numpy().transpose(0, 2, 1)


def _stems_summing_to(mix: np.ndarray, sources: dict[str, np.ndarray], sr: int) -> Stems:
    """The four product stems from the model's sources, with the unattributed rest in ``other``."""
    stems = {name: np.zeros(mix.shape, dtype=np.float64) for name in STEM_NAMES}
    for name, audio in sources.items():
        # Models with more sources (htdemucs_6s: guitar, piano) fold them into `other`.
        stems[name if name in stems else "other"] += _fit_length(audio, mix.shape[0])
    stems["other"] += mix - sum(stems.values())
    return Stems(**{name: audio.astype(np.float32) for name, audio in stems.items()}, sample_rate=sr)


def _resample(audio: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    if sr_in == sr_out:
        return np.asarray(audio, dtype=np.float64)
    resampled = soxr.resample(np.asarray(audio, dtype=np.float64), sr_in, sr_out, quality="VHQ")
    return _fit_length(resampled, round(audio.shape[0] * sr_out / sr_in))


def _fit_length(audio: np.ndarray, frames: int) -> np.ndarray:
    if audio.shape[0] >= frames:
        return audio[:frames]
    return np.pad(audio, ((0, frames - audio.shape[0]), (0, 0)))


def _checked_mix(mix: np.ndarray, sr: int) -> np.ndarray:
    if not isinstance(sr, int) or sr <= 0:
        raise InvalidRequest.for_field("sr", f"must be a positive integer (Hz), got {sr!r}")
    audio = np.asarray(mix)
    if audio.ndim != 2 or audio.shape[1] != CHANNELS:
        raise InvalidRequest.for_field("mix", f"must have shape (frames, {CHANNELS}), got {audio.shape}")
    if audio.shape[0] == 0:
        raise InvalidRequest.for_field("mix", "must hold at least one frame")
    if not np.all(np.isfinite(audio)):
        raise InvalidRequest.for_field("mix", "must hold only finite samples")
    return audio.astype(np.float64)


def _check_options(*, shifts: int, overlap: float, segment_s: float | None) -> None:
    if not isinstance(shifts, int) or shifts < 0:
        raise InvalidRequest.for_field("shifts", f"must be an integer >= 0, got {shifts!r}")
    if not 0.0 <= overlap <= MAX_OVERLAP:
        raise InvalidRequest.for_field("overlap", f"must be in [0, {MAX_OVERLAP}], got {overlap}")
    if segment_s is not None and not segment_s > 0:
        raise InvalidRequest.for_field("segment_s", f"must be > 0 seconds, got {segment_s}")


def _check_segment(net: DemucsModel, segment_s: float | None) -> None:
    # Transformer models only know positions up to their training length.
    limits = [float(n.segment) for n in _networks(net) if isinstance(n, HTDemucs)]
    if segment_s is not None and limits and segment_s > min(limits):
        raise InvalidRequest.for_field(
            "segment_s", f"must be at most {min(limits):g} s for this model, got {segment_s}"
        )
