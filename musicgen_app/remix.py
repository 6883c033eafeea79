"""Remix a track from its four stems with a level per stem: decode, apply gains, re-master, encode.

The stems of a track already carry the mastering gain and sum to the mix, so a remix at 0 dB on every
stem gives the mix back. Other levels change the balance; the result is then mastered again (the same
gain for the whole remix, as the pipeline does) so that it neither clips nor drops far below the
loudness target. When :mod:`musicgen_app.audio.master` is not installed, a peak-safe gain takes its place.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .errors import ErrorDetail, InvalidRequest
from .formats import CHANNELS, OUTPUT_FORMATS, STEM_NAMES

__all__ = [
    "MAX_GAIN_DB",
    "MIN_GAIN_DB",
    "PEAK_CEILING_DBFS",
    "RemixResult",
    "check_gains",
    "db_to_gain",
    "load_stems",
    "mix_stems",
    "remix_file_name",
    "remix_stems",
]

#: A level at or below this is a mute (-inf dB): the slider's bottom end.
MIN_GAIN_DB = -60.0
MAX_GAIN_DB = 6.0
#: Sample-peak ceiling of the peak-safe fallback; below the -1 dBTP contract to leave room for
#: inter-sample peaks and lossy encoders.
PEAK_CEILING_DBFS = -1.5

_WRITE_BLOCK_FRAMES = 1 << 16
_SOUNDFILE_FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
}


@dataclass(frozen=True)
class RemixResult:
    """A rendered remix.

    Attributes
    ----------
    path : the encoded file.
    gains_db : the level applied to each stem (``-inf`` for a muted one).
    duration_s : length of the remix in seconds.
    peak_dbfs : sample peak of the encoded signal (``-inf`` for silence).
    loudness_lufs : integrated loudness after mastering, when the mastering stage measured it.
    """

    path: Path
    gains_db: dict[str, float]
    duration_s: float
    peak_dbfs: float
    loudness_lufs: float | None = None


def db_to_gain(gain_db: float) -> float:
    """Linear amplitude factor for ``gain_db``; levels at or below :data:`MIN_GAIN_DB` mute (0.0)."""
    if gain_db <= MIN_GAIN_DB:
        return 0.0
    return float(10.0 ** (gain_db / 20.0))


def check_gains(gains_db: Mapping[str, float]) -> dict[str, float]:
    """Validate per-stem levels; a stem left out stays at 0 dB and a mute becomes ``-inf``.

    Raises
    ------
    InvalidRequest
        For an unknown stem name, a non-number, or a level above :data:`MAX_GAIN_DB`.
    """
    errors: list[ErrorDetail] = []
    levels = dict.fromkeys(STEM_NAMES, 0.0)
    for name, value in gains_db.items():
        field = f"gains_db.{name}"
        if name not in STEM_NAMES:
            errors.append(ErrorDetail(field, f"is not a stem; stems are {', '.join(STEM_NAMES)}"))
        elif isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            errors.append(ErrorDetail(field, "must be a number of decibels"))
        elif value > MAX_GAIN_DB:
            errors.append(ErrorDetail(field, f"must be at most {MAX_GAIN_DB:+g} dB"))
        else:
            levels[name] = float("-inf") if value <= MIN_GAIN_DB else float(value)
    if errors:
        raise InvalidRequest("; ".join(f"{e.field}: {e.rule}" for e in errors), details=errors)
    return levels


def remix_file_name(gains_db: Mapping[str, float], fmt: str) -> str:
    """A stable file name for a set of levels, so the same remix is rendered once and then reused."""
    parts = []
    for name in STEM_NAMES:
        level = gains_db.get(name, 0.0)
        parts.append(f"{name[0]}{'mute' if level <= MIN_GAIN_DB else f'{level:+.1f}'}")
    return f"remix_{'_'.join(parts)}.{fmt}"


def load_stems(stem_paths: Mapping[str, Path]) -> tuple[dict[str, np.ndarray], int]:
    """Decode the four stem files into float32 ``(frames, 2)`` arrays of equal length.

    Lossy decoders can disagree by a few frames, so every stem is cut to the shortest one.

    Raises
    ------
    InvalidRequest
        When a stem is missing from ``stem_paths`` or the files differ in sample rate.
    """
    missing = [name for name in STEM_NAMES if name not in stem_paths]
    if missing:
        raise InvalidRequest.for_field("stems", f"missing {', '.join(missing)}")
    # two at a time: libsndfile releases the GIL while it decodes
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(STEM_NAMES, pool.map(_decode, [stem_paths[n] for n in STEM_NAMES]), strict=True))
    decoded = {name: audio for name, (audio, _sr) in results.items()}
    rates = {sr for _audio, sr in results.values()}
    if len(rates) != 1:
        raise InvalidRequest.for_field("stems", f"sample rates differ: {sorted(rates)}")
    frames = min(audio.shape[0] for audio in decoded.values())
    return {name: audio[:frames] for name, audio in decoded.items()}, rates.pop()


def _decode(path: Path) -> tuple[np.ndarray, int]:
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return _as_stereo(audio), sr


def _as_stereo(audio: np.ndarray) -> np.ndarray:
    if audio.shape[1] == CHANNELS:
        return audio
    if audio.shape[1] == 1:
        return np.repeat(audio, CHANNELS, axis=1)
    return audio[:, :CHANNELS]


def _gained(stems: Mapping[str, np.ndarray], levels: Mapping[str, float]) -> dict[str, np.ndarray]:
    frames = min(audio.shape[0] for audio in stems.values())
    return {name: (db_to_gain(levels[name]) * stems[name][:frames]).astype(np.float32) for name in STEM_NAMES}


def mix_stems(stems: Mapping[str, np.ndarray], gains_db: Mapping[str, float]) -> np.ndarray:
    """Sum of the stems, each scaled by its level; float32 ``(frames, 2)``.

    ``gains_db`` is read through :func:`check_gains` (missing stems at 0 dB).
    """
    gained = _gained(stems, check_gains(gains_db))
    total = np.zeros_like(gained[STEM_NAMES[0]], dtype=np.float64)
    for audio in gained.values():
        total += audio
    return total.astype(np.float32)


def _peak_dbfs(audio: np.ndarray) -> float:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0.0 else float("-inf")


def _peak_safe(mix: np.ndarray) -> np.ndarray:
    """Turn the whole mix down just enough to keep its sample peak under the ceiling."""
    peak_db = _peak_dbfs(mix)
    if peak_db <= PEAK_CEILING_DBFS:
        return mix
    return (mix * db_to_gain(PEAK_CEILING_DBFS - peak_db)).astype(np.float32)


def _remaster(
    stems: Mapping[str, np.ndarray], gains: Mapping[str, float], sr: int
) -> tuple[np.ndarray, float | None]:
    """The gained stems summed and mastered by the pipeline's mastering stage when it is installed."""
    mix = mix_stems(stems, gains)
    if _peak_dbfs(mix) == float("-inf"):
        return mix, None  # all muted: nothing to measure, and silence needs no gain
    try:
        from .audio.master import master
        from .engines.base import Stems
    except ImportError:
        return _peak_safe(mix), None
    mastered = master(Stems(**_gained(stems, gains), sample_rate=sr))
    return mastered.stems.mix(), float(mastered.loudness_lufs)


