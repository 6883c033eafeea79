"""Procedural ambience beds (rain, vinyl crackle, ocean waves, wind) for the ``other`` stem.

Each bed is filtered noise shaped by slow random envelopes, plus sparse impulses (droplets, crackle) where
the sound has them, all drawn from a generator seeded by ``(seed, bed)``: the same seed gives the same bed.
Beds are made at unit RMS and then set a fixed number of decibels under the music, so they sit beneath it
whatever the arrangement's level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from scipy import signal

__all__ = ["AMBIENCES", "LEVEL_DB", "ambience_bed", "mixed_beds", "reference_rms", "render_ambience"]

_Bed = Callable[[np.random.Generator, int, int], np.ndarray]

#: Level of each bed relative to the music's RMS, in dB.
LEVEL_DB: dict[str, float] = {"rain": -21.0, "vinyl": -24.0, "ocean": -20.0, "wind": -23.0}
#: The level beds are set against when there is no music at all (RMS, linear).
SILENT_MUSIC_RMS = 0.03
_CONTROL_RATE_HZ = 100
_FADE_IN_S = 0.5
_FADE_OUT_S = 1.5


def _noise(rng: np.random.Generator, frames: int, channels: int = 2) -> np.ndarray:
    # Uniform noise costs a fifth of normal noise to draw, and is as Gaussian as it once filtered.
    noise = rng.random((frames, channels), dtype=np.float32)
    noise -= np.float32(0.5)
    return noise


def _filter(audio: np.ndarray, sr: int, cutoff_hz, btype: str, order: int = 2) -> np.ndarray:
    sos = signal.butter(order, cutoff_hz, btype=btype, fs=sr, output="sos").astype(np.float32)
    out = np.empty(audio.shape, dtype=np.float32)
    for channel in range(audio.shape[1]):
        out[:, channel] = signal.sosfilt(sos, audio[:, channel])
    return out


def _slow_curve(
    rng: np.random.Generator, frames: int, sr: int, *, period_s: float, low: float, high: float
) -> np.ndarray:
    """A smooth random curve ``(frames,)`` between ``low`` and ``high``, one new target every period.

    Cosine-interpolated at a 100 Hz control rate, then linearly to audio rate.
    """
    points = rng.uniform(low, high, size=int(frames / (period_s * sr)) + 2)
    control_s = np.arange(int(frames / sr * _CONTROL_RATE_HZ) + 2) / _CONTROL_RATE_HZ
    position = control_s / period_s
    index = position.astype(np.int64)
    weight = (1.0 - np.cos(np.pi * (position - index))) / 2.0
    control = points[index] * (1.0 - weight) + points[index + 1] * weight
    return np.interp(np.arange(frames) / sr, control_s, control).astype(np.float32)


def _strikes(rng: np.random.Generator, frames: int, sr: int, *, rate_hz: float, sigma: float):
    """Poisson-timed strike frames and their amplitudes (log-normal, random sign)."""
    count = rng.poisson(rate_hz * frames / sr)
    where = rng.integers(0, frames, size=count)
    amplitude = rng.lognormal(0.0, sigma, size=count) * rng.choice([-1.0, 1.0], size=count)
    return where, amplitude


def _burst(rng: np.random.Generator, sr: int, *, length_s: float, decay_s: float, highpass_hz: float):
    """A short decaying noise burst: the sound of one droplet or click."""
    t = np.arange(int(length_s * sr)) / sr
    kernel = rng.standard_normal(t.size) * np.exp(-t / decay_s)
    kernel = signal.sosfilt(signal.butter(2, highpass_hz, "highpass", fs=sr, output="sos"), kernel)
    return (kernel / np.sqrt((kernel**2).sum())).astype(np.float32)


def _scatter(
    rng: np.random.Generator, frames: int, sr: int, kernel: np.ndarray, *, channels: int = 2, **strikes
) -> np.ndarray:
    """``(frames, channels)`` of ``kernel`` struck at random times, independently per channel.

    Strikes are sparse, so each is added in directly instead of convolving: in strike order into a
    float64 buffer, the same sums as a weighted ``bincount`` of every (strike, tap) pair without its
    index and weight arrays (two 60 MB temporaries per channel at 300 s of rain).
    """
    out = np.empty((frames, channels), dtype=np.float32)
    taps, kernel = kernel.size, kernel.astype(np.float64)  # the products in float64, as bincount's
    for channel in range(channels):
        where, amplitude = _strikes(rng, frames, sr, **strikes)
        summed = np.zeros(frames + taps, dtype=np.float64)
        for start, gain in zip(where.tolist(), amplitude.tolist(), strict=True):
            summed[start : start + taps] += gain * kernel
        out[:, channel] = summed[:frames]
    return out


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio * audio)))


def _unit(audio: np.ndarray) -> np.ndarray:
    rms = _rms(audio)
    return audio / np.float32(rms) if rms > 0.0 else audio


def _rain(rng: np.random.Generator, frames: int, sr: int) -> np.ndarray:
    bed = _filter(_noise(rng, frames), sr, (500.0, 8000.0), "bandpass")
    bed *= _slow_curve(rng, frames, sr, period_s=4.0, low=0.7, high=1.0)[:, None]
    drop = _burst(rng, sr, length_s=0.006, decay_s=0.0015, highpass_hz=1500.0)
    drops = _scatter(rng, frames, sr, drop, rate_hz=90.0, sigma=0.8)
    # in place: at 300 s every temporary is 100 MB of fresh pages (the same samples as the plain sum)
    bed, drops = _unit(bed), _unit(drops)
    bed *= 0.75
    drops *= 0.5
    bed += drops
    return bed


def _vinyl(rng: np.random.Generator, frames: int, sr: int) -> np.ndarray:
    hiss = _filter(_noise(rng, frames), sr, 3000.0, "highpass")
    click = _burst(rng, sr, length_s=0.002, decay_s=0.0003, highpass_hz=2500.0)
    # Most crackle comes from the groove itself, so it is largely the same in both channels.
    crackle = _scatter(rng, frames, sr, click, rate_hz=21.0, sigma=1.1, channels=1)
    crackle = crackle + _scatter(rng, frames, sr, click, rate_hz=9.0, sigma=1.1)
    pop = _burst(rng, sr, length_s=0.01, decay_s=0.002, highpass_hz=300.0)
    pops = _scatter(rng, frames, sr, pop, rate_hz=0.6, sigma=0.5, channels=1)
    return 0.25 * _unit(hiss) + _unit(crackle) + 0.8 * _unit(pops)


def _wave_envelope(rng: np.random.Generator, frames: int, sr: int) -> np.ndarray:
    """Swells: each wave rises over ~2.5 s (sin^2) and washes out over ~5 s; one every 6-11 s."""
    control_sr = _CONTROL_RATE_HZ
    starts = np.cumsum(rng.uniform(6.0, 11.0, size=int(frames / sr / 6.0) + 2)) - 6.0
    t = np.arange(int(8.0 * control_sr)) / control_sr
    shape = np.where(t < 2.5, np.sin(np.pi * t / 5.0) ** 2, np.exp(-(t - 2.5) / 1.8))
    train = np.zeros(int(frames / sr * control_sr) + shape.size + 2)
    heights = rng.uniform(0.6, 1.0, size=starts.size)
    np.add.at(train, np.clip((starts * control_sr).astype(np.int64), 0, train.size - 1), heights)
    envelope = 0.15 + np.convolve(train, shape)[: train.size]
    return np.interp(np.arange(frames) / sr, np.arange(train.size) / control_sr, envelope)


def _ocean(rng: np.random.Generator, frames: int, sr: int) -> np.ndarray:
    envelope = _wave_envelope(rng, frames, sr).astype(np.float32)
    # The right channel hears each wave a little later: the beach runs across the stereo field.
    delayed = np.concatenate([np.full(int(0.4 * sr), envelope[0]), envelope])[:frames]
    swell = np.stack([envelope, delayed], axis=1)
    noise = _noise(rng, frames)
    body = _filter(noise, sr, 900.0, "lowpass")
    foam = _filter(noise, sr, 2500.0, "highpass")
    return _unit(body) * swell + 0.4 * _unit(foam) * swell**2


def _wind(rng: np.random.Generator, frames: int, sr: int) -> np.ndarray:
    noise = _noise(rng, frames)
    total = np.zeros((frames, 2), dtype=np.float32)
    for band, period_s in (((120.0, 400.0), 5.0), ((400.0, 900.0), 3.5), ((900.0, 2000.0), 2.5)):
        gusts = np.stack(
            [_slow_curve(rng, frames, sr, period_s=period_s, low=0.1, high=1.0) for _ in (0, 1)], axis=1
        )
        total += _unit(_filter(noise, sr, band, "bandpass")) * gusts**2
    return total


_BEDS: dict[str, _Bed] = {"rain": _rain, "vinyl": _vinyl, "ocean": _ocean, "wind": _wind}
#: Ambience names this module can synthesise.
AMBIENCES: tuple[str, ...] = tuple(_BEDS)


def ambience_bed(name: str, *, frames: int, sr: int, seed: int) -> np.ndarray:
    """One bed at unit RMS, ``(frames, 2)`` float32, the same for the same ``seed``.

    Raises
    ------
    KeyError
        When ``name`` is not in :data:`AMBIENCES`.
    """
    rng = np.random.default_rng([seed % 2**64, AMBIENCES.index(name)])
    return _unit(_BEDS[name](rng, frames, sr)).astype(np.float32, copy=False)


def mixed_beds(names: Iterable[str], *, frames: int, sr: int, seed: int) -> np.ndarray:
    """The named beds, each at its :data:`LEVEL_DB` under a reference RMS of 1: ``(frames, 2)`` float32.

    Names not in :data:`AMBIENCES` are skipped; a name given twice counts once.
    """
    out = np.zeros((frames, 2), dtype=np.float32)
    for name in dict.fromkeys(names):
        if name in _BEDS:
            bed = ambience_bed(name, frames=frames, sr=sr, seed=seed)
            bed *= np.float32(10.0 ** (LEVEL_DB[name] / 20.0))
            out += bed
    _fade_ends(out, sr=sr)
    return out


def _rise(frames: int) -> np.ndarray:
    return np.sin(np.linspace(0.0, np.pi / 2.0, frames, dtype=np.float32)) ** 2


def _fade_ends(audio: np.ndarray, *, sr: int) -> None:
    """Fade in over 0.5 s and out over 1.5 s (at most a third of the length each), in place."""
    frames = audio.shape[0]
    fade_in = min(round(_FADE_IN_S * sr), frames // 3)
    fade_out = min(round(_FADE_OUT_S * sr), frames // 3)
    audio[:fade_in] *= _rise(fade_in)[:, None]
    audio[frames - fade_out :] *= _rise(fade_out)[::-1, None]


def reference_rms(music: np.ndarray | None) -> float:
    """The level beds are set against: the music's RMS, or :data:`SILENT_MUSIC_RMS` when it is silent."""
    rms = 0.0 if music is None else _rms(music)
    return rms if rms > 1e-5 else SILENT_MUSIC_RMS


def render_ambience(
    names: Iterable[str], *, frames: int, sr: int, seed: int, music: np.ndarray | None = None
) -> np.ndarray:
    """The named beds mixed under ``music``: ``(frames, 2)`` float32; names not in AMBIENCES are skipped.

    Parameters
    ----------
    names : beds to synthesise (``rain``, ``vinyl``, ``ocean``, ``wind``).
    frames, sr : length in frames and sample rate in Hz.
    seed : the track's seed.
    music : the music ``(frames, 2)`` the beds sit under; None or silence uses a fixed reference level.
    """
    beds = mixed_beds(names, frames=frames, sr=sr, seed=seed)
    return np.float32(reference_rms(music)) * beds
