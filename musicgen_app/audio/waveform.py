"""Waveform peaks in the BBC audiowaveform JSON format, version 2, as peaks.js reads it.

``{"version": 2, "channels": C, "sample_rate": sr, "samples_per_pixel": n, "bits": 8,
"length": L, "data": [...]}`` where ``data`` holds, for each of the ``L`` pixels and each channel,
the minimum then the maximum of that pixel's samples as 8-bit integers (-128..127), so that
``len(data) == 2 * C * L``. The last pixel may cover fewer than ``n`` samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["WAVEFORM_BITS", "WAVEFORM_VERSION", "waveform_json"]

WAVEFORM_VERSION = 2
WAVEFORM_BITS = 8
_SCALE = 2 ** (WAVEFORM_BITS - 1)  # 1.0 full scale -> 128, clipped to 127 as audiowaveform does


def _is_count(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1


def _check(audio: np.ndarray, sr: int, samples_per_pixel: int | None, pixels: int) -> np.ndarray:
    array = np.asarray(audio)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] < 1 or not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"audio must be float (frames, channels), got {array.dtype} {array.shape}")
    counts = {"sr": sr, "pixels": pixels}
    if samples_per_pixel is not None:
        counts["samples_per_pixel"] = samples_per_pixel
    for name, value in counts.items():
        if not _is_count(value):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return array


def _to_8bit(values: np.ndarray) -> np.ndarray:
    # floor is monotone, so a pixel's min never lands above its max.
    return np.clip(np.floor(np.nan_to_num(values) * _SCALE), -_SCALE, _SCALE - 1).astype(np.int16)


def waveform_json(
    audio: np.ndarray,
    sr: int,
    *,
    samples_per_pixel: int | None = None,
    pixels: int = 1000,
) -> dict[str, Any]:
    """Min/max peaks of ``audio`` per pixel, as an audiowaveform v2 JSON document (a dict).

    Parameters
    ----------
    audio : np.ndarray, shape (frames, channels) or (frames,)
        Float PCM, full scale 1.0.
    sr : int
        Sample rate in Hz (recorded in the document so players can map pixels to time).
    samples_per_pixel : int, optional
        Frames summarised by each pixel. Default: the smallest that fits the audio in ``pixels``.
    pixels : int
        Target width when ``samples_per_pixel`` is not given.

    Returns
    -------
    dict
        ``version, channels, sample_rate, samples_per_pixel, bits, length, data`` with plain ints.
    """
    frames = _check(audio, sr, samples_per_pixel, pixels)
    count, channels = frames.shape
    per_pixel = int(samples_per_pixel) if samples_per_pixel is not None else max(1, -(-count // int(pixels)))
    starts = np.arange(0, count, per_pixel)
    if len(starts):
        lows = np.minimum.reduceat(frames, starts, axis=0)
        highs = np.maximum.reduceat(frames, starts, axis=0)
        data = _to_8bit(np.stack([lows, highs], axis=2)).reshape(-1).tolist()
    else:
        data = []
    return {
        "version": WAVEFORM_VERSION,
        "channels": channels,
        "sample_rate": int(sr),
        "samples_per_pixel": per_pixel,
        "bits": WAVEFORM_BITS,
        "length": len(starts),
        "data": data,
    }
