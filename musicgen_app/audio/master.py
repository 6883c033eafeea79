"""Mastering: bring the stems to the loudness target under the true-peak ceiling, as one.

Every stem gets the same per-frame gain, so the mastered stems still sum to the mastered mix. The gain
is a static gain to the target and, under :attr:`LoudnessStrategy.LIMIT` when the true peak would pass
the ceiling, a linked look-ahead limiter whose envelope is computed from the mix:

1. per-frame true peaks of the mix (4x oversampled), reduced to cells of about 0.5 ms;
2. the attenuation each cell needs, released exponentially (a running max, no per-sample loop);
3. held over the look-ahead and smoothed by two box filters, so the gain is already down when the
   peak arrives and moves without clicks; frames interpolate linearly between cell knots.

Without limiting, the loudness and true peak of the result are those of the mix shifted by the gain
(both meters are homogeneous in gain, so this is exact). With the limiter, the static gain is solved on
a cheap model of the limited loudness, the limited mix is then measured for real, and a last static
trim (which shifts both measures by exactly its own size) lands it on the target without crossing
the ceiling; if the limiter let a peak through, another round aims it lower.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from ..engines.base import Stems
from ..formats import STEM_NAMES, TARGET_LUFS, TRUE_PEAK_CEILING_DBTP
from .loudness import (
    SILENCE_LUFS,
    amplitude_to_db,
    frame_true_peaks,
    hop_energy,
    hop_frames,
    integrated_loudness_lufs,
    k_weighted_power,
    loudness_from_hop_energy,
    true_peak_dbtp,
)

__all__ = ["MAX_GAIN_DB", "LoudnessStrategy", "MasterResult", "master", "measure"]

#: Never amplify by more than this: near-silence stays quiet instead of turning into loud noise.
MAX_GAIN_DB = 30.0

_CELL_S = 0.0005  # envelope resolution; cells divide the 100 ms loudness hop exactly
_ATTACK_S = 0.0025  # each of the two smoothing boxes; the look-ahead is twice this
_RELEASE_S = 0.06  # time constant of the (exponential, in dB) release
_LIMITER_MARGIN_DB = 0.2  # the gain moves inside the interpolation kernel: aim a little lower
_SOLVE_TOLERANCE_LU = 0.02
_MAX_SOLVE_STEPS = 40
_ACCEPT_LU = 0.3  # after the trim, a round further off than this runs again
_MAX_ROUNDS = 3
_TRIM_GUARD_DB = 0.001  # keeps float32 rounding from nudging a trimmed peak over the ceiling


class LoudnessStrategy(StrEnum):
    """How :func:`master` reaches the loudness target."""

    #: Static gain to the target; a linked true-peak limiter when the peak would pass the ceiling.
    LIMIT = "limit"
    #: Static gain only, lowered when needed to keep the true peak under the ceiling; the loudness
    #: may fall short of the target, the dynamics are untouched.
    GAIN_ONLY = "gain_only"


@dataclass(frozen=True)
class MasterResult:
    """What :func:`master` made.

    Attributes
    ----------
    stems : the mastered stems; their sum is the mastered mix.
    gain_db : the static gain applied to every stem (the limiter works on top of it).
    loudness_lufs : integrated loudness of the mastered mix.
    true_peak_dbtp : true peak of the mastered mix.
    strategy : the strategy that was asked for.
    limiter_reduction_db : the deepest gain reduction of the limiter, 0.0 when it did not act.
    """

    stems: Stems
    gain_db: float
    loudness_lufs: float
    true_peak_dbtp: float
    strategy: LoudnessStrategy = LoudnessStrategy.LIMIT
    limiter_reduction_db: float = 0.0


@dataclass(frozen=True)
class _Analysis:
    """The mix, measured once: everything the gain solve needs, at cell resolution."""

    loudness_lufs: float
    peak_db: float  # true peak of the whole mix
    cell: int  # frames per cell
    hop: int  # frames per loudness hop (a whole number of cells)
    cell_peak_db: np.ndarray  # true peak of each cell, covering every frame
    cell_energy: np.ndarray  # K-weighted energy of each cell, covering whole hops only


def _cell_frames(hop: int, sr: int) -> int:
    """The divisor of ``hop`` closest to ``_CELL_S`` seconds, so cells tile loudness hops exactly."""
    wanted = max(1, round(_CELL_S * sr))
    divisors = [d for d in range(1, 2 * wanted + 1) if hop % d == 0]
    return min(divisors, key=lambda d: abs(d - wanted))


def _analyse(mix: np.ndarray, sr: int) -> _Analysis:
    hop = hop_frames(sr)
    cell = _cell_frames(hop, sr)
    # the two meters are independent and release the GIL (scipy's filter, a nogil numba kernel)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="true-peak") as side:
        peaks_future = side.submit(frame_true_peaks, mix)
        power = k_weighted_power(mix, sr)
        peaks = peaks_future.result()
    cells = -(-len(peaks) // cell)
    padded = np.zeros(cells * cell, dtype=np.float32)
    padded[: len(peaks)] = peaks
    cell_peak = padded.reshape(cells, cell).max(axis=1)
    with np.errstate(divide="ignore"):
        cell_peak_db = 20.0 * np.log10(cell_peak.astype(np.float64))
    return _Analysis(
        loudness_lufs=loudness_from_hop_energy(hop_energy(power, hop), hop),
        peak_db=amplitude_to_db(peaks.max(initial=0.0)),
        cell=cell,
        hop=hop,
        cell_peak_db=cell_peak_db,
        cell_energy=hop_energy(power, cell)[: (len(power) // hop) * (hop // cell)],
    )


def _limiter_knots_db(analysis: _Analysis, gain_db: float, limit_db: float, sr: int) -> np.ndarray:
    """Attenuation in dB (>= 0) at each cell start, plus a closing knot: ``cells + 1`` values.

    A frame in cell ``c`` gets a gain between knots ``c`` and ``c + 1``; both cover the need of cell
    ``c`` because the need is first dilated one cell forward, and the hold window spans both boxes.
    """
    need = np.maximum(analysis.cell_peak_db + gain_db - limit_db, 0.0)
    need[1:] = np.maximum(need[1:], need[:-1])
    cell_s = analysis.cell / sr
    # Exponential release, max_k need[k] * exp(-(c - k) * cell_s / tau), as a running max in the log
    # domain: deep reductions recover quickly at first, as an analogue one-pole release would.
    decay = (cell_s / _RELEASE_S) * np.arange(len(need))
    with np.errstate(divide="ignore"):
        released = np.exp(np.maximum.accumulate(np.log(need) + decay) - decay)
    box = max(1, round(_ATTACK_S / cell_s))
    held = maximum_filter1d(released, 2 * box + 1, origin=-box, mode="constant")
    smooth = uniform_filter1d(held, box + 1, origin=box // 2, mode="nearest")
    smooth = uniform_filter1d(smooth, box + 1, origin=box // 2, mode="nearest")
    return np.append(smooth, smooth[-1])


def _modelled_loudness(analysis: _Analysis, gain_db: float, knots_db: np.ndarray) -> float:
    """Loudness after gain and limiter, assuming the limiter gain is constant inside each cell."""
    cells = len(analysis.cell_energy)
    mid_db = 0.5 * (knots_db[:cells] + knots_db[1 : cells + 1])
    weighted = analysis.cell_energy * 10.0 ** ((gain_db - mid_db) / 10.0)
    per_hop = analysis.hop // analysis.cell
    return loudness_from_hop_energy(weighted.reshape(-1, per_hop).sum(axis=1), analysis.hop)


def _solve_gain_db(analysis: _Analysis, target_lufs: float, limit_db: float, sr: int) -> float:
    """The static gain whose limited loudness (as modelled) meets the target.

    Secant steps kept inside a bracket (bisection when a step leaves it). The modelled loudness rises
    almost linearly with the gain until the limiter saturates, so this takes 2-4 evaluations.
    """

    def shortfall(gain_db: float) -> float:
        knots = _limiter_knots_db(analysis, gain_db, limit_db, sr)
        return target_lufs - _modelled_loudness(analysis, gain_db, knots)

    low = target_lufs - analysis.loudness_lufs  # the limiter only takes loudness away
    high = MAX_GAIN_DB
    if low >= high:
        return high
    x0, f0 = low, shortfall(low)
    x1 = min(low + f0, high)
    for _ in range(_MAX_SOLVE_STEPS):
        f1 = shortfall(x1)
        if abs(f1) <= _SOLVE_TOLERANCE_LU or (x1 >= high and f1 > 0.0):
            return x1  # on target, or out of reach and as loud as the caps allow
        low, high = (x1, high) if f1 > 0.0 else (low, x1)
        step = x1 - f1 * (x1 - x0) / (f1 - f0) if f1 != f0 else high
        x0, f0, x1 = x1, f1, step if low < step < high else 0.5 * (low + high)
    return low


def _frame_gains(gain_db: float, knots_db: np.ndarray, frames: int, cell: int) -> np.ndarray:
    """Linear gain per frame (float32): linear interpolation between cell knots."""
    knots = (10.0 ** ((gain_db - knots_db) / 20.0)).astype(np.float32)
    fraction = np.arange(cell, dtype=np.float32) / cell
    gains = knots[:-1, None] + np.diff(knots)[:, None] * fraction[None, :]
    return gains.reshape(-1)[:frames]


def _scaled(audio: np.ndarray, interleaved_gains: np.ndarray) -> np.ndarray:
    """``audio * gains[:, None]`` as one flat product: 3x faster than broadcasting over 2 channels."""
    return (audio.reshape(-1) * interleaved_gains).reshape(audio.shape)


def _check_levels(target_lufs: float, ceiling_dbtp: float) -> None:
    if not -70.0 < target_lufs < 0.0:
        raise ValueError(f"target_lufs must be in (-70, 0), got {target_lufs!r}")
    if not -60.0 < ceiling_dbtp <= 0.0:
        raise ValueError(f"ceiling_dbtp must be in (-60, 0], got {ceiling_dbtp!r}")


def _static_result(
    stems: Stems, gain_db: float, analysis: _Analysis, strategy: LoudnessStrategy
) -> MasterResult:
    """A static gain shifts loudness and true peak by exactly ``gain_db``: no need to measure again."""
    factor = np.float32(10.0 ** (gain_db / 20.0))
    mastered = stems if gain_db == 0.0 else stems.map(lambda audio: audio * factor)
    loudness = analysis.loudness_lufs + gain_db if analysis.loudness_lufs > SILENCE_LUFS else SILENCE_LUFS
    return MasterResult(mastered, gain_db, loudness, analysis.peak_db + gain_db, strategy)


def master(
    stems: Stems,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP,
    strategy: LoudnessStrategy | str = LoudnessStrategy.LIMIT,
) -> MasterResult:
    """Master ``stems`` to ``target_lufs`` integrated with the true peak at or under ``ceiling_dbtp``.

    Parameters
    ----------
    stems : Stems
        Four float32 ``(frames, 2)`` stems; their sum is the mix that is measured.
    target_lufs : float
        Integrated loudness to reach (BS.1770-4), in LUFS.
    ceiling_dbtp : float
        Highest true peak allowed (4x oversampled), in dBTP.
    strategy : LoudnessStrategy or str
        ``limit`` (default) or ``gain_only``; see :class:`LoudnessStrategy`.

    Returns
    -------
    MasterResult
        Mastered stems (every stem scaled by the same per-frame gain) and the measures of their mix.
        Silence (no block above -70 LUFS) is returned unchanged; near-silence gets at most
        :data:`MAX_GAIN_DB`, so the target is then not reached.
    """
    _check_levels(target_lufs, ceiling_dbtp)
    strategy = LoudnessStrategy(strategy)
    sr = stems.sample_rate
    mix = stems.mix()
    analysis = _analyse(mix, sr)
    if analysis.loudness_lufs <= SILENCE_LUFS:
        return _static_result(stems, 0.0, analysis, strategy)
    gain_db = min(target_lufs - analysis.loudness_lufs, MAX_GAIN_DB)
    if strategy is LoudnessStrategy.GAIN_ONLY or analysis.peak_db + gain_db <= ceiling_dbtp:
        headroom_db = ceiling_dbtp - _TRIM_GUARD_DB - analysis.peak_db
        return _static_result(stems, min(gain_db, headroom_db), analysis, strategy)
    return _limited_result(stems, mix, analysis, target_lufs, ceiling_dbtp)


def measure(stems: Stems) -> MasterResult:
    """The loudness and true peak of already-mastered ``stems``, left as they are (gain 0 dB).

    For an edit that keeps part of a mastered track sample for sample: mastering it again would move
    the kept samples.
    """
    return _static_result(stems, 0.0, _analyse(stems.mix(), stems.sample_rate), LoudnessStrategy.LIMIT)


def _limited_result(
    stems: Stems, mix: np.ndarray, analysis: _Analysis, target_lufs: float, ceiling_dbtp: float
) -> MasterResult:
    """Solve, limit, measure the limited mix, trim; another round if the limiter overshot.

    The limited mix is measured as ``mix * gains``, which is the sum of the mastered stems up to
    float32 rounding (about 1e-7 relative, far below 0.01 dB).
    """
    sr = stems.sample_rate
    limit_db = ceiling_dbtp - _LIMITER_MARGIN_DB
    for _ in range(_MAX_ROUNDS):
        gain_db = _solve_gain_db(analysis, target_lufs, limit_db, sr)
        knots = _limiter_knots_db(analysis, gain_db, limit_db, sr)
        gains = np.repeat(_frame_gains(gain_db, knots, stems.frames, analysis.cell), mix.shape[1])
        limited = _scaled(mix, gains)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="true-peak") as side:
            peak_future = side.submit(true_peak_dbtp, limited, sr)
            loudness = integrated_loudness_lufs(limited, sr)
            peak = peak_future.result()
        trim_db = min(target_lufs - loudness, ceiling_dbtp - _TRIM_GUARD_DB - peak, MAX_GAIN_DB - gain_db)
        overshoot_db = peak - limit_db
        if abs(loudness + trim_db - target_lufs) <= _ACCEPT_LU or overshoot_db < 0.05:
            break  # landed, or short for want of gain (caps), which another round cannot change
        # The trim was held back by the ceiling because the limiter let peaks through: aim lower.
        limit_db -= overshoot_db
    gains *= np.float32(10.0 ** (trim_db / 20.0))
    # two stems at a time: each product is a pass over 100 MB at 300 s, and numpy releases the GIL
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="master") as pool:
        scaled = pool.map(lambda name: _scaled(getattr(stems, name), gains), STEM_NAMES)
        mastered = Stems(**dict(zip(STEM_NAMES, scaled, strict=True)), sample_rate=sr)
    return MasterResult(
        stems=mastered,
        gain_db=gain_db + trim_db,
        loudness_lufs=loudness + trim_db,
        true_peak_dbtp=peak + trim_db,
        strategy=LoudnessStrategy.LIMIT,
        limiter_reduction_db=float(knots.max()),
    )
