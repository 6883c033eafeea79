"""Studio effects as values: what a style's production chain is made of, and how to run a chain.

An effect is a small frozen value (``Drive(18.0)``, ``Filter("lowpass", 5000.0)``); a chain is a tuple of
them, run in order by :func:`apply_chain` over a ``(frames, 2)`` float32 signal. Most effects run on
pedalboard (JUCE's DSP, fast and GIL-free); the ones it lacks (tremolo, stereo width, tape wow) are
vectorised numpy. Every effect is deterministic: each run starts from fresh plugin state and LFOs start
at phase zero, so the same input always gives the same output.

Levels here are relative, never absolute: a compressor's threshold is set against the signal's own loud
level, and the non-linear effects (``Drive``, ``Compress``) give back the loudness they took or added, so a
chain changes the colour of a part, not its place in the mix (``Gain`` does that, on purpose).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pedalboard

__all__ = [
    "Chain",
    "Chorus",
    "Compress",
    "Crush",
    "Drive",
    "Effect",
    "Filter",
    "Gain",
    "Tremolo",
    "Wear",
    "Width",
    "apply_chain",
]

FILTER_KINDS = ("highpass", "lowpass", "lowshelf", "highshelf", "peak")
_LEVEL_HOP = 2048
_CONTROL_FRAMES = 64
_SILENT_DB = -90.0


@dataclass(frozen=True)
class Filter:
    """An EQ band: ``highpass``/``lowpass`` of ``slope_db`` per octave (6, 12, 18 or 24), or a
    ``lowshelf``/``highshelf``/``peak`` boost or cut of ``gain_db`` at ``hz``."""

    kind: str
    hz: float
    gain_db: float = 0.0
    q: float = 0.7071
    slope_db: int = 12

    def __post_init__(self) -> None:
        if self.kind not in FILTER_KINDS:
            raise ValueError(f"unknown filter kind {self.kind!r}; one of {FILTER_KINDS}")
        if not (10.0 <= self.hz <= 20_000.0 and self.q > 0.0):
            raise ValueError(f"filter frequency must be 10..20000 Hz and q > 0, got {self.hz}, {self.q}")
        if self.slope_db not in (6, 12, 18, 24):
            raise ValueError(f"filter slope must be 6, 12, 18 or 24 dB/octave, got {self.slope_db}")


@dataclass(frozen=True)
class Drive:
    """Saturation (tanh waveshaper) by ``drive_db``, blended ``mix`` with the dry signal, level-matched."""

    drive_db: float
    mix: float = 1.0


@dataclass(frozen=True)
class Compress:
    """A compressor whose threshold sits ``depth_db`` under the signal's loud level (its 95th percentile of
    short-term RMS). ``parallel`` < 1 blends the compressed copy with the dry signal (New York style);
    the result is level-matched to the input."""

    depth_db: float
    ratio: float = 4.0
    attack_ms: float = 10.0
    release_ms: float = 120.0
    parallel: float = 1.0


@dataclass(frozen=True)
class Chorus:
    """Pedalboard's chorus: a modulated delay, for width and shimmer (or a rotary speaker's doppler)."""

    rate_hz: float = 1.0
    depth: float = 0.25
    mix: float = 0.5
    delay_ms: float = 7.0


@dataclass(frozen=True)
class Tremolo:
    """Amplitude modulation at ``rate_hz``; ``stereo_phase`` (radians) offsets the right channel, which at
    pi pans the sound from side to side (Rhodes auto-pan, the horn of a rotary speaker)."""

    rate_hz: float
    depth: float
    stereo_phase: float = 0.0


@dataclass(frozen=True)
class Width:
    """Stereo width: the side signal scaled by ``amount`` (0 mono, 1 unchanged, > 1 wider)."""

    amount: float


@dataclass(frozen=True)
class Wear:
    """Tape and vinyl wear: slow wow and faster flutter of the playback speed (depths as fractions of
    pitch), then the band limited to ``low_hz``..``high_hz`` as an old sampler or cassette would."""

    wow: float = 0.0015
    flutter: float = 0.0004
    low_hz: float = 60.0
    high_hz: float = 9000.0


@dataclass(frozen=True)
class Crush:
    """Bit-depth reduction (early samplers): quantisation grit, blended ``mix`` with the dry signal."""

    bits: float = 12.0
    mix: float = 0.5


@dataclass(frozen=True)
class Gain:
    """A plain level change in dB (the one effect meant to move a part in the balance)."""

    gain_db: float


Effect = Filter | Drive | Compress | Chorus | Tremolo | Width | Wear | Crush | Gain
Chain = tuple[Effect, ...]


def _rms_db(audio: np.ndarray) -> float:
    power = float(np.mean(np.square(audio, dtype=np.float32), dtype=np.float64))
    return 10.0 * math.log10(power) if power > 1e-18 else _SILENT_DB


def _loud_level_db(planar: np.ndarray) -> float:
    """95th percentile of the short-term RMS (dB) over blocks that are not silent."""
    frames = planar.shape[1] // _LEVEL_HOP * _LEVEL_HOP
    if frames == 0:
        return _rms_db(planar)
    blocks = np.square(planar[:, :frames], dtype=np.float32).reshape(2, -1, _LEVEL_HOP).mean(axis=(0, 2))
    levels = 10.0 * np.log10(blocks[blocks > 1e-12])
    return float(np.percentile(levels, 95)) if levels.size else _SILENT_DB


def _matched(wet: np.ndarray, reference_db: float) -> np.ndarray:
    """``wet`` scaled to the RMS level ``reference_db`` (a silent signal stays silent)."""
    level = _rms_db(wet)
    if level <= _SILENT_DB or reference_db <= _SILENT_DB:
        return wet
    wet *= np.float32(10.0 ** ((reference_db - level) / 20.0))
    return wet


def _blend(dry: np.ndarray, wet: np.ndarray, mix: float) -> np.ndarray:
    if mix >= 1.0:
        return wet
    return dry * np.float32(1.0 - mix) + wet * np.float32(mix)


def _plugins(effect: Filter | Chorus) -> list[pedalboard.Plugin]:
    if isinstance(effect, Chorus):
        return [
            pedalboard.Chorus(
                rate_hz=effect.rate_hz, depth=effect.depth, centre_delay_ms=effect.delay_ms, mix=effect.mix
            )
        ]
    if effect.kind in ("highpass", "lowpass"):
        # pedalboard's pass filters are first order (6 dB/octave): cascade them for the slope asked.
        kind = pedalboard.HighpassFilter if effect.kind == "highpass" else pedalboard.LowpassFilter
        return [kind(effect.hz) for _ in range(effect.slope_db // 6)]
    shelf = {"lowshelf": pedalboard.LowShelfFilter, "highshelf": pedalboard.HighShelfFilter}
    return [shelf.get(effect.kind, pedalboard.PeakFilter)(effect.hz, effect.gain_db, effect.q)]


def _run(plugins: Sequence[pedalboard.Plugin], planar: np.ndarray, sr: int) -> np.ndarray:
    return pedalboard.Pedalboard(list(plugins))(planar, sr, reset=True)


def _drive(effect: Drive, planar: np.ndarray) -> np.ndarray:
    before = _rms_db(planar)
    gain = np.float32(10.0 ** (effect.drive_db / 20.0))
    wet = np.tanh(planar * gain)
    return _matched(_blend(planar, _matched(wet, before), effect.mix), before)


def _compress(effect: Compress, planar: np.ndarray, sr: int) -> np.ndarray:
    before = _rms_db(planar)
    threshold = _loud_level_db(planar) - effect.depth_db
    if threshold <= _SILENT_DB:
        return planar
    plugin = pedalboard.Compressor(threshold, effect.ratio, effect.attack_ms, effect.release_ms)
    wet = _matched(_run([plugin], planar, sr), before)
    return _matched(_blend(planar, wet, effect.parallel), before)


def _control_curve(values_at, frames: int, sr: int) -> np.ndarray:
    """A slow modulation curve ``(frames,)`` float32: ``values_at(seconds)`` evaluated every
    :data:`_CONTROL_FRAMES` frames and ramped linearly between (LFOs under 10 Hz are smooth at that
    rate, and this costs a small fraction of evaluating them per frame)."""
    blocks = -(-frames // _CONTROL_FRAMES)
    control = values_at(np.arange(blocks + 1, dtype=np.float64) * _CONTROL_FRAMES / sr).astype(np.float32)
    ramp = np.arange(_CONTROL_FRAMES, dtype=np.float32) / np.float32(_CONTROL_FRAMES)
    return (control[:-1, None] + (control[1:] - control[:-1])[:, None] * ramp).ravel()[:frames]


def _lfo(rate_hz: float, frames: int, sr: int, phase: float) -> np.ndarray:
    return _control_curve(lambda t: 0.5 + 0.5 * np.sin(2.0 * np.pi * rate_hz * t + phase), frames, sr)


def _tremolo(effect: Tremolo, planar: np.ndarray, sr: int) -> np.ndarray:
    frames = planar.shape[1]
    depth = min(max(effect.depth, 0.0), 1.0)
    # The gain swings between 1 and 1 - depth: scaled so that it averages 1 and the part keeps its level.
    scale, depth32 = np.float32(1.0 / (1.0 - depth / 2.0)), np.float32(depth)
    planar[0] *= scale * (1.0 - depth32 * _lfo(effect.rate_hz, frames, sr, 0.0))
    planar[1] *= scale * (1.0 - depth32 * _lfo(effect.rate_hz, frames, sr, effect.stereo_phase))
    return planar


def _width(effect: Width, planar: np.ndarray) -> np.ndarray:
    mid = (planar[0] + planar[1]) * np.float32(0.5)
    side = (planar[0] - planar[1]) * np.float32(0.5 * effect.amount)
    return np.stack([mid + side, mid - side])


def _wear(effect: Wear, planar: np.ndarray, sr: int) -> np.ndarray:
    """Speed modulation as a time warp (linear interpolation), then the band limit."""
    frames = planar.shape[1]

    def drift_s(t: np.ndarray) -> np.ndarray:
        # Integrated speed deviation: a 0.5 Hz wow and a 6 Hz flutter, both starting at rest.
        wow = effect.wow / (2 * np.pi * 0.5) * (1 - np.cos(2 * np.pi * 0.5 * t))
        return wow + effect.flutter / (2 * np.pi * 6.0) * (1 - np.cos(2 * np.pi * 6.0 * t))

    # The warp moves by at most a few hundred frames: split it into whole frames and a float32 fraction
    # (frame numbers themselves are too large for float32's precision).
    shift = _control_curve(drift_s, frames, sr) * np.float32(sr)
    whole = np.floor(shift)
    frac = shift - whole
    index = np.arange(frames, dtype=np.int64) + whole.astype(np.int64)
    np.clip(index, 0, frames - 2, out=index)
    warped = planar[:, index]
    warped += (planar[:, index + 1] - warped) * frac
    band = [pedalboard.HighpassFilter(effect.low_hz), pedalboard.LowpassFilter(effect.high_hz)]
    return _run(band, np.ascontiguousarray(warped, dtype=np.float32), sr)


def _crush(effect: Crush, planar: np.ndarray, sr: int) -> np.ndarray:
    before = _rms_db(planar)
    wet = _run([pedalboard.Bitcrush(effect.bits)], planar, sr)
    return _matched(_blend(planar, wet, effect.mix), before)


def _apply_one(effect: Effect, planar: np.ndarray, sr: int) -> np.ndarray:
    """One effect that is not a filter or chorus (those run in merged pedalboard passes)."""
    if isinstance(effect, Drive):
        return _drive(effect, planar)
    if isinstance(effect, Compress):
        return _compress(effect, planar, sr)
    if isinstance(effect, Tremolo):
        return _tremolo(effect, planar, sr)
    if isinstance(effect, Width):
        return _width(effect, planar)
    if isinstance(effect, Wear):
        return _wear(effect, planar, sr)
    if isinstance(effect, Crush):
        return _crush(effect, planar, sr)
    return planar * np.float32(10.0 ** (effect.gain_db / 20.0))


def _merge_filters(chain: Chain) -> list[Effect | list[pedalboard.Plugin]]:
    """Runs of filters and choruses become one pedalboard pass (one copy of the signal, not one each)."""
    steps: list[Effect | list[pedalboard.Plugin]] = []
    for effect in chain:
        if isinstance(effect, Filter | Chorus):
            if steps and isinstance(steps[-1], list):
                steps[-1].extend(_plugins(effect))
            else:
                steps.append(_plugins(effect))
        else:
            steps.append(effect)
    return steps


def apply_chain(audio: np.ndarray, chain: Chain, *, sr: int) -> np.ndarray:
    """Run ``chain`` over ``audio`` (``(frames, 2)`` float32); returns a new ``(frames, 2)`` float32 array.

    An empty chain returns ``audio`` itself. A silent input stays silent.

    Parameters
    ----------
    audio : the signal, frames first.
    chain : the effects, in order.
    sr : sample rate in Hz.
    """
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ValueError(f"audio must be (frames, 2), got {audio.shape}")
    if not chain or audio.shape[0] == 0:
        return audio
    planar = np.ascontiguousarray(audio.T, dtype=np.float32)
    for step in _merge_filters(chain):
        if isinstance(step, list):
            planar = _run(step, planar, sr)
        else:
            planar = _apply_one(step, np.ascontiguousarray(planar, dtype=np.float32), sr)
    return np.ascontiguousarray(planar.T, dtype=np.float32)
