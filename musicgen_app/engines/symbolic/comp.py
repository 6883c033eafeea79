"""Accompaniment: chords, pads and arpeggios played as the style's figures over voice-led chords."""

from __future__ import annotations

import numpy as np

from .context import Context
from .harmony import ChordSpan, voice_chord
from .meter import humanise, swing_beat
from .score import Note
from .styles.patterns import FIGURE_KINDS, FIGURES, METER_FIGURES

__all__ = ["chord_window", "figure_for", "figure_notes", "pad_plays"]

_CENTRES = {"chords": 62, "pad": 64, "arp": 69, "choir": 64}
_STRUM_BEATS = 0.012


def chord_window(role: str, low: int, high: int, brightness: float) -> tuple[int, int]:
    """The pitch window a harmony part voices its chords in."""
    centre = _CENTRES.get(role, 62) + round((brightness - 0.5) * 8)
    lo, hi = max(low, centre - 12), min(high, centre + 14)
    if hi - lo < 12:
        lo, hi = max(low, hi - 16), min(high, lo + 16)
    return lo, hi


def _strings_for(ctx: Context, name: str) -> tuple[str, ...]:
    if ctx.meter.key == "4/4":
        return FIGURES[name]
    kind = FIGURE_KINDS[name]
    if ctx.meter.key in METER_FIGURES:
        return METER_FIGURES[ctx.meter.key][kind]
    steps = ctx.meter.steps_per_bar
    if kind == "pad":
        return ("C" + "-" * (steps - 1),)
    per_beat = max(1, round(steps / ctx.bar_beats))
    if kind == "rhythm":
        return ("".join("c" if i % per_beat == 0 else "." for i in range(steps)),)
    return ("".join(str((i // 2) % 4) if i % 2 == 0 else "." for i in range(steps)),)


def figure_for(ctx: Context, role: str, bar: int) -> str:
    """Name of the figure ``role`` plays in ``bar``."""
    style, energy = ctx.style, ctx.energy(bar)
    if role == "pad" or role == "choir":
        return "pad"
    if role == "arp":
        return style.arp_figure
    name = style.figure_peak if energy >= 0.74 and style.figure_peak else style.figure
    if not ctx.has_kit and not ctx.has_arp and FIGURE_KINDS[name] == "pad":
        return "arp8"  # nothing else keeps the pulse
    if not ctx.has_kit and FIGURE_KINDS[name] == "rhythm" and not _on_every_beat(ctx, name):
        return "pulse8"
    if energy < 0.35 and ctx.has_kit and FIGURE_KINDS[name] == "rhythm":
        return "whole"
    return name


def _on_every_beat(ctx: Context, name: str) -> bool:
    """Whether every variant of a figure strikes on every beat of the bar."""
    for text in _strings_for(ctx, name):
        onsets = {round(pos, 6) for pos, _, _ in _hits(text, ctx.bar_beats)}
        if not all(round(beat, 6) in onsets for beat in ctx.meter.pulses):
            return False
    return True


def pad_plays(ctx: Context, bar: int) -> bool:
    """Whether the pad sounds in ``bar``: at high energy, and in intros, bridges and breakdowns."""
    section = ctx.section(bar)
    return ctx.energy(bar) >= 0.7 or section.name not in ("verse", "build", "head", "solo", "theme")


def _hits(text: str, bar_beats: float) -> list[tuple[float, float, str]]:
    """``(position, length, symbol)`` per hit of a figure string."""
    step = bar_beats / len(text)
    hits: list[tuple[float, float, str]] = []
    for index, char in enumerate(text):
        if char in ".-":
            continue
        hold = 1
        while index + hold < len(text) and text[index + hold] == "-":
            hold += 1
        hits.append((index * step, hold * step, char))
    return hits


def _pitches(symbol: str, voices: tuple[int, ...]) -> list[tuple[int, float]]:
    """Pitches of one hit and their onset offsets (strums roll through the chord)."""
    if symbol in "Cc":
        return [(p, 0.0) for p in voices]
    if symbol == "D":
        return [(p, k * _STRUM_BEATS) for k, p in enumerate(voices)]
    if symbol == "U":
        top = list(voices[-3:])[::-1]
        return [(p, k * _STRUM_BEATS) for k, p in enumerate(top)]
    index = int(symbol)
    return [(voices[index % len(voices)] + 12 * (index // len(voices)), 0.0)]


class _Voicer:
    """Voice-leads successive chords inside a window."""

    def __init__(self, low: int, high: int, size: int, power: bool) -> None:
        self.low, self.high, self.size, self.power = low, high, size, power
        self.previous: tuple[int, ...] | None = None
        self.cache: dict[float, tuple[int, ...]] = {}

    def voices(self, span: ChordSpan) -> tuple[int, ...]:
        if span.start_beat not in self.cache:
            voiced = voice_chord(
                span.chord, low=self.low, high=self.high, size=self.size, previous=self.previous
            )
            if self.power and len(voiced) == 2 and voiced[0] + 12 <= self.high:
                voiced = (*voiced, voiced[0] + 12)
            self.previous = voiced
            self.cache[span.start_beat] = voiced
        return self.cache[span.start_beat]


def _velocity(symbol: str, kind: str, energy: float, position: float) -> int:
    """Louder for accents, and on the beat, so figures state the pulse."""
    base = (52 + 30 * energy) if kind == "pad" else (62 + 38 * energy)
    on_beat = 6 if abs(position - round(position)) < 1e-6 else 0
    return int(min(127, base + (10 if symbol in "CD" else 0) + on_beat + (6 if position == 0 else 0)))


def _bar_notes(ctx: Context, role: str, bar: int, voicer: _Voicer, variant: int) -> list[Note]:
    name = figure_for(ctx, role, bar)
    kind = FIGURE_KINDS[name]
    options = _strings_for(ctx, name)
    text = options[variant % len(options)]
    articulation = 1.0 if kind == "pad" else 0.95 if kind == "arp" else 0.85
    start, energy, style = ctx.bar_start(bar), ctx.energy(bar), ctx.style
    notes: list[Note] = []
    for pos, length, symbol in _hits(text, ctx.bar_beats):
        at = start + swing_beat(pos, swing=style.swing, unit=style.swing_unit)
        span = ctx.chord(at)
        end = min(at + length * articulation, span.end_beat)
        for pitch, offset in _pitches(symbol, voicer.voices(span)):
            pitch -= 12 * max(0, -(-(pitch - voicer.high) // 12))  # arpeggios wrap inside the window
            if end - at - offset > 0.02:
                notes.append(
                    Note(at + offset, end - at - offset, pitch, _velocity(symbol, kind, energy, pos))
                )
        if kind == "pad" and at + length > span.end_beat + 1e-9:
            nxt = ctx.changes.next_after(span)
            tail = min(at + length, nxt.end_beat) - nxt.start_beat
            for pitch in voicer.voices(nxt):
                notes.append(Note(nxt.start_beat, tail, pitch, _velocity("c", kind, energy, 0.5)))
    return notes


def _plays(ctx: Context, role: str, bar: int) -> bool:
    if role == "pad":
        return pad_plays(ctx, bar)
    if role == "arp":
        return ctx.energy(bar) >= 0.45 or not ctx.has_kit
    if role == "choir":
        return ctx.energy(bar) >= 0.5 or ctx.section(bar).name in ("phrase", "outro")
    return True


def figure_notes(ctx: Context, role: str, *, low: int, high: int) -> list[Note]:
    """The part for a harmony ``role`` (``chords``, ``pad``, ``arp``, ``choir``), with its final chord."""
    rng: np.random.Generator = ctx.rng(f"figure:{role}")
    lo, hi = chord_window(role, low, high, ctx.plan.brightness)
    voicer = _Voicer(lo, hi, 3 if role == "choir" else 4, ctx.style.colour == "power")
    notes: list[Note] = []
    variant = 0
    for bar in range(ctx.body_bars):
        if ctx.bar_in_section(bar) % 2 == 0:
            variant = int(rng.integers(8))
        if _plays(ctx, role, bar):
            notes += _bar_notes(ctx, role, bar, voicer, variant)
    notes = humanise(notes, rng, timing_beats=ctx.style.looseness * 0.6, velocity=0.06)
    final = ctx.final
    for pitch in voicer.voices(final):
        notes.append(Note(final.start_beat, final.duration_beats, pitch, 80))
    return notes
