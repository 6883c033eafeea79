"""The waveform plot: an SVG drawn from a track's peaks (BBC audiowaveform JSON, version 2).

An inline SVG needs no plotting library, scales with the page and draws in the browser at once. The
envelope is the min/max of every column over all channels; section markers and a time axis sit on it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WaveformPeaks", "envelope", "parse_waveform", "time_ticks", "waveform_svg"]

_TICK_STEPS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300)
_AXIS_PX = 18
_COLOURS = {
    "bg": "#111827",
    "wave": "#60a5fa",
    "centre": "#374151",
    "marker": "#fbbf24",
    "text": "#d1d5db",
    "tick": "#4b5563",
}


@dataclass(frozen=True, eq=False)
class WaveformPeaks:
    """Peaks of a waveform: ``mins``/``maxs`` of shape ``(pixels,)`` in -1..1 over all channels."""

    mins: np.ndarray
    maxs: np.ndarray
    duration_s: float

    def __post_init__(self) -> None:
        if self.mins.shape != self.maxs.shape or self.mins.ndim != 1:
            raise ValueError("mins and maxs must be 1-D arrays of the same length")
        if self.duration_s < 0:
            raise ValueError("duration_s must not be negative")

    @property
    def pixels(self) -> int:
        return int(self.mins.shape[0])


def parse_waveform(data: Mapping[str, Any]) -> WaveformPeaks:
    """Read an audiowaveform v2 document (``bits`` 8 or 16, interleaved min/max per channel).

    Raises
    ------
    ValueError
        When a field is missing or the data length does not match ``length * 2 * channels``.
    """
    try:
        channels, bits, length = int(data["channels"]), int(data["bits"]), int(data["length"])
        sample_rate, per_pixel = int(data["sample_rate"]), int(data["samples_per_pixel"])
        values = np.asarray(data["data"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an audiowaveform document: {exc}") from None
    if bits not in (8, 16) or channels < 1 or sample_rate <= 0 or per_pixel <= 0:
        raise ValueError("waveform needs bits 8 or 16, channels >= 1 and positive rates")
    if values.shape != (length * 2 * channels,):
        raise ValueError(f"waveform data has {values.size} values, expected {length * 2 * channels}")
    full_scale = float(2 ** (bits - 1))
    pairs = values.reshape(length, channels, 2) / full_scale
    return WaveformPeaks(
        pairs[:, :, 0].min(axis=1, initial=0.0),
        pairs[:, :, 1].max(axis=1, initial=0.0),
        duration_s=length * per_pixel / sample_rate,
    )


def envelope(peaks: WaveformPeaks, *, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max per column when ``peaks`` are squeezed (or stretched) into ``columns`` columns."""
    if columns < 1:
        raise ValueError("columns must be at least 1")
    if peaks.pixels == 0:
        return np.zeros(columns), np.zeros(columns)
    edges = np.linspace(0, peaks.pixels, columns + 1)
    starts = np.minimum(np.floor(edges[:-1]).astype(int), peaks.pixels - 1)
    stops = np.maximum(np.ceil(edges[1:]).astype(int), starts + 1)
    lows = np.array([peaks.mins[a:b].min() for a, b in zip(starts, stops, strict=True)])
    highs = np.array([peaks.maxs[a:b].max() for a, b in zip(starts, stops, strict=True)])
    return np.clip(lows, -1.0, 0.0), np.clip(highs, 0.0, 1.0)


