"""Melodic parts: the lead, wordless vocals singing the tune, and counter-lines of guide tones."""

from __future__ import annotations

import numpy as np

from .bass import fit_pitch
from .context import Context
from .melody import Tone, realise
from .meter import humanise
from .score import Note

__all__ = ["VOCAL_SECTIONS", "bend_into", "counter_notes", "tune_notes"]

#: Where wordless vocals carry the tune; the lead instrument answers in the other sections.
VOCAL_SECTIONS = frozenset(
    {
        "verse",
        "chorus",
        "hook",
        "drop",
        "head",
        "theme",
        "recap",
        "swell",
        "phrase",
        "variation",
        "build",
    }
)
_LEGATO_FAMILIES = frozenset({"strings", "voice", "pad", "woodwind", "brass"})
_BENDABLE_BEATS = (0.4, 1.5)  # long enough to hear the bend, short enough that it still moves


def _section_name(ctx: Context, beat: float) -> str:
    bar = min(int(beat // ctx.bar_beats), ctx.body_bars - 1)
    return ctx.section(bar).name


def tune_notes(
    ctx: Context,
    tones: list[Tone],
    *,
    low: int,
    high: int,
    legato: bool,
    sections: frozenset[str] | None = None,
    exclude: frozenset[str] = frozenset(),
    label: str = "lead",
) -> list[Note]:
    """The tune in one part's range, limited to ``sections`` (minus ``exclude``), ending on the tonic."""
    chosen = [
        t
        for t in tones
        if (sections is None or _section_name(ctx, t.start_beat) in sections)
        and _section_name(ctx, t.start_beat) not in exclude
    ]
    if label == "vocals":
        chosen = _singable(chosen)
    centre = ctx.style.lead_centre + round((ctx.plan.brightness - 0.5) * 8)
    centre = min(max(centre, low + 7), high - 7) if high - low >= 14 else (low + high) // 2
    articulation = 0.97 if legato else 0.88
    notes = [
        Note(start, max(0.06, length * articulation), pitch, vel)
        for start, length, pitch, vel in realise(ctx, chosen, low=low, high=high, centre=centre)
    ]
    notes = humanise(notes, ctx.rng(f"{label}:feel"), timing_beats=ctx.style.looseness, velocity=0.08)
    near = notes[-1].pitch if notes else centre
    final = ctx.final
    pitch = fit_pitch(ctx.tonic, low=low, high=high, near=near)
    notes.append(Note(final.start_beat, final.duration_beats, pitch, 84))
    return notes


def _singable(tones: list[Tone]) -> list[Tone]:
    """Voices do not sing sixteenth runs: short weak notes fold into the note before them."""
    out: list[Tone] = []
    for tone in tones:
        if out and tone.duration_beats < 0.3 and not tone.strong:
            last = out[-1]
            if tone.start_beat - last.start_beat < 2.0:
                length = tone.start_beat + tone.duration_beats - last.start_beat
                out[-1] = Tone(last.start_beat, length, last.degree, last.strong, last.accent)
                continue
        out.append(tone)
    return out


def counter_notes(ctx: Context, *, low: int, high: int) -> list[Note]:
    """Guide tones (thirds and sevenths) voice-led through the changes, busier at peaks."""
    centre = min(max(62, low + 7), high - 5) if high - low >= 12 else (low + high) // 2
    last = float(centre)
    notes: list[Note] = []
    for span in ctx.changes.spans[:-1]:
        bar = min(int(span.start_beat // ctx.bar_beats), ctx.body_bars - 1)
        energy = ctx.energy(bar)
        if energy < 0.5:
            continue
        chord = span.chord
        intervals = chord.intervals
        guide = [(chord.root + i) % 12 for i in intervals if i % 12 in (3, 4, 10, 11)] or [chord.fifth]
        pitch = min(
            (fit_pitch(pc, low=low, high=high, near=last) for pc in guide), key=lambda p: abs(p - last)
        )
        velocity = int(58 + 36 * energy)
        if energy >= 0.74 and span.duration_beats >= 2:
            half = span.duration_beats / 2
            other = fit_pitch(chord.fifth, low=low, high=high, near=pitch)
            notes += [
                Note(span.start_beat, half * 0.95, pitch, velocity),
                Note(span.start_beat + half, half * 0.95, other, velocity - 6),
            ]
        else:
            notes.append(Note(span.start_beat, span.duration_beats * 0.95, pitch, velocity))
        last = pitch
    notes = humanise(notes, ctx.rng("counter:feel"), timing_beats=ctx.style.looseness, velocity=0.06)
    final = ctx.final
    third = final.chord.third if final.chord.third is not None else final.chord.root
    notes.append(
        Note(final.start_beat, final.duration_beats, fit_pitch(third, low=low, high=high, near=last), 76)
    )
    return notes


def is_legato(family: str) -> bool:
    """Whether an instrument family slurs its notes (strings, voices, winds, pads)."""
    return family in _LEGATO_FAMILIES


def bend_into(notes: list[Note], rng: np.random.Generator, *, share: float) -> list[Note]:
    """Guitar bends: about ``share`` of the mid-length notes are picked a whole tone (a semitone, now
    and then) under their pitch and bent up into it, reaching it as the note ends; the final note and
    short runs stay straight."""
    if share <= 0.0:
        return notes
    out = list(notes)
    low, high = _BENDABLE_BEATS
    for index, note in enumerate(out[:-1]):
        if low <= note.duration_beats <= high and note.pitch >= 2 and rng.random() < share:
            step = 2 if rng.random() < 0.75 else 1
            out[index] = Note(note.start_beat, note.duration_beats, note.pitch - step, note.velocity, step)
    return out
