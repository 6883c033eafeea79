"""Split a mix into vocals, drums, bass and other with Demucs.

The model runs over the track in cross-faded segments of at most its training length (7.8 s for
htdemucs), so the network's memory stays bounded whatever the track length, and each finished
segment advances the progress callback by its exact share. The segments are laid out by
:mod:`.run` rather than by ``apply_model(split=True)``, which would waste a pass on the
tail of most tracks (see there); each segment still goes through demucs' ``apply_model``.

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

from ...engines.base import ProgressFn, Stems, no_progress
from ...errors import InvalidRequest
from ...formats import CHANNELS, STEM_NAMES
from ..io import read_audio
from .files import output_format, write_stems
from .models import DemucsModel, load_model, resolve_device
from .run import max_segment_s, model_segment_s, run_model

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_OVERLAP",
    "separate",
    "separate_file",
]

DEFAULT_MODEL = "htdemucs"
#: Least fraction of a segment shared with the next: demucs' own default. With segments spread
#: evenly it costs no more than 0.1 on a 30 s track (5 segments either way, bench/demucs_cpu.py);
#: 0 saves a segment there but leaves long tracks with seams that are not cross-faded.
DEFAULT_OVERLAP = 0.25
MAX_OVERLAP = 0.9
#: Segments run at once on CPU. 0 leaves the cores to torch's own threads: on 2 cores, 2 torch
#: threads with 0 workers separate as fast as 1 torch thread with 2 workers (bench/demucs_cpu.py).
DEFAULT_WORKERS = 0


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
    workers: int = DEFAULT_WORKERS,
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
    workers : on CPU, how many segments run at once in threads (0 = one after the other); each
        uses torch's intra-op threads, so ``workers=2`` pairs with ``torch.set_num_threads(1)``.
        On 2 cores, 0 workers with 2 torch threads is as fast (bench/demucs_cpu.py).
    progress : receives the fraction of segments done after each one, increasing, the last call
        1.0; always called from the calling thread.
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
    sr = int(sr)
    _check_options(shifts=shifts, overlap=overlap, segment_s=segment_s, workers=workers)
    chosen_device = resolve_device(device)
    net = load_model(model, repo=repo, device=chosen_device)
    _check_segment(net, segment_s)
    model_sr = int(net.samplerate)
    sources = run_model(
        net,
        _resample(audio, sr, model_sr),
        overlap=overlap,
        segment_s=segment_s if segment_s is not None else model_segment_s(net),
        shifts=shifts,
        seed=seed,
        # Threads only help where the work runs on the CPU cores themselves.
        workers=workers if torch.device(chosen_device).type == "cpu" else 0,
        progress=progress,
    )
    stems = {name: _resample(source, model_sr, sr) for name, source in zip(net.sources, sources, strict=True)}
    return _stems_summing_to(audio, stems, sr)


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
    workers: int = DEFAULT_WORKERS,
    progress: ProgressFn = no_progress,
    seed: int = 0,
) -> dict[str, Path]:
    """Separate an audio file and write its four stems to ``out_dir``.

    Parameters
    ----------
    path : any audio file soundfile or ffmpeg can read; mono is used on both channels.
    out_dir : created if missing; stems are written as ``<path stem>.<stem name>.<fmt>``, tagged
        with the model and seed (24-bit for wav and flac).
    fmt : output format (``wav``, ``flac``, ``mp3``, ``ogg``); ``None`` keeps the input's format
        when it is one of those, else ``wav``.
    model, repo, shifts, overlap, segment_s, device, workers, progress, seed : as for
        :func:`separate`.

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
        workers=workers,
        progress=progress,
        seed=seed,
    )
    return write_stems(stems, out_dir, basename=path.stem, fmt=chosen_fmt, model=model, seed=seed)


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
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
        raise InvalidRequest.for_field("sr", f"must be a positive integer (Hz), got {sr!r}")
    audio = np.asarray(mix)
    if audio.ndim != 2 or audio.shape[1] != CHANNELS:
        raise InvalidRequest.for_field("mix", f"must have shape (frames, {CHANNELS}), got {audio.shape}")
    if audio.shape[0] == 0:
        raise InvalidRequest.for_field("mix", "must hold at least one frame")
    if not np.all(np.isfinite(audio)):
        raise InvalidRequest.for_field("mix", "must hold only finite samples")
    return audio.astype(np.float64)


def _check_options(*, shifts: int, overlap: float, segment_s: float | None, workers: int) -> None:
    if not isinstance(workers, int) or workers < 0:
        raise InvalidRequest.for_field("workers", f"must be an integer >= 0, got {workers!r}")
    if not isinstance(shifts, int) or shifts < 0:
        raise InvalidRequest.for_field("shifts", f"must be an integer >= 0, got {shifts!r}")
    if not 0.0 <= overlap <= MAX_OVERLAP:
        raise InvalidRequest.for_field("overlap", f"must be in [0, {MAX_OVERLAP}], got {overlap}")
    if segment_s is not None and not segment_s > 0:
        raise InvalidRequest.for_field("segment_s", f"must be > 0 seconds, got {segment_s}")


def _check_segment(net: DemucsModel, segment_s: float | None) -> None:
    # Transformer models only know positions up to their training length.
    limit = max_segment_s(net)
    if segment_s is not None and limit is not None and segment_s > limit:
        raise InvalidRequest.for_field(
            "segment_s", f"must be at most {limit:g} s for this model, got {segment_s}"
        )
