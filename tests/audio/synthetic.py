"""Synthetic audio for the audio-stage tests: tones, noise and four stems of very different levels."""

from __future__ import annotations

import numpy as np

from musicgen_app.engines.base import Stems

SR = 44_100


def sine(freq_hz: float, duration_s: float, *, amplitude: float = 1.0, phase: float = 0.0, sr: int = SR):
    """A mono sine, float64 ``(frames,)``."""
    t = np.arange(round(duration_s * sr)) / sr
    return amplitude * np.sin(2 * np.pi * freq_hz * t + phase)


def faded(audio: np.ndarray, *, fade_s: float = 0.01, sr: int = SR) -> np.ndarray:
    """``audio`` with raised-cosine fades at both ends: abrupt edges ring, which is a real overshoot."""
    ramp = np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, round(fade_s * sr))) ** 2
    gain = np.ones(len(audio))
    gain[: len(ramp)], gain[len(gain) - len(ramp) :] = ramp, ramp[::-1]
    return audio * (gain if np.ndim(audio) == 1 else gain[:, None])


def stereo(mono: np.ndarray) -> np.ndarray:
    """The same signal in both channels, float32 ``(frames, 2)``."""
    return np.repeat(np.asarray(mono, dtype=np.float32)[:, None], 2, axis=1)


def noise(duration_s: float, *, rms: float, seed: int, sr: int = SR) -> np.ndarray:
    """Gaussian stereo noise, float32 ``(frames, 2)``."""
    rng = np.random.default_rng(seed)
    return (rms * rng.standard_normal((round(duration_s * sr), 2))).astype(np.float32)


def song_stems(duration_s: float, *, seed: int, levels_db=(-40.0, 0.0, -8.0, -26.0), sr: int = SR) -> Stems:
    """Four musical-ish stems at very different levels (dB of each stem's own scale).

    vocals: a vibrato melody; drums: decaying noise hits every half beat at 120 BPM (sharp peaks);
    bass: a low sine line; other: a pad of three detuned partials over a noise bed.
    """
    rng = np.random.default_rng(seed)
    frames = round(duration_s * sr)
    t = np.arange(frames) / sr
    notes = rng.choice([220.0, 246.9, 261.6, 293.7, 329.6, 392.0], size=int(duration_s * 2) + 1)
    pitch = notes[(t * 2).astype(int)] * (1 + 0.006 * np.sin(2 * np.pi * 5.5 * t))
    vocals = np.sin(2 * np.pi * np.cumsum(pitch) / sr)[:, None] * np.array([0.9, 1.0])
    hits = np.exp(-(t % 0.25) * 40.0)[:, None]
    drums = hits * rng.standard_normal((frames, 2))
    bass = np.sin(2 * np.pi * 55.0 * t * (1 + (t.astype(int) % 2) * 0.5))[:, None] * np.ones((1, 2))
    pad = sum(np.sin(2 * np.pi * f * t + k) for k, f in enumerate((130.8, 164.8, 196.0)))[:, None] / 3
    other = pad * np.array([1.0, 0.7]) + 0.05 * rng.standard_normal((frames, 2))
    parts = (vocals, drums, bass, other)
    scaled = [part * 10.0 ** (level / 20.0) for part, level in zip(parts, levels_db, strict=True)]
    return Stems(*(np.asarray(part, dtype=np.float32) for part in scaled), sample_rate=sr)
