"""Bass lines in each style's idiom, locked to the kick and the chord roots.

Patterned idioms are data: ``(position, duration, degree)`` per 4/4 bar, where degree is ``R`` root,
``3`` third, ``5`` fifth, ``6`` sixth, ``b7`` seventh, ``8`` octave or ``N`` the next chord's root.
Kick-locked roots, walking lines, eighth pulses, octaves, 808 glides and pedals are written in code.
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .drums import kick_onsets
from .harmony import Chord, ChordSpan
from .meter import humanise, swing_beat
from .score import Note

__all__ = ["bass_notes", "fit_pitch"]

# fmt: off
_PATTERNS: dict[str, tuple[tuple[float, float, str], ...]] = {
    "one_drop": ((0.5, 0.5, "R"), (1.0, 0.5, "R"), (1.5, 1.0, "5"), (2.5, 0.5, "8"), (3.0, 0.5, "5"),
                 (3.5, 0.5, "3")),
    "tumbao": ((0.0, 0.5, "R"), (1.5, 1.5, "5"), (3.0, 1.0, "N")),
    "bossa": ((0.0, 1.5, "R"), (1.5, 0.5, "5"), (2.0, 1.5, "5"), (3.5, 0.5, "R")),
    "boom_chick": ((0.0, 1.0, "R"), (2.0, 1.0, "5")),
    "reese": ((0.0, 2.5, "R"), (2.5, 1.5, "R")),
    "wobble": ((0.0, 0.75, "R"), (0.75, 0.25, "R"), (1.0, 0.5, "8"), (1.5, 0.5, "R"), (2.0, 1.0, "R"),
               (3.0, 0.25, "R"), (3.25, 0.25, "8"), (3.5, 0.5, "R")),
    "funk": ((0.0, 0.5, "R"), (0.75, 0.25, "R"), (1.0, 0.25, "8"), (1.5, 0.5, "b7"), (2.0, 0.5, "R"),
             (2.5, 0.25, "8"), (2.75, 0.25, "R"), (3.0, 0.5, "5"), (3.5, 0.25, "b7")),
    "afro": ((0.0, 0.5, "R"), (0.75, 0.25, "R"), (1.5, 0.5, "b7"), (2.0, 0.5, "8"), (3.0, 0.5, "5"),
             (3.5, 0.5, "b7")),
    "classical": ((0.0, 2.0, "R"), (2.0, 2.0, "5")),
    "boogie": ((0.0, 0.5, "R"), (0.5, 0.5, "3"), (1.0, 0.5, "5"), (1.5, 0.5, "6"), (2.0, 0.5, "b7"),
               (2.5, 0.5, "6"), (3.0, 0.5, "5"), (3.5, 0.5, "3")),
    "offbeat": ((0.5, 0.4, "R"), (1.5, 0.4, "R"), (2.5, 0.4, "8"), (3.5, 0.4, "R")),
}

# fmt: on


#: Idioms that walk into chord changes with an approach note now and then.
_APPROACHING = frozenset({"root", "pulse8", "one_drop", "boom_chick"})
#: Idioms whose syncopation needs a kit to make sense; without one the bass walks the beats.
_PULSE_WITHOUT_KIT = frozenset(
    {"root", "808", "rolling", "offbeat", "reese", "wobble", "tumbao", "funk", "afro", "boom_chick"}
)


def fit_pitch(pc: int, *, low: int, high: int, near: float) -> int:
    """The pitch of class ``pc`` inside ``[low, high]`` closest to ``near``."""
    candidates = [p for p in range(low, high + 1) if p % 12 == pc]
    if not candidates:
        return min(max(low + (pc - low) % 12, low), high)
    return min(candidates, key=lambda p: (abs(p - near), p))


def _degree(chord: Chord, degree: str) -> tuple[int, int]:
    """(pitch class, octave shift) of a pattern degree on ``chord``."""
    minorish = 3 in chord.intervals and 4 not in chord.intervals
    table = {
        "R": 0,
        "8": 0,
        "5": 7,
        "3": 3 if minorish else 4,
        "6": 9,
        "b7": 11 if 11 in chord.intervals else 10,
    }
    if degree == "5":
        return chord.fifth, 0
    return (chord.root + table[degree]) % 12, 12 if degree == "8" else 0


class _Line:
    """A bass line in progress: keeps register and smoothness between notes."""

    def __init__(self, ctx: Context, low: int, high: int) -> None:
        self.ctx, self.low, self.high = ctx, low, min(high, low + 24)
        self.last = float(low + 9)
        self.notes: list[Note] = []

    def add(self, at: float, length: float, pc: int, velocity: int, *, octave: int = 0) -> None:
        pitch = fit_pitch(pc, low=self.low, high=self.high - 12 if octave else self.high, near=self.last)
        pitch = min(pitch + octave, self.high)
        self.last = pitch if not octave else pitch - octave
        self.notes.append(Note(at, max(0.05, length), pitch, max(1, min(127, velocity))))


def _span_end(ctx: Context, at: float) -> float:
    return ctx.chord(at).end_beat


def _pattern_bar(line: _Line, ctx: Context, bar: int, pattern, vel: int) -> None:
    start = ctx.bar_start(bar)
    for pos, length, degree in pattern:
        if pos >= ctx.bar_beats:
            continue
        at = start + swing_beat(pos, swing=ctx.style.swing, unit=ctx.style.swing_unit)
        span = ctx.chord(at)
        chord = ctx.changes.next_after(span).chord if degree == "N" else span.chord
        pc, octave = _degree(chord, "R" if degree == "N" else degree)
        end = at + length if degree == "N" else min(at + length, span.end_beat)
        line.add(at, end - at, pc, vel + (8 if pos == 0 else 0), octave=octave)


def _kick_bar(line: _Line, ctx: Context, bar: int, vel: int, rng: np.random.Generator) -> None:
    start = ctx.bar_start(bar)
    onsets = kick_onsets(ctx, bar) or [float(b) for b in ctx.meter.strong_beats]
    onsets = sorted({*onsets, *(s.start_beat - start for s in ctx.spans_in_bar(bar))})
    for i, pos in enumerate(onsets):
        at = start + swing_beat(pos, swing=ctx.style.swing, unit=ctx.style.swing_unit)
        nxt = onsets[i + 1] if i + 1 < len(onsets) else ctx.bar_beats
        span = ctx.chord(at)
        pc = span.chord.root
        if i and rng.random() < 0.2:
            pc = span.chord.fifth
        line.add(at, min(start + nxt, span.end_beat) - at - 0.04, pc, vel + (10 if pos == 0 else 0))


def _eighths_bar(line: _Line, ctx: Context, bar: int, vel: int, *, octaves: bool, offbeats: bool) -> None:
    step = ctx.meter.eighth() / (2 if offbeats else 1)
    count = round(ctx.bar_beats / step)
    for k in range(count):
        pos = k * step
        if offbeats and abs(pos - round(pos)) < 1e-6:
            continue
        at = ctx.bar_start(bar) + swing_beat(pos, swing=ctx.style.swing, unit=ctx.style.swing_unit)
        chord = ctx.chord(at).chord
        accent = 12 if abs(pos - round(pos)) < 1e-6 else 0
        line.add(at, step * 0.85, chord.root, vel - 10 + accent, octave=12 if octaves and k % 2 else 0)


def _walking_bar(line: _Line, ctx: Context, bar: int, vel: int, rng: np.random.Generator) -> None:
    start = ctx.bar_start(bar)
    for beat in ctx.meter.pulses:
        at = start + beat
        span = ctx.chord(at)
        chord = span.chord
        if at + 1.0 >= span.end_beat - 1e-9:  # last beat of the chord: approach the next root
            target = ctx.changes.next_after(span).chord.root
            pc = (target + (1 if rng.random() < 0.5 else -1)) % 12
        elif abs(at - span.start_beat) < 1e-9:
            pc = chord.root
        else:
            tones = [chord.third or chord.root, chord.fifth, (chord.root + chord.intervals[-1]) % 12]
            pc = tones[int(rng.integers(len(tones)))]
        line.add(at, 0.9, pc, vel + (6 if beat == 0 else 0))


def _beats_bar(line: _Line, ctx: Context, bar: int, vel: int) -> None:
    """Roots on every beat (fifths in the middle): the pulse when there are no drums."""
    pulses = ctx.meter.pulses
    for index, beat in enumerate(pulses):
        at = ctx.bar_start(bar) + beat
        chord = ctx.chord(at).chord
        pc = chord.fifth if len(pulses) >= 3 and index == len(pulses) // 2 else chord.root
        line.add(at, min(0.8, ctx.bar_beats - beat), pc, vel + (12 if index == 0 else 0))


def _pedal_bar(line: _Line, ctx: Context, bar: int, vel: int) -> None:
    for span in ctx.spans_in_bar(bar):
        line.add(span.start_beat, span.duration_beats * 0.95, span.chord.root, vel)


def _glides(notes: list[Note], rng: np.random.Generator) -> list[Note]:
    """808 slides: some notes bend into the next note's pitch as they end."""
    out = list(notes)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.pitch != b.pitch and abs(b.pitch - a.pitch) <= 12 and rng.random() < 0.45:
            out[i] = Note(a.start_beat, a.duration_beats, a.pitch, a.velocity, float(b.pitch - a.pitch))
    return out