def _write_atomic(audio: np.ndarray, sr: int, path: Path, fmt: str) -> None:
    container, subtype = _SOUNDFILE_FORMATS[fmt]
    path.parent.mkdir(parents=True, exist_ok=True)
    # unique per writer: two requests may render the same remix at once; the last rename wins
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    clipped = np.clip(audio, -1.0, 1.0)
    try:
        # in blocks: libsndfile's Vorbis encoder crashes on one very long write (minutes of audio)
        with sf.SoundFile(str(tmp), "w", sr, CHANNELS, format=container, subtype=subtype) as out:
            for start in range(0, clipped.shape[0], _WRITE_BLOCK_FRAMES):
                out.write(clipped[start : start + _WRITE_BLOCK_FRAMES])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remix_stems(
    stem_paths: Mapping[str, Path], gains_db: Mapping[str, float], out_path: Path, *, fmt: str = "wav"
) -> RemixResult:
    """Render a remix of four stem files into ``out_path`` (written atomically).

    Parameters
    ----------
    stem_paths : a file per stem name (``vocals``, ``drums``, ``bass``, ``other``); any format
        soundfile decodes.
    gains_db : level per stem in dB, up to :data:`MAX_GAIN_DB`; at or below :data:`MIN_GAIN_DB` mutes.
        Stems left out stay at 0 dB.
    out_path : where the encoded remix goes.
    fmt : one of :data:`~musicgen_app.formats.OUTPUT_FORMATS`.

    Raises
    ------
    InvalidRequest
        For bad levels, a missing stem or an unknown format.
    """
    if fmt not in OUTPUT_FORMATS:
        raise InvalidRequest.for_field("format", f"must be one of {', '.join(OUTPUT_FORMATS)}")
    gains = check_gains(gains_db)
    stems, sr = load_stems(stem_paths)
    mix, loudness_lufs = _remaster(stems, gains, sr)
    _write_atomic(mix, sr, Path(out_path), fmt)
    return RemixResult(
        path=Path(out_path),
        gains_db=gains,
        duration_s=mix.shape[0] / sr,
        peak_dbfs=_peak_dbfs(np.clip(mix, -1.0, 1.0)),
        loudness_lufs=loudness_lufs,
    )
