"""Splicing a new render into a parent's mastered audio: the gain that matches the two, and joins
that neither jump nor click.

An edit renders its score again; the parent's kept samples are taken as they are, and the new span
is scaled by the parent's mastering gain, found by comparing the two renders where they play the same
notes (least squares), so the level does not move at a join.
"""

from __future__ import annotations

import numpy as np

__all__ = ["JOIN_FRAMES", "fade_into", "matching_gain", "matching_gains", "ramp_onto"]

#: Frames over which the (tiny) difference between two renders at a join is ramped away: 5 ms, under
#: any audible transient.
JOIN_FRAMES = 220
_GAIN_WINDOW_S = 8.0
#: How far a stem's level may stray from the mastering gain before it counts as remixed (renders of the
#: same notes differ by a fraction of a dB: reverb tails and ambience seeds).
_REMIXED_DB = 1.5


def matching_gain(parent: np.ndarray, raw: np.ndarray, start: int, stop: int, sr: int) -> float:
    """The gain that maps ``raw`` onto ``parent`` over ``[start, stop)`` frames (at most the last
    8 s of it: the level next to the join is what must match)."""
    start = max(start, stop - round(_GAIN_WINDOW_S * sr))
    ours, theirs = raw[start:stop].astype(np.float64), parent[start:stop].astype(np.float64)
    energy = float(np.sum(ours * ours))
    return float(np.sum(ours * theirs) / energy) if energy > 0 else 1.0


def matching_gains(
    parent: dict[str, np.ndarray], raw, start: int, stop: int, sr: int
) -> dict[str, np.float32]:
    """Per stem, the gain mapping the new render ``raw`` (a ``Stems``) onto the parent's stem over
    ``[start, stop)`` frames.

    Mastering gave every stem the same gain: that is the mix's least-squares gain. A stem whose level
    (RMS) differs from it by more than :data:`_REMIXED_DB` was set apart by a remix (lowered, raised or
    muted), and keeps that level in the new music. Levels, not least squares, tell that: a stem whose
    ambience was seeded differently still has the same level.
    """
    mix_gain = matching_gain(sum(parent.values()), raw.mix(), start, stop, sr)
    start = max(start, stop - round(_GAIN_WINDOW_S * sr))
    gains = {}
    for name, audio in raw.items():
        ours = (
            float(np.sqrt(np.mean(np.square(audio[start:stop], dtype=np.float64)))) if stop > start else 0.0
        )
        theirs = (
            float(np.sqrt(np.mean(np.square(parent[name][start:stop], dtype=np.float64))))
            if stop > start
            else 0.0
        )
        gain = mix_gain
        if ours > 1e-5 and mix_gain > 0:
            level = theirs / ours
            if level <= 0 or abs(20 * np.log10(level / mix_gain)) > _REMIXED_DB:
                gain = level
        gains[name] = np.float32(gain)
    return gains


def ramp_onto(kept_last: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``new`` (``(frames, 2)``, owned) continuing from the kept sample ``kept_last`` without a step:
    the gap between them, extrapolated one frame back, is ramped to nothing over :data:`JOIN_FRAMES`."""
    if not new.shape[0]:
        return new
    before = 2 * new[0] - new[1] if new.shape[0] > 1 else new[0]
    span = min(JOIN_FRAMES, new.shape[0])
    new[:span] += (kept_last - before)[None, :] * np.linspace(1.0, 0.0, span, dtype=np.float32)[:, None]
    return new


def fade_into(new: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """An equal-gain crossfade (``(frames, 2)`` each, same length) from ``new`` to ``kept``: the two
    play the same notes there, so the sum holds its level."""
    weight = np.linspace(0.0, 1.0, new.shape[0], dtype=np.float32)[:, None]
    return (1.0 - weight) * new + weight * kept
