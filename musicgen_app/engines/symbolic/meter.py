"""Meter and feel: bars in beats, strong beats, step grids, swing and humanised timing."""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def compound(self) -> bool:
        return is_compound((self.numerator, self.denominator))

    @property
    def beats_per_bar(self) -> float:
        return beats_per_bar((self.numerator, self.denominator))

    @property
    def subdivision(self) -> int:
        """Eighth notes per beat (3 in compound meters, else 2)."""
        return 3 if self.compound else 2

    @property
    def steps_per_bar(self) -> int:
        """Sixteenth-note steps in one bar."""
        return max(1, round(self.beats_per_bar * self.subdivision * 2))

    @property
    def pulses(self) -> tuple[float, ...]:
        """Onsets of every beat in a bar (7/8 has beats at 0, 1, 2, 3 and a short one at 3)."""
        return tuple(float(b) for b in range(int(np.ceil(self.beats_per_bar - 1e-9))))

    @property
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
    offsets = rng.normal(0.0, timing_beats / 2.0, len(notes)) if timing_beats > 0 else np.zeros(len(notes))
    scales = 1.0 + rng.normal(0.0, velocity / 2.0, len(notes))
    out: list[Note] = []
    for note, offset, scale in zip(notes, offsets, scales, strict=True):
        on_beat = abs(note.start_beat - round(note.start_beat)) < 1e-6
        shift = float(np.clip(offset, -timing_beats, timing_beats)) * (0.5 if on_beat else 1.0)
        start = max(0.0, note.start_beat + shift)
        vel = int(np.clip(round(note.velocity * scale), 1, 127))
        out.append(Note(start, note.duration_beats, note.pitch, vel, note.bend))
    return out
