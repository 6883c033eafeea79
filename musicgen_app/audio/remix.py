"""Remix a track from its four stems with a level per stem: read, apply gains, master, encode.

The same stages as every other file of a track (``io.read_audio``, ``master.master``,
``encode.encode_audio`` with the track's provenance tags): a remix is a file like the others. The stems
of a track carry the mastering gain and sum to the mix, so a remix at 0 dB on every stem gives the mix
back; other levels change the balance, and the remix is mastered again so that it neither clips nor
drops far below the loudness target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engines.base import Stems
from ..errors import ErrorDetail, InvalidRequest
from ..formats import OUTPUT_FORMATS, STEM_NAMES
from .encode import encode_audio
from .io import read_audio
from .loudness import SILENCE_DB, sample_peak_dbfs
from .master import master
from .tags import Tags

__all__ = [
    "MAX_GAIN_DB",
    "MIN_GAIN_DB",
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
        paths = [Path(stem_paths[n]) for n in STEM_NAMES]
        results = dict(zip(STEM_NAMES, pool.map(read_audio, paths), strict=True))
    decoded = {name: audio for name, (audio, _sr) in results.items()}
    rates = {sr for _audio, sr in results.values()}
    if len(rates) != 1:
        raise InvalidRequest.for_field("stems", f"sample rates differ: {sorted(rates)}")
    frames = min(audio.shape[0] for audio in decoded.values())
    return {name: audio[:frames] for name, audio in decoded.items()}, rates.pop()


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


def _remaster(
    stems: Mapping[str, np.ndarray], gains: Mapping[str, float], sr: int
) -> tuple[np.ndarray, float | None]:
    """The gained stems summed and mastered as the pipeline masters a track (silence left as it is)."""
    gained = _gained(stems, gains)
    if all(not np.any(audio) for audio in gained.values()):
        return np.zeros_like(gained[STEM_NAMES[0]]), None  # all muted: nothing to measure or gain
    mastered = master(Stems(**gained, sample_rate=sr))
    return mastered.stems.mix(), float(mastered.loudness_lufs)


def remix_stems(
    stem_paths: Mapping[str, Path],
    gains_db: Mapping[str, float],
    out_path: Path,
    *,
    tags: Tags,
    fmt: str = "wav",
) -> RemixResult:
    """Render a remix of four stem files into ``out_path`` (written atomically).

    Parameters
    ----------
    stem_paths : a file per stem name (``vocals``, ``drums``, ``bass``, ``other``); any format
        soundfile decodes.
    gains_db : level per stem in dB, up to :data:`MAX_GAIN_DB`; at or below :data:`MIN_GAIN_DB` mutes.
        Stems left out stay at 0 dB.
    out_path : where the encoded remix goes.
    tags : provenance of the track remixed (the remix says what it was made from in ``comment``).
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
    levels = ", ".join(f"{name} {_level_text(gains[name])}" for name in STEM_NAMES)
    remix_tags = Tags(**{**tags.__dict__, "comment": f"remix: {levels}"})
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    encode_audio(mix, sr, out_path, fmt, tags=remix_tags)
    peak = sample_peak_dbfs(np.clip(mix, -1.0, 1.0))
    return RemixResult(
        path=Path(out_path),
        gains_db=gains,
        duration_s=mix.shape[0] / sr,
        peak_dbfs=float("-inf") if peak <= SILENCE_DB else peak,
        loudness_lufs=loudness_lufs,
    )


def _level_text(level_db: float) -> str:
    return "muted" if level_db == float("-inf") else f"{level_db:+.1f} dB"
