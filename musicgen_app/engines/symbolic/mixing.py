"""Mixing of rendered parts into stems: gain, pan, sidechain ducking, a shared reverb, EQ, a bus compressor.

Every step is linear per part or applies one gain curve to every stem, so the stems always sum to the mix:

- a part's reverb return is added to that part's stem (the reverb is linear, so reverberating each stem's
  send bus equals reverberating every part on its own);
- EQ (high-pass, brightness tilt) filters each stem: it is linear and the same for the stem's parts;
- the bus compressor's gain is computed from the full mix and applied identically to each stem.

All processing is vectorised numpy/scipy and deterministic: the reverb's impulse response is synthesised
from a fixed seed, so every track is in the same room.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import soxr
from scipy import fft as sp_fft
from scipy import signal

from .score import Part, Score, beats_to_seconds
from .styles.production import production_for

__all__ = [
    "MixSettings",
    "apply_gain_pan",
    "apply_reverb",
    "bus_compressor_gain",
    "db_to_gain",
    "duck_envelope",
    "equalize_stem",
    "kick_frames",
    "mix_settings_for",
    "pan_gains",
    "reverb_impulse",
    "score_genre",
    "shape_part",
]

KICK_KEYS = (35, 36)
REVERB_SEED = 20_240_601
_EPS = 1e-12
_BLOCK_FRAMES = 1 << 15


@dataclass(frozen=True)
class MixSettings:
    """How a score is mixed.

    Attributes
    ----------
    sidechain_depth : 0..1; how far non-drum parts dip under each kick (0 = no ducking).
    sidechain_release_beats : how long the dip takes to recover, in beats.
    brightness : 0..1; tilts non-drum parts darker (< 0.5) or brighter (> 0.5), at most 3 dB each way.
    reverb_rt60_s : decay time of the shared reverb.
    bus_compression : glue compression of the full mix (same gain on every stem).
    """

    sidechain_depth: float = 0.0
    sidechain_release_beats: float = 0.5
    brightness: float = 0.5
    reverb_rt60_s: float = 1.6
    bus_compression: bool = True


def _meta_float(score: Score, key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(score.meta.get(key, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high) if math.isfinite(value) else default


def score_genre(score: Score) -> str:
    """The genre id a score was composed in (``meta["genre"]``, else ``meta["style"]``), or ``""``."""
    return str(score.meta.get("genre") or score.meta.get("style") or "")


def mix_settings_for(score: Score) -> MixSettings:
    """Mix settings for ``score``, read from ``score.meta``.

    Keys read: ``genre`` or ``style`` (the style's production sets the sidechain pumping and the room),
    ``sidechain_depth`` (0..1, overrides the style), ``brightness`` (0..1), ``reverb_rt60_s``,
    ``bus_compression`` (``off`` turns it off). Missing or malformed values fall back to defaults.
    """
    production = production_for(score_genre(score))
    return MixSettings(
        sidechain_depth=_meta_float(score, "sidechain_depth", production.sidechain_depth, 0.0, 0.9),
        brightness=_meta_float(score, "brightness", 0.5, 0.0, 1.0),
        reverb_rt60_s=_meta_float(score, "reverb_rt60_s", production.reverb_rt60_s, 0.3, 4.0),
        bus_compression=str(score.meta.get("bus_compression", "on")).lower() not in ("off", "0", "false"),
    )


def db_to_gain(gain_db: float) -> float:
    """Decibels to a linear amplitude factor."""
    return 10.0 ** (gain_db / 20.0)


def pan_gains(pan: float) -> tuple[float, float]:
    """Equal-power ``(left, right)`` gains for ``pan`` in -1..1, normalised to unity at the centre."""
    angle = (pan + 1.0) * math.pi / 4.0
    return math.sqrt(2.0) * math.cos(angle), math.sqrt(2.0) * math.sin(angle)


def apply_gain_pan(
    audio: np.ndarray, *, gain_db: float, pan: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Gain and equal-power pan of a ``(frames, 2)`` signal, float32, into ``out`` (may be ``audio``).

    A stereo source is narrowed towards mono as it is panned away from the centre (at a hard pan both
    channels' content is folded into the sounding side), so it is never reduced to one of its channels.
    """
    left, right = pan_gains(pan)
    gain = db_to_gain(gain_db)
    fold = abs(pan) / 2.0  # share of the opposite channel mixed in
    matrix = np.array(
        [[left * (1.0 - fold), right * fold], [left * fold, right * (1.0 - fold)]], dtype=np.float32
    ) * np.float32(gain)
    out = np.empty(audio.shape, dtype=np.float32) if out is None else out
    # Block by block, so the temporaries stay in cache and ``out`` may alias ``audio``.
    for start in range(0, audio.shape[0], _BLOCK_FRAMES):
        block = audio[start : start + _BLOCK_FRAMES]
        out[start : start + _BLOCK_FRAMES] = block @ matrix if fold else block * matrix.diagonal()
    return out


def _highpass_sos(parts: Sequence[Part], sr: int) -> np.ndarray:
    # Below the parts' lowest fundamental there is only rumble that muddies the bass.
    lowest = min((n.pitch for part in parts for n in part.notes), default=60)
    cutoff_hz = min(max(0.6 * 440.0 * 2.0 ** ((lowest - 69.0) / 12.0), 35.0), 110.0)
    return signal.butter(2, cutoff_hz, btype="highpass", fs=sr, output="sos")


def _tilt_sos(brightness: float, sr: int) -> np.ndarray:
    """First-order tilt around 1 kHz: ``high_gain * x + (low_gain - high_gain) * lowpass(x)``.

    The low-pass and its complement sum back to the input, so a tilt of 0 dB is exactly flat.
    """
    tilt_db = (brightness - 0.5) * 6.0
    low_gain, high_gain = db_to_gain(-tilt_db / 2.0), db_to_gain(tilt_db / 2.0)
    b, a = signal.butter(1, 1000.0, btype="lowpass", fs=sr)
    numerator = high_gain * a + (low_gain - high_gain) * b
    return signal.tf2sos(numerator, a)


def _filter_channels(audio: np.ndarray, sos: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """Filter both channels into ``out`` (may be ``audio``), block by block with the filter state carried
    over, which gives the same samples as one pass without 100 MB temporaries at 300 s."""
    out = np.empty(audio.shape, dtype=np.float32) if out is None else out
    sos = sos.astype(np.float32)
    state = np.zeros((2, sos.shape[0], 2), dtype=np.float32)
    for start in range(0, audio.shape[0], _BLOCK_FRAMES):
        block = slice(start, start + _BLOCK_FRAMES)
        for channel in (0, 1):
            out[block, channel], state[channel] = signal.sosfilt(
                sos, audio[block, channel], zi=state[channel]
            )
    return out


def shape_part(
    part: Part,
    dry: np.ndarray,
    *,
    settings: MixSettings,
    sr: int,
    duck: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Gain, pan and sidechain ducking of one rendered part, ``(frames, 2)`` float32, into ``out``.

    Parameters
    ----------
    part : the part (gain_db, pan and drum flag decide the processing).
    dry : its dry render, ``(frames, 2)``.
    settings : the score's mix settings.
    sr : sample rate in Hz.
    duck : gain curve ``(frames,)`` applied to non-drum parts, or None.
    out : where to write (``dry`` itself to work in place); a new array when None.
    """
    out = apply_gain_pan(dry, gain_db=part.gain_db, pan=part.pan, out=out)
    if duck is not None and not part.is_drum and settings.sidechain_depth > 0.0:
        out *= duck[:, None]
    return out


def equalize_stem(
    audio: np.ndarray,
    *,
    stem: str,
    parts: Sequence[Part],
    settings: MixSettings,
    sr: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """EQ of one stem (its parts summed, reverb return included), ``(frames, 2)`` float32.

    Melodic stems other than bass are high-passed under the lowest fundamental of their parts, to keep
    the low end to the bass and kick; every stem but drums gets the brightness tilt. The filters are
    linear, so filtering the stem equals filtering each of its parts, at a fraction of the cost.

    Parameters
    ----------
    audio : the stem.
    stem : its name.
    parts : the parts mixed into it.
    settings : the score's mix settings.
    sr : sample rate in Hz.
    out : where to write (``audio`` itself to work in place); a new array when None. A stem that needs
        no EQ is returned as it is.
    """
    melodic = [part for part in parts if not part.is_drum]
    if not melodic or stem == "drums":
        return audio
    sections = []
    if stem != "bass":
        sections.append(_highpass_sos(melodic, sr))
    if abs(settings.brightness - 0.5) > 0.01:
        sections.append(_tilt_sos(settings.brightness, sr))
    return _filter_channels(audio, np.concatenate(sections), out) if sections else audio


def kick_frames(score: Score, *, sr: int) -> np.ndarray:
    """Sorted unique onset frames of every kick (GM keys 35, 36) in the score's drum parts."""
    onsets = {
        round(beats_to_seconds(note.start_beat, score.tempo_bpm) * sr)
        for part in score.parts
        if part.is_drum
        for note in part.notes
        if note.pitch in KICK_KEYS
    }
    return np.array(sorted(onsets), dtype=np.int64)


def _dip(*, sr: int, attack_s: float, release_s: float) -> np.ndarray:
    """One kick's dip, 0 -> 1 over the attack then back to 0 along a smoothstep, float32."""
    attack, release = max(1, round(attack_s * sr)), max(1, round(release_s * sr))
    rise = np.arange(attack, dtype=np.float32) / attack
    x = np.arange(1, release + 1, dtype=np.float32) / release
    return np.concatenate([rise, 1.0 - x * x * (3.0 - 2.0 * x)])


def duck_envelope(
    kicks: np.ndarray,
    *,
    frames: int,
    sr: int,
    depth: float,
    release_s: float,
    attack_s: float = 0.004,
) -> np.ndarray:
    """Sidechain gain curve ``(frames,)`` float32: dips by ``depth`` at each kick frame, then recovers.

    Overlapping dips combine by their maximum, so a kick arriving before the previous dip has recovered
    deepens it smoothly instead of jumping.
    """
    dips = np.zeros(frames, dtype=np.float32)
    if depth > 0.0:
        dip = _dip(sr=sr, attack_s=attack_s, release_s=release_s)
        for kick in kicks[(kicks >= 0) & (kicks < frames)]:
            span = dips[kick : kick + dip.size]
            np.maximum(span, dip[: span.size], out=span)
    return 1.0 - np.float32(depth) * dips


@lru_cache(maxsize=8)
def reverb_impulse(
    *, sr: int, rt60_s: float = 1.6, predelay_s: float = 0.015, seed: int = REVERB_SEED
) -> np.ndarray:
    """A synthetic room: decorrelated stereo impulse response ``(n, 2)`` float32, unit energy per channel:
    early reflections (sparse taps over 70 ms), then a noise tail whose highs decay faster than its lows."""
    rng = np.random.default_rng(seed)
    tail_frames = int(rt60_s * 1.1 * sr)
    t = np.arange(tail_frames)[:, None] / sr
    noise = rng.standard_normal((tail_frames, 2))
    lows = signal.sosfilt(signal.butter(1, 1800.0, fs=sr, output="sos"), noise, axis=0)
    decay = 6.91 / rt60_s  # ln(1000): -60 dB after rt60_s
    tail = lows * np.exp(-decay * t) + (noise - lows) * np.exp(-2.2 * decay * t)
    tail *= 1.0 - np.exp(-t / 0.012)  # echo density builds up instead of starting at full
    taps = rng.integers(int(0.004 * sr), int(0.07 * sr), size=(10, 2))
    gains = rng.choice([-1.0, 1.0], size=(10, 2)) * np.linspace(0.7, 0.25, 10)[:, None]
    for channel in (0, 1):
        np.add.at(tail[:, channel], taps[:, channel], gains[:, channel] * 8.0 * np.abs(tail).mean())
    tail = signal.sosfilt(signal.butter(1, 9000.0, fs=sr, output="sos"), tail, axis=0)
    tail /= np.sqrt((tail**2).sum(axis=0, keepdims=True))
    impulse = np.concatenate([np.zeros((int(predelay_s * sr), 2)), tail]).astype(np.float32)
    impulse.flags.writeable = False
    return impulse


def _convolve(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Causal convolution of ``x`` (frames,) with each column of ``h`` (m, k), truncated: ``(frames, k)``.

    Overlap-add with one batched forward transform shared by every column; the FFT size (at least twice
    ``m``) keeps every block's tail within the next block.
    """
    frames, (taps, columns) = x.shape[0], h.shape
    n_fft = 1 << max(2 * taps - 1, 1).bit_length()
    block = n_fft - taps + 1
    blocks = -(-frames // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    padded[:frames] = x
    spectra = sp_fft.rfft(padded.reshape(blocks, block), n=n_fft, axis=1, workers=-1)
    responses = sp_fft.rfft(h.astype(np.float32), n=n_fft, axis=0)
    out = np.zeros(((blocks + 1) * block, columns), dtype=np.float32)
    for column in range(columns):
        y = sp_fft.irfft(spectra * responses[:, column], n=n_fft, axis=1, workers=-1)
        out[: blocks * block, column] = y[:, :block].ravel()
        tails = np.zeros((blocks, block), dtype=np.float32)
        tails[:, : n_fft - block] = y[:, block:]
        out[block:, column] += tails.ravel()
    return out[:frames]


def apply_reverb(send: np.ndarray, *, sr: int, rt60_s: float = 1.6) -> np.ndarray:
    """Reverb return ``(frames, 2)`` float32 of a ``(frames, 2)`` send bus; the tail past the end is cut.

    Like most hall reverbs it takes the bus in mono and returns decorrelated stereo. The room runs at half
    the sample rate: its tail has nothing above 9 kHz, and this quarters the cost of the convolution.

    Parameters
    ----------
    send : the bus, each part already scaled by its ``reverb_send``.
    sr : sample rate in Hz.
    rt60_s : decay time of the room.
    """
    frames, room_sr = send.shape[0], sr // 2
    mono = send[:, 0] + send[:, 1]
    mono *= np.float32(0.5)
    impulse = reverb_impulse(sr=room_sr, rt60_s=rt60_s)
    wet = _convolve(soxr.resample(mono, sr, room_sr, quality="HQ"), impulse)
    wet = soxr.resample(wet, room_sr, sr, quality="HQ").astype(np.float32)
    out = np.zeros((frames, 2), dtype=np.float32)
    out[: min(frames, wet.shape[0])] = wet[:frames]
    return out


def _block_levels_db(mix: np.ndarray, hop: int) -> np.ndarray:
    frames = mix.shape[0]
    power = np.zeros(-(-frames // hop) * hop, dtype=np.float32)
    np.square(mix[:, 0], out=power[:frames])
    power[:frames] += np.square(mix[:, 1])
    return 10.0 * np.log10(power.reshape(-1, hop).mean(axis=1, dtype=np.float64) / 2.0 + _EPS)


def _gain_reduction_db(
    level_db: np.ndarray, *, threshold_db: float, ratio: float, knee_db: float
) -> np.ndarray:
    over = level_db - threshold_db
    slope = 1.0 - 1.0 / ratio
    in_knee = np.clip(over + knee_db / 2.0, 0.0, knee_db)
    return np.where(over > knee_db / 2.0, slope * over, slope * in_knee**2 / (2.0 * knee_db))


def bus_compressor_gain(
    mix: np.ndarray,
    *,
    sr: int,
    ratio: float = 2.0,
    knee_db: float = 6.0,
    attack_s: float = 0.01,
    release_s: float = 0.3,
    hop: int = 256,
) -> np.ndarray:
    """Gain curve ``(frames,)`` float32 of a gentle glue compressor computed from the full mix.

    The threshold sits 6 dB under the 90th percentile of the mix's short-term level: the loudest passages
    are pulled down by about 3 dB, whatever the synth's absolute level. Gain reduction recovers at a
    constant dB rate (``release_s`` per 6 dB) and is anticipated by ``attack_s`` (the whole mix is known).
    """
    frames = mix.shape[0]
    level_db = _block_levels_db(mix, hop)
    active = level_db[level_db > -80.0]
    if active.size == 0:
        return np.ones(frames, dtype=np.float32)
    threshold_db = float(np.percentile(active, 90)) - 6.0
    reduction = _gain_reduction_db(level_db, threshold_db=threshold_db, ratio=ratio, knee_db=knee_db)
    steps = np.arange(reduction.size, dtype=np.float64)
    release_rate = 6.0 * hop / (release_s * sr)
    held = np.maximum.accumulate(reduction + release_rate * steps) - release_rate * steps
    attack_rate = 6.0 * hop / (attack_s * sr)
    reverse = held[::-1] + attack_rate * steps
    smoothed = (np.maximum.accumulate(reverse) - attack_rate * steps)[::-1]
    smoothed = np.convolve(smoothed, np.ones(3) / 3.0, mode="same")
    return _upsample_linear((10.0 ** (-smoothed / 20.0)).astype(np.float32), hop, frames)


def _upsample_linear(points: np.ndarray, hop: int, frames: int) -> np.ndarray:
    """One value per ``hop`` frames, ramped linearly to the next: ``(frames,)`` float32."""
    after = np.append(points[1:], points[-1])
    ramp = np.arange(hop, dtype=np.float32) / np.float32(hop)
    return (points[:, None] + (after - points)[:, None] * ramp).ravel()[:frames]
