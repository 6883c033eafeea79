"""A key estimate from audio, as a test oracle (major and minor keys).

The Krumhansl-Schmuckler method (key profiles against the track's mean chroma) alone confuses a key
with its dominant or relative key on short, cadence-heavy pieces. Western music states its key at the
end, so the estimate also asks which candidate's tonic triad the final seconds sound: the score of a
key is its profile correlation plus the correlation of the ending's chroma with its tonic triad.
"""

from __future__ import annotations

import numpy as np

from musicgen_app.plan import PITCH_CLASSES

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_TRIADS = {"major": (0, 4, 7), "minor": (0, 3, 7)}
_ANALYSIS_SR = 22050
_HOP = 512


def chroma(audio: np.ndarray, sr: int) -> np.ndarray:
    """Constant-Q chroma ``(12, frames)`` of ``audio`` ``(frames, channels)``, C first."""
    import librosa

    mono = librosa.resample(
        np.asarray(audio, dtype=np.float32).mean(axis=1), orig_sr=sr, target_sr=_ANALYSIS_SR
    )
    return librosa.feature.chroma_cqt(y=mono, sr=_ANALYSIS_SR, hop_length=_HOP, bins_per_octave=36)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def estimate_key(audio: np.ndarray, sr: int, *, ending_s: float = 3.0) -> tuple[str, str, float]:
    """``(tonic, "major" | "minor", score)`` of the best key for ``audio`` ``(frames, channels)``."""
    frames = chroma(audio, sr)
    overall = frames.mean(axis=1)
    last = max(1, int(ending_s * _ANALYSIS_SR / _HOP))
    ending = frames[:, -last:].mean(axis=1)
    best = ("C", "major", -4.0)
    for shift, tonic in enumerate(PITCH_CLASSES):
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR)):
            triad = np.zeros(12)
            triad[[(shift + step) % 12 for step in _TRIADS[mode]]] = 1.0
            score = _corr(overall, np.roll(profile, shift)) + _corr(ending, triad)
            if score > best[2]:
                best = (tonic, mode, score)
    return best