def time_ticks(duration_s: float, *, max_ticks: int = 10) -> list[float]:
    """Round tick positions in seconds (every 1, 2, 5, 10, 15... s), at most ``max_ticks`` of them."""
    if duration_s <= 0:
        return [0.0]
    step = next((s for s in _TICK_STEPS_S if duration_s // s + 1 <= max_ticks), _TICK_STEPS_S[-1])
    return [float(t) for t in np.arange(0.0, duration_s + 1e-9, step)]


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _envelope_path(lows: np.ndarray, highs: np.ndarray, width: int, wave_h: int) -> str:
    half = wave_h / 2
    xs = np.linspace(0, width, lows.size + 1)[:-1] + width / lows.size / 2
    top = [f"{x:.1f},{half - h * half:.1f}" for x, h in zip(xs, highs, strict=True)]
    bottom = [f"{x:.1f},{half - lo * half:.1f}" for x, lo in zip(xs[::-1], lows[::-1], strict=True)]
    return "M" + " L".join(top + bottom) + " Z"


def _markers(sections: Sequence[tuple[str, float]], duration_s: float, width: int, wave_h: int) -> list[str]:
    parts = []
    # data-index is the section's place in the track's list (what regenerate takes), kept when one is
    # skipped; a transparent band over the section's span makes all of it a click target, not just its line
    ends = [start for _, start in sections[1:]] + [duration_s] if sections else []
    for index, ((name, start_s), end_s) in enumerate(zip(sections, ends, strict=True)):
        if not 0 <= start_s < duration_s:
            continue
        x = start_s / duration_s * width
        band = max(min(end_s, duration_s) - start_s, 0.0) / duration_s * width
        label = html.escape(str(name))
        parts.append(
            f'<g class="mg-section" data-index="{index}" data-name="{label}" data-start="{start_s:.2f}" '
            f'role="button" aria-label="Section {index + 1}: {label}">'
            f'<rect class="mg-section-band" x="{x:.1f}" y="0" width="{band:.1f}" height="{wave_h}" '
            f'fill="transparent"/>'
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{wave_h}" stroke="{_COLOURS["marker"]}" '
            f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="14" font-size="13" '
            f'fill="{_COLOURS["marker"]}">{label}</text></g>'
        )
    return parts


#: Width of the "extend from here" tab at the waveform's end, in SVG units.
_EXTEND_TAB = 56


def _extend_tab(width: int, wave_h: int) -> str:
    """The end of the waveform as a button: a click there extends the track from its end (drawn over
    the last section's band, so it takes the click)."""
    x = width - _EXTEND_TAB
    return (
        f'<g class="mg-extend-end" role="button" tabindex="0" aria-label="Extend the track from its end">'
        f'<rect x="{x}" y="0" width="{_EXTEND_TAB}" height="{wave_h}" fill="{_COLOURS["marker"]}" '
        f'fill-opacity="0.12"/><line x1="{width - 1}" y1="0" x2="{width - 1}" y2="{wave_h}" '
        f'stroke="{_COLOURS["marker"]}" stroke-width="2"/>'
        f'<text x="{width - _EXTEND_TAB / 2:.1f}" y="{wave_h / 2 + 5:.1f}" font-size="13" '
        f'text-anchor="middle" '
        f'fill="{_COLOURS["marker"]}">Extend ▸</text></g>'
    )


def _axis(duration_s: float, width: int, wave_h: int) -> list[str]:
    parts = []
    for tick in time_ticks(duration_s):
        x = tick / duration_s * width if duration_s > 0 else 0.0
        anchor = "start" if tick == 0 else ("end" if x > width - 20 else "middle")
        parts.append(
            f'<line x1="{x:.1f}" y1="{wave_h}" x2="{x:.1f}" y2="{wave_h + 4}" stroke="{_COLOURS["tick"]}"/>'
            f'<text x="{x:.1f}" y="{wave_h + 15}" font-size="12" text-anchor="{anchor}" '
            f'fill="{_COLOURS["text"]}">{_clock(tick)}</text>'
        )
    return parts


def waveform_svg(
    peaks: WaveformPeaks,
    *,
    sections: Sequence[tuple[str, float]] = (),
    width: int = 800,
    height: int = 150,
    title: str = "Waveform",
    extend_tab: bool = False,
) -> str:
    """The waveform as a self-contained SVG element (no script, no external resource).

    Parameters
    ----------
    peaks : from :func:`parse_waveform`.
    sections : ``(name, start_s)`` markers; those outside the track are left out.
    width, height : the drawing's size in SVG units (it scales to its container's width).
    title : the accessible name of the image.
    extend_tab : draw the end of the waveform as an "Extend" button (the studio's extend affordance).
    """
    if width < 10 or height <= _AXIS_PX + 10:
        raise ValueError(f"plot too small: {width}x{height}")
    wave_h = height - _AXIS_PX
    lows, highs = envelope(peaks, columns=min(width, max(peaks.pixels, 1)))
    body = [
        f'<rect width="{width}" height="{height}" fill="{_COLOURS["bg"]}" rx="6"/>',
        f'<line x1="0" y1="{wave_h / 2}" x2="{width}" y2="{wave_h / 2}" stroke="{_COLOURS["centre"]}"/>',
        f'<path class="mg-envelope" d="{_envelope_path(lows, highs, width, wave_h)}" '
        f'fill="{_COLOURS["wave"]}"/>',
        *_markers(sections, peaks.duration_s, width, wave_h),
        *([_extend_tab(width, wave_h)] if extend_tab else []),
        *_axis(peaks.duration_s, width, height - _AXIS_PX),
    ]
    return (
        f'<svg class="mg-waveform" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" data-duration="{peaks.duration_s:.2f}" '
        f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>{"".join(body)}</svg>'
    )
