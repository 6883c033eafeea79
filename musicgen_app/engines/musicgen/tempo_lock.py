"""Measure the tempo MusicGen actually played and time-stretch it to the tempo the user asked for.

MusicGen follows "at 120 BPM" in its text only roughly. When the user gave a tempo, the generated audio is
measured with librosa's beat tracker and stretched by ``target / measured`` with Rubber Band's R3 engine
(the ``rubberband`` program through ``pyrubberband``), or librosa's phase vocoder where the program is
missing. Beat trackers often report half or double the felt tempo, so the measurement is first folded by
octaves towards the target; a correction larger than ``max_correction`` is refused rather than applied,
because stretching that far audibly damages the audio.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass

import numpy as np
import soxr

__all__ = ["TempoLock", "lock_tempo", "measure_and_lock", "measure_tempo_bpm", "stretch_rate", "time_stretch"]

#: Rate the beat tracker runs at: plenty for onsets, and half the work of 44.1 kHz.
_ANALYSIS_SR = 22_050


@dataclass(frozen=True)
class TempoLock:
    """What tempo locking did.

    Attributes
    ----------
    measured_bpm : tempo the beat tracker found in the generated audio (0.0 when it found none).
    target_bpm : tempo asked for.
    rate : speed factor applied (> 1 is faster); 1.0 when nothing was stretched.
    locked : whether the audio now plays at ``target_bpm``.
    """

    measured_bpm: float
    target_bpm: float
    rate: float
    locked: bool


def measure_tempo_bpm(audio: np.ndarray, sr: int, *, prior_bpm: float = 120.0) -> float:
    """Global tempo of ``audio`` ``(frames, channels)`` in BPM; 0.0 when no beat is found.

    ``prior_bpm`` centres the tracker's tempo prior, so of two equally plausible octaves the one nearer to
    what was asked for wins.
    """
    import librosa

    mono = np.asarray(audio, dtype=np.float32).mean(axis=1)
    if not np.any(mono):
        return 0.0
    mono = soxr.resample(mono, sr, _ANALYSIS_SR, quality="HQ")
    tempo, _beats = librosa.beat.beat_track(y=mono, sr=_ANALYSIS_SR, start_bpm=float(prior_bpm))
    value = float(np.atleast_1d(tempo)[0])
    return value if math.isfinite(value) and value > 0 else 0.0


def stretch_rate(measured_bpm: float, target_bpm: float) -> float:
    """Speed factor that turns ``measured_bpm`` into ``target_bpm``, after octave folding.

    A tracker reading 62 BPM for music asked at 120 most likely heard half notes: 62 is folded to 124,
    and the rate is 120 / 124.
    """
    if measured_bpm <= 0 or target_bpm <= 0:
        raise ValueError("tempi must be positive")
    octaves = round(math.log2(target_bpm / measured_bpm))
    return target_bpm / (measured_bpm * 2.0**octaves)


def time_stretch(audio: np.ndarray, sr: int, rate: float) -> np.ndarray:
    """``audio`` ``(frames, channels)`` played ``rate`` times faster at the same pitch.

    Uses Rubber Band's R3 ("fine") engine when the ``rubberband`` program is installed, which keeps
    transients and stereo image; otherwise librosa's phase vocoder, channel by channel.
    """
    if shutil.which("rubberband"):
        import pyrubberband

        stretched = pyrubberband.time_stretch(audio, sr, rate, rbargs={"--fine": ""})
        return np.asarray(stretched, dtype=np.float32).reshape(-1, audio.shape[1])
    import librosa

    channels = [librosa.effects.time_stretch(audio[:, c], rate=rate) for c in range(audio.shape[1])]
    return np.stack(channels, axis=1).astype(np.float32)


def lock_tempo(
    audio: np.ndarray, sr: int, *, measured_bpm: float, target_bpm: float, max_correction: float = 0.15
) -> tuple[np.ndarray, TempoLock]:
    """Stretch ``audio`` from ``measured_bpm`` to ``target_bpm`` when the correction is small enough.

    Parameters
    ----------
    audio : ``(frames, channels)`` float32.
    sr : sample rate of ``audio``.
    measured_bpm : from :func:`measure_tempo_bpm`; 0.0 means no beat, and nothing is stretched.
    target_bpm : the tempo the user asked for.
    max_correction : largest relative speed change applied (0.15 allows rates 0.85..1.15).

    Returns
    -------
    The (possibly) stretched audio and a :class:`TempoLock` saying what happened. The length changes by
    ``1 / rate``; callers trim or pad to the exact duration afterwards.
    """
    if measured_bpm <= 0:
        return audio, TempoLock(measured_bpm, target_bpm, 1.0, False)
    rate = stretch_rate(measured_bpm, target_bpm)
    if abs(rate - 1.0) > max_correction:
        return audio, TempoLock(measured_bpm, target_bpm, 1.0, False)
    if abs(rate - 1.0) < 1e-4:
        return audio, TempoLock(measured_bpm, target_bpm, 1.0, True)
    return time_stretch(audio, sr, rate), TempoLock(measured_bpm, target_bpm, rate, True)


def measure_and_lock(
    audio: np.ndarray, sr: int, *, target_bpm: float, max_correction: float, lock: bool = True
) -> tuple[np.ndarray, float, TempoLock | None]:
    """What every model's output goes through: its tempo measured (with ``target_bpm`` as the prior)
    and, with ``lock``, stretched to ``target_bpm`` (see :func:`lock_tempo`).

    Returns
    -------
    The (possibly) stretched audio, the measured tempo, and the lock (``None`` without ``lock``).
    """
    measured_bpm = measure_tempo_bpm(audio, sr, prior_bpm=target_bpm)
    if not lock:
        return audio, measured_bpm, None
    audio, locked = lock_tempo(
        audio, sr, measured_bpm=measured_bpm, target_bpm=target_bpm, max_correction=max_correction
    )
    return audio, measured_bpm, locked
