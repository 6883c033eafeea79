"""The beat grid of a track: tempo, meter, beat and downbeat times, sections with start and end.

What people cutting music to picture need. The symbolic engine knows its grid exactly (it wrote the
score at one constant tempo); for audio from a neural engine the grid is estimated by a beat tracker
and says so (``estimated``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BeatGrid", "SectionSpan", "estimate_beat_grid", "metric_grid", "tempo_from_beats"]

#: Times in the grid are rounded to this many decimals (0.1 ms: well under a frame's worth of drift).
_DECIMALS = 4
#: How far (in beats) a tracked gap may be from a whole number of beats and still count as locked:
#: frame quantisation moves a beat by about 0.05 beat at 120 BPM; a slip onto the offbeat is 0.5.
_SLIP_TOLERANCE = 0.15


@dataclass(frozen=True)
class SectionSpan:
    """A named span of the track, in seconds."""

    name: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class BeatGrid:
    """Where the beats fall. ``beats_s`` includes the downbeats; all times are seconds from the start."""

    tempo_bpm: float
    time_signature: tuple[int, int]
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    sections: tuple[SectionSpan, ...]
    estimated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "tempo": self.tempo_bpm,
            "time_signature": f"{self.time_signature[0]}/{self.time_signature[1]}",
            "estimated": self.estimated,
            "beats": list(self.beats_s),
            "downbeats": list(self.downbeats_s),
            "sections": [{"name": s.name, "start_s": s.start_s, "end_s": s.end_s} for s in self.sections],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BeatGrid:
        """Inverse of :meth:`as_dict` (a track's ``beats.json`` read back)."""
        num, den = str(data["time_signature"]).split("/")
        return cls(
            tempo_bpm=float(data["tempo"]),
            time_signature=(int(num), int(den)),
            beats_s=tuple(float(t) for t in data["beats"]),
            downbeats_s=tuple(float(t) for t in data["downbeats"]),
            sections=tuple(
                SectionSpan(s["name"], float(s["start_s"]), float(s["end_s"])) for s in data["sections"]
            ),
            estimated=bool(data["estimated"]),
        )


def _spans(sections: tuple[tuple[str, float], ...], duration_s: float) -> tuple[SectionSpan, ...]:
    """Sections from ``(name, start_s)`` pairs: each ends where the next starts, the last at the end."""
    ordered = sorted((start, name) for name, start in sections if start < duration_s)
    spans = []
    for index, (start, name) in enumerate(ordered):
        end = ordered[index + 1][0] if index + 1 < len(ordered) else duration_s
        spans.append(SectionSpan(name, round(start, _DECIMALS), round(end, _DECIMALS)))
    return tuple(spans)


def metric_grid(
    tempo_bpm: float,
    time_signature: tuple[int, int],
    beats_per_bar: float,
    duration_s: float,
    sections: tuple[tuple[str, float], ...] = (),
) -> BeatGrid:
    """The exact grid of music written at one constant tempo from time 0.

    ``beats_per_bar`` is in units of the tempo's beat (4/4: 4, 6/8: 2 dotted quarters, 7/8: 3.5);
    every bar has a beat on each whole beat it holds (7/8: 0, 1, 2, 3), the first one its downbeat.
    """
    seconds_per_beat = 60.0 / tempo_bpm
    pulses = range(math.ceil(beats_per_bar - 1e-9))
    beats, downbeats = [], []
    bar = 0
    while (bar_start := bar * beats_per_bar * seconds_per_beat) < duration_s - 1e-9:
        downbeats.append(round(bar_start, _DECIMALS))
        for pulse in pulses:
            at = bar_start + pulse * seconds_per_beat
            if at < duration_s - 1e-9:
                beats.append(round(at, _DECIMALS))
        bar += 1
    return BeatGrid(
        tempo_bpm=float(tempo_bpm),
        time_signature=time_signature,
        beats_s=tuple(beats),
        downbeats_s=tuple(downbeats),
        sections=_spans(sections, duration_s),
        estimated=False,
    )


def tempo_from_beats(beats_s: tuple[float, ...] | list[float] | np.ndarray) -> float | None:
    """The tempo of tracked beat times, fitted over the whole track; None without four locked beats.

    A tracker quantises each beat to its analysis frame and its own tempo number to tempogram bins
    (about 2 % apart near 120 BPM), so the spacing of many beats is the finer measure. But a tracker
    also slips: it skips a beat where the kit drops out, or moves half a beat onto strong offbeats
    (house's open hats and offbeat bass) and back. Fitting one line through every beat in list order
    then reads a steady track 1.5-2 % slow or fast. So the beats are cut into runs where the tracker
    stayed locked (every gap a whole number of beats, a skipped one counted as the beats it spans),
    a line is fitted through each run, and the runs' periods are averaged by the beats they span.
    """
    times = np.asarray(beats_s, dtype=float)
    if times.size < 4:
        return None
    gaps = np.diff(times)
    period = float(np.median(gaps))
    if period <= 0:
        return None
    ratio = gaps / period
    steps = np.round(ratio)
    locked = (steps >= 1) & (np.abs(ratio - steps) <= _SLIP_TOLERANCE)
    spans: list[tuple[float, float]] = []  # (beats spanned, seconds per beat) per locked run
    run_start = 0
    for cut in [*np.flatnonzero(~locked), gaps.size]:
        run_times = times[run_start : cut + 1]
        run_index = np.concatenate(([0.0], np.cumsum(steps[run_start:cut])))
        if run_index[-1] >= 3:
            spans.append((float(run_index[-1]), float(np.polyfit(run_index, run_times, 1)[0])))
        run_start = cut + 1
    if not spans:
        return None
    weights, periods = np.array(spans).T
    seconds_per_beat = float(np.average(periods, weights=weights))
    return 60.0 / seconds_per_beat if seconds_per_beat > 0 else None


def estimate_beat_grid(
    mix: np.ndarray,
    sample_rate: int,
    *,
    time_signature: tuple[int, int],
    tempo_hint_bpm: float,
    sections: tuple[tuple[str, float], ...] = (),
) -> BeatGrid:
    """A grid tracked from audio (librosa's beat tracker), marked ``estimated``.

    Downbeats are every ``numerator`` beats from the first beat found (a tracker does not know the bar
    line; this is the usual guess). Without librosa, the hinted tempo's grid from 0 stands in, still
    marked estimated.
    """
    duration_s = mix.shape[0] / sample_rate
    per_bar = time_signature[0] if time_signature[1] == 4 else max(1, time_signature[0] // 3)
    try:
        import librosa
    except ImportError:
        grid = metric_grid(tempo_hint_bpm, time_signature, float(per_bar), duration_s, sections)
        return BeatGrid(**{**grid.__dict__, "estimated": True})
    mono = np.asarray(mix, dtype=np.float32).mean(axis=1)
    tempo, frames = librosa.beat.beat_track(y=mono, sr=sample_rate, start_bpm=tempo_hint_bpm, units="frames")
    times = librosa.frames_to_time(frames, sr=sample_rate)
    beats = tuple(round(float(t), _DECIMALS) for t in times if t < duration_s)
    tempo_value = tempo_from_beats(beats)
    if tempo_value is None:
        tempo_value = float(np.atleast_1d(tempo)[0]) if np.size(tempo) else float(tempo_hint_bpm)
    return BeatGrid(
        tempo_bpm=round(tempo_value, 2),
        time_signature=time_signature,
        beats_s=beats,
        downbeats_s=beats[::per_bar],
        sections=_spans(sections, duration_s),
        estimated=True,
    )
