"""From the model's 32 kHz output to the product's audio: 44.1 kHz stereo of an exact length."""

from __future__ import annotations

import numpy as np
import soxr

from ...formats import CHANNELS

__all__ = ["fit_length", "to_output_format"]

#: Fade applied where audio is cut, so that the cut does not click.
_CUT_FADE_S = 0.01


def to_output_format(audio: np.ndarray, sr: int, *, out_sr: int) -> np.ndarray:
    """Resample ``audio`` ``(frames, channels)`` to ``out_sr`` (soxr, very high quality) as stereo.

    Mono is duplicated to both channels; stereo stays as it is.
    """
    if audio.ndim != 2 or audio.shape[1] not in (1, CHANNELS):
        raise ValueError(f"audio must be (frames, 1|2), got {audio.shape}")
    resampled = soxr.resample(np.asarray(audio, dtype=np.float32), sr, out_sr, quality="VHQ")
    resampled = np.asarray(resampled, dtype=np.float32).reshape(-1, audio.shape[1])
    if resampled.shape[1] == 1:
        resampled = np.repeat(resampled, CHANNELS, axis=1)
    return np.ascontiguousarray(resampled)


def fit_length(audio: np.ndarray, frames: int, *, sr: int) -> np.ndarray:
    """Exactly ``frames`` frames: longer audio is cut with a 10 ms fade-out, shorter padded with silence."""
    if frames <= 0:
        raise ValueError(f"frames must be positive, got {frames}")
    if audio.shape[0] >= frames:
        fitted = np.array(audio[:frames], dtype=np.float32)
        if audio.shape[0] > frames:
            fade = min(frames, round(_CUT_FADE_S * sr))
            fitted[frames - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
        return fitted
    padding = np.zeros((frames - audio.shape[0], audio.shape[1]), dtype=np.float32)
    return np.concatenate([np.asarray(audio, dtype=np.float32), padding], axis=0)
