"""A span of an ACE-Step track made anew, the rest kept: ACE-Step's own ``repaint`` task, spliced.

diffusers' ``AceStepPipeline(task_type="repaint")`` encodes the source audio with the VAE, replaces the
latents inside the window with the model's silence latent, masks that window for generation and decodes
the whole length again. Outside the window its output is a VAE round trip of the source (close, never
the same samples) and the whole is peak-normalised to -1 dBFS. So the result keeps the parent's own
samples outside the span and takes only the span from the model, level-matched on the part both share
and joined with short equal-power crossfades.

ACE-Step has no task that lengthens a track (its tasks: text2music, repaint, cover, extract, lego and
complete; ``complete`` adds instruments to a track of the same length), hence :data:`NO_EXTEND`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CROSSFADE_S", "LATENT_S", "NO_EXTEND", "snap_span", "splice_span"]

#: The model's time step: one latent frame (1920 samples at 48 kHz).
LATENT_S = 1 / 25
#: Length of each join between kept and new audio.
CROSSFADE_S = 0.05
#: Why an ACE-Step track cannot be extended (the 422's rule).
NO_EXTEND = (
    "an ACE-Step track cannot be extended: the diffusers AceStepPipeline has no extend task (its tasks "
    "are text2music, repaint, cover, extract, lego and complete, which adds instruments at the same "
    "length); regenerate a span instead, or generate a longer track"
)


def snap_span(start_s: float, end_s: float, duration_s: float) -> tuple[float, float]:
    """``(start, end)`` snapped outwards to the model's latent frames and kept inside the track."""
    start = math.floor(start_s / LATENT_S + 1e-9) * LATENT_S
    end = math.ceil(end_s / LATENT_S - 1e-9) * LATENT_S
    return round(max(0.0, start), 6), round(min(duration_s, end), 6)


def _fade(frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Equal-power fade-in and fade-out curves of ``frames`` frames, shaped ``(frames, 1)``."""
    phase = np.linspace(0.0, np.pi / 2, frames, dtype=np.float64)
    return np.sin(phase)[:, None].astype(np.float32), np.cos(phase)[:, None].astype(np.float32)


def splice_span(
    old: np.ndarray, new: np.ndarray, *, sample_rate: int, span_s: tuple[float, float]
) -> tuple[np.ndarray, float]:
    """``old`` with ``span_s`` taken from ``new`` (both ``(frames, 2)``, the same length), and the gain in
    dB applied to ``new``.

    ``new`` is scaled by the least-squares gain that matches it to ``old`` outside the span (the model's
    output is peak-normalised, the parent is mastered); each join is a crossfade of
    :data:`CROSSFADE_S` centred on the span's edge, so the kept audio is ``old`` sample for sample
    everywhere but the span and half a crossfade beside it.
    """
    if old.shape != new.shape:
        raise ValueError(f"old and new audio must have the same shape, got {old.shape} and {new.shape}")
    frames = old.shape[0]
    start, end = (min(frames, max(0, round(s * sample_rate))) for s in span_s)
    if end <= start:
        raise ValueError(f"empty span {span_s}")
    outside = np.ones(frames, dtype=bool)
    outside[start:end] = False
    shared = float(np.sum(new[outside].astype(np.float64) ** 2))
    gain = float(np.sum(old[outside].astype(np.float64) * new[outside])) / shared if shared > 0 else 1.0
    if not gain > 0:  # unrelated or silent context: keep the model's own level
        gain = 1.0
    scaled = new * np.float32(gain)
    out = np.array(old, dtype=np.float32, copy=True)
    out[start:end] = scaled[start:end]
    half = round(CROSSFADE_S * sample_rate / 2)
    fade_in, fade_out = _fade(2 * half)
    if start > 0 and half:
        a, b = max(0, start - half), min(frames, start + half)
        fi, fo = fade_in[: b - a], fade_out[: b - a]
        out[a:b] = old[a:b] * fo + scaled[a:b] * fi
    if end < frames and half:
        a, b = max(0, end - half), min(frames, end + half)
        fi, fo = fade_in[: b - a], fade_out[: b - a]
        out[a:b] = scaled[a:b] * fo + old[a:b] * fi
    return out, 20 * math.log10(gain)