def _approaches(
    ctx: Context, notes: list[Note], rng: np.random.Generator, *, low: int, high: int
) -> list[Note]:
    """Some short notes just before a chord change lead into the new root by a step."""
    out = list(notes)
    for i in range(1, len(out) - 1):
        note, nxt = out[i], out[i + 1]
        change = abs(ctx.chord(nxt.start_beat).start_beat - nxt.start_beat) < 1e-6
        same_chord = ctx.chord(out[i - 1].start_beat) is ctx.chord(note.start_beat)
        wanted = change and same_chord and note.duration_beats <= 1.0 and nxt.pitch != note.pitch
        if wanted and rng.random() < 0.35:
            step = 1 if rng.random() < 0.5 else 2
            pitch = nxt.pitch - step if note.pitch < nxt.pitch else nxt.pitch + step
            if low <= pitch <= high:
                out[i] = Note(note.start_beat, note.duration_beats, pitch, max(1, note.velocity - 6))
    return out


def _bar(line: _Line, ctx: Context, bar: int, rng: np.random.Generator) -> None:
    energy = ctx.energy(bar)
    idiom = ctx.style.bass
    vel = int(70 + 35 * energy)
    if not ctx.has_kit and idiom in _PULSE_WITHOUT_KIT:
        _beats_bar(line, ctx, bar, vel)
    elif energy < 0.42 and idiom not in ("808", "walking", "reese"):
        _pedal_bar(line, ctx, bar, vel - 8)
    elif idiom in _PATTERNS and ctx.meter.key == "4/4":
        _pattern_bar(line, ctx, bar, _PATTERNS[idiom], vel)
    elif idiom == "walking":
        _walking_bar(line, ctx, bar, vel, rng)
    elif idiom in ("pulse8", "octaves", "rolling"):
        _eighths_bar(line, ctx, bar, vel, octaves=idiom == "octaves", offbeats=idiom == "rolling")
    elif idiom == "pedal":
        _pedal_bar(line, ctx, bar, vel)
    else:
        _kick_bar(line, ctx, bar, vel, rng)


def bass_notes(ctx: Context, *, low: int, high: int) -> list[Note]:
    """The bass part over the body plus the tonic root ringing under the final chord."""
    rng = ctx.rng("bass")
    line = _Line(ctx, low, high)
    for bar in range(ctx.body_bars):
        if ctx.energy(bar) >= 0.26 or ctx.style.bass == "pedal":
            _bar(line, ctx, bar, rng)
    notes = line.notes
    if ctx.style.bass == "808":
        notes = _glides(notes, rng)
    elif ctx.style.bass in _APPROACHING:
        notes = _approaches(ctx, notes, rng, low=low, high=high)
    notes = humanise(notes, rng, timing_beats=ctx.style.looseness * 0.5, velocity=0.08)
    final: ChordSpan = ctx.final
    pitch = fit_pitch(final.chord.root, low=low, high=min(high, low + 14), near=low + 7)
    notes.append(Note(final.start_beat, final.duration_beats, pitch, 92))
    return notes
