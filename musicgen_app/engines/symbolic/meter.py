"""Meter and feel: bars in beats, strong beats, step grids, swing and humanised timing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .score import Note, beats_per_bar, is_compound

__all__ = ["Meter", "humanise", "swing_beat"]


@dataclass(frozen=True)
class Meter:
    """A time signature seen from the composer: beats per bar, pulses and grid."""

    numerator: int
    denominator: int

    @property
    def key(self) -> str:
        """``"4/4"``, ``"3/4"``, ``"6/8"``: how pattern tables are indexed."""
        return f"{self.numerator}/{self.denominator}"

    @cached_property
    def compound(self) -> bool:
        return is_compound((self.numerator, self.denominator))

    @cached_property
    def beats_per_bar(self) -> float:
        return beats_per_bar((self.numerator, self.denominator))

    @property
    def subdivision(self) -> int:
        """Eighth notes per beat (3 in compound meters, else 2)."""
        return 3 if self.compound else 2

    @cached_property
    def steps_per_bar(self) -> int:
        """Sixteenth-note steps in one bar."""
        return max(1, round(self.beats_per_bar * self.subdivision * 2))

    @cached_property
    def pulses(self) -> tuple[float, ...]:
        """Onsets of every beat in a bar (7/8 has beats at 0, 1, 2, 3 and a short one at 3)."""
        return tuple(float(b) for b in range(int(np.ceil(self.beats_per_bar - 1e-9))))

    @cached_property
    def strong_beats(self) -> tuple[float, ...]:
        """Beats that carry chord tones and accents: 1 and 3 in 4/4, 1 in 3/4, 1 and 2 in 6/8."""
        if self.key == "4/4":
            return (0.0, 2.0)
        if self.compound:
            return self.pulses
        return (0.0,)

    def is_strong(self, position_in_bar: float) -> bool:
        return any(abs(position_in_bar - b) < 1e-6 for b in self.strong_beats)

    def eighth(self) -> float:
        """Length of an eighth note in beats."""
        return 1.0 / self.subdivision


def swing_beat(position: float, *, swing: float, unit: float) -> float:
    """Delay off-beat ``unit`` notes by ``swing * unit``; 0.33 on eighths gives triplet swing.

    Parameters
    ----------
    position : onset in beats.
    swing : 0..0.5, the share of a ``unit`` the off-beat moves later.
    unit : 0.5 (eighths) or 0.25 (sixteenths).
    """
    if swing <= 0.0:
        return position
    ratio = position / unit
    index = round(ratio)
    if abs(ratio - index) > 1e-6 or index % 2 == 0:
        return position
    return position + swing * unit


def humanise(
    notes: list[Note], rng: np.random.Generator, *, timing_beats: float, velocity: float
) -> list[Note]:
    """Nudge onsets by up to ``timing_beats`` and velocities by about ``velocity`` (a fraction).

    Downbeats move half as much, so the groove keeps its anchor while the rest breathes.
    """
    if not notes:
        return notes
    count = len(notes)
    starts = np.array([n.start_beat for n in notes])
    offsets = np.zeros(count)
    if timing_beats > 0:
        offsets = np.clip(rng.normal(0.0, timing_beats / 2.0, count), -timing_beats, timing_beats)
    on_beat = np.abs(starts - np.round(starts)) < 1e-6
    shifted = np.maximum(0.0, starts + offsets * np.where(on_beat, 0.5, 1.0))
    scales = 1.0 + rng.normal(0.0, velocity / 2.0, count)
    velocities = np.clip(np.round([n.velocity for n in notes] * scales), 1, 127).astype(int)
    return [
        Note(float(start), n.duration_beats, n.pitch, int(vel), n.bend)
        for n, start, vel in zip(notes, shifted, velocities, strict=True)
    ]
