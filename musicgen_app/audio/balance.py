"""Loudness balance and spectrum of a track's stems: numbers to judge a production change by, beside
the ears (``make demo`` shows them per genre).

For each stem (and the mix): integrated loudness, its level against the mix, and how its energy spreads
over five bands (sub, low, low-mid, high-mid, air). Kick-and-bass against the rest is what separates a
trap mix from a rock mix long before any melody does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from .loudness import integrated_loudness_lufs

__all__ = ["BANDS", "StemReadout", "stem_readouts"]

#: ``(name, low_hz, high_hz)`` of the bands the readout reports.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("sub", 20.0, 60.0),
    ("low", 60.0, 250.0),
    ("low-mid", 250.0, 2000.0),
    ("high-mid", 2000.0, 6000.0),
    ("air", 6000.0, 20000.0),
)
_SILENT_DB = -120.0


@dataclass(frozen=True)
class StemReadout:
    """The balance of one stem.

    Attributes
    ----------
    name : stem name, or ``mix``.
    loudness_lufs : integrated loudness (BS.1770); -inf-like -120 for silence.
    vs_mix_db : RMS level against the mix's RMS (0 for the mix itself).
    band_percent : share of the stem's energy in each of :data:`BANDS`, in percent.
    """

    name: str
    loudness_lufs: float
    vs_mix_db: float
    band_percent: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _rms_db(audio: np.ndarray) -> float:
    power = float(np.mean(np.square(audio, dtype=np.float64)))
    return 10.0 * math.log10(power) if power > 1e-24 else _SILENT_DB


def _band_percent(audio: np.ndarray, sr: int) -> dict[str, float]:
    mono = audio.mean(axis=1, dtype=np.float64)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / sr)
    total = float(power[(freqs >= BANDS[0][1]) & (freqs < BANDS[-1][2])].sum())
    if total <= 0.0:
        return {name: 0.0 for name, _, _ in BANDS}
    return {
        name: round(100.0 * float(power[(freqs >= low) & (freqs < high)].sum()) / total, 1)
        for name, low, high in BANDS
    }


def _loudness(audio: np.ndarray, sr: int) -> float:
    value = integrated_loudness_lufs(audio, sr)
    return round(value, 1) if math.isfinite(value) else _SILENT_DB


def stem_readouts(stems: Mapping[str, np.ndarray], sr: int) -> list[StemReadout]:
    """The mix (sum of ``stems``) first, then each stem: loudness, level against the mix, band shares.

    Parameters
    ----------
    stems : stem name -> ``(frames, channels)`` float audio, all of one length.
    sr : sample rate in Hz.
    """
    if not stems:
        raise ValueError("stem_readouts needs at least one stem")
    arrays = {name: np.asarray(audio, dtype=np.float32) for name, audio in stems.items()}
    if len({a.shape for a in arrays.values()}) != 1:
        raise ValueError("stems must all have the same shape")
    mix = sum(arrays.values(), np.zeros_like(next(iter(arrays.values()))))
    mix_db = _rms_db(mix)
    readouts = [StemReadout("mix", _loudness(mix, sr), 0.0, _band_percent(mix, sr))]
    for name, audio in arrays.items():
        level = _rms_db(audio)
        vs_mix = round(level - mix_db, 1) if level > _SILENT_DB else _SILENT_DB
        readouts.append(StemReadout(name, _loudness(audio, sr), vs_mix, _band_percent(audio, sr)))
    return readouts
