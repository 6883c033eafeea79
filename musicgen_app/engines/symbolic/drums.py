"""Drums: the style's groove at a level set by the energy, fills and crashes at section boundaries,
swing, ghost notes and humanised timing; plus the percussion instruments a prompt names."""

from __future__ import annotations

import numpy as np

from .context import Context
from .meter import humanise, swing_beat
from .score import Note
from .styles.patterns import DRUM_KEYS, FILLS, GROOVES, METER_GROOVES

__all__ = ["drum_level", "drum_notes", "groove_for_bar", "kick_onsets", "lane_hits"]

_VELOCITY = {"X": 118, "x": 100, "o": 76, "g": 40, "r": 84}
_LIGHT_DROP = frozenset({"open", "tamb", "rim", "ride", "crash", "cowbell", "conga_open", "conga_mute"})
_HIT_BEATS = 0.25


def drum_level(energy: float) -> int:
    """0 silent, 1 light, 2 full groove, 3 peak groove."""
    return 0 if energy < 0.22 else 1 if energy < 0.42 else 2 if energy < 0.74 else 3


def _generic_groove(ctx: Context) -> dict[str, str]:
    """Kick on one, snare on the beat nearest the middle, hats on every eighth (odd meters)."""
    steps = ctx.meter.steps_per_bar
    kick, snare = ["."] * steps, ["."] * steps
    kick[0] = "x"
    snare[(steps // 2) - (steps // 2) % 2] = "x"
    hat = "".join("x" if i % 2 == 0 else "." for i in range(steps))
    return {"kick": "".join(kick), "snare": "".join(snare), "hat": hat}


def _bar_level(ctx: Context, bar: int) -> int:
    level = drum_level(ctx.energy(bar))
    if level == 0 and ctx.energy(bar) >= 0.1 and drum_level(max(ctx.bar_energy)) == 0:
        return 1  # a quiet track with a kit still hears it, lightly
    return level


def groove_for_bar(ctx: Context, bar: int) -> dict[str, str]:
    """The lanes the kit plays in ``bar`` (empty when the drums rest there)."""
    level = _bar_level(ctx, bar)
    if level == 0:
        return {}
    name = ctx.style.groove or "backbeat"
    if level == 3 and ctx.style.groove_peak:
        name = ctx.style.groove_peak
    if ctx.meter.key == "4/4":
        lanes = dict(GROOVES[name])
    else:
        lanes = dict(METER_GROOVES.get(ctx.meter.key) or _generic_groove(ctx))
    if level == 1:
        lanes = {k: _thin(v) for k, v in lanes.items() if k not in _LIGHT_DROP}
    return lanes


def _thin(steps: str) -> str:
    """Keep only hits on beats and drop ghost notes: the light version of a lane."""
    n = len(steps)
    per_beat = n / 4 if n % 4 == 0 else n
    return "".join(
        c if (i % per_beat == 0 and c not in "go") or c in "Xx" else "." for i, c in enumerate(steps)
    )


def lane_hits(steps: str, bar_beats: float) -> list[tuple[float, int]]:
    """``(position_in_bar, velocity)`` of every hit in a lane (rolls become three strokes)."""
    step = bar_beats / len(steps)
    hits: list[tuple[float, int]] = []
    for index, char in enumerate(steps):
        if char == ".":
            continue
        if char == "r":
            hits += [(index * step + k * step / 3, _VELOCITY["r"] - 10 * k) for k in range(3)]
        else:
            hits.append((index * step, _VELOCITY[char]))
    return hits


def kick_onsets(ctx: Context, bar: int) -> list[float]:
    """Positions in ``bar`` (beats from its start) where the kick plays; the bass locks to them."""
    lanes = groove_for_bar(ctx, bar) if ctx.style.has_drums else {}
    return [pos for pos, _ in lane_hits(lanes.get("kick", ""), ctx.bar_beats)] if lanes else []


def _fill(ctx: Context, bar: int, rng: np.random.Generator, previous: str) -> tuple[str, dict[str, str]]:
    last = bar == ctx.body_bars - 1
    nxt = min(bar + 1, ctx.body_bars - 1)
    # Longer fills lift into a stronger section, and into the final chord.
    long = (last or ctx.energy(nxt) > ctx.energy(bar) + 0.1) and ctx.bar_beats >= 3
    names = [n for n, lanes in FILLS.items() if (max(len(s) for s in lanes.values()) > 4) == long]
    names = [n for n in names if n != previous] or names
    name = names[int(rng.integers(len(names)))]
    return name, FILLS[name]


def _bar_notes(
    ctx: Context, bar: int, lanes: dict[str, str], fill: dict[str, str] | None, scale: float
) -> list[Note]:
    style, start = ctx.style, ctx.bar_start(bar)
    fill_beats = 0.0
    if fill:
        fill_beats = min(2.0 if max(len(s) for s in fill.values()) > 4 else 1.0, ctx.bar_beats)
    cut = ctx.bar_beats - fill_beats
    notes: list[Note] = []
    for lane, steps in lanes.items():
        for pos, vel in lane_hits(steps, ctx.bar_beats):
            if pos >= cut - 1e-9:
                continue
            at = start + swing_beat(pos, swing=style.swing, unit=style.swing_unit)
            notes.append(Note(at, _HIT_BEATS, DRUM_KEYS[lane], int(min(127, max(1, vel * scale)))))
    for lane, steps in (fill or {}).items():
        for pos, vel in lane_hits(steps, fill_beats):
            notes.append(Note(start + cut + pos, _HIT_BEATS, DRUM_KEYS[lane], int(min(127, vel * scale))))
    return notes


def drum_notes(ctx: Context) -> list[Note]:
    """The kit part for the whole body, fills and crashes included, humanised."""
    rng = ctx.rng("drums")
    notes: list[Note] = []
    previous_fill = ""
    for bar in range(ctx.body_bars):
        lanes = groove_for_bar(ctx, bar)
        if not lanes:
            continue
        level = _bar_level(ctx, bar)
        scale = (0.8, 0.8, 0.95, 1.05)[level] * (0.85 + 0.3 * ctx.plan.energy)
        phrase_end = (ctx.bar_in_section(bar) + 1) % 8 == 0
        fill = None
        if (
            (ctx.is_section_end(bar) or phrase_end)
            and level >= 1
            and ctx.bar_start(bar + 1) <= (ctx.form.ending_beat + 1e-9)
        ):
            previous_fill, fill = _fill(ctx, bar, rng, previous_fill)
        notes += _bar_notes(ctx, bar, lanes, fill, scale)
        notes += _accents(ctx, bar, level, scale)
    notes = humanise(notes, rng, timing_beats=ctx.style.looseness, velocity=0.1)
    return notes + ending_hits(ctx)


def _accents(ctx: Context, bar: int, level: int, scale: float) -> list[Note]:
    """A crash where a section starts (and every four bars at the peak), an open hat to lift it."""
    in_section = ctx.bar_in_section(bar)
    notes: list[Note] = []
    if level >= 2 and bar > 0 and (in_section == 0 or (level == 3 and in_section % 4 == 0)):
        velocity = int(min(127, (110 if in_section == 0 else 92) * scale))
        notes.append(Note(ctx.bar_start(bar), 1.0, DRUM_KEYS["crash"], velocity))
    if level == 3 and in_section % 2 == 1 and ctx.meter.key == "4/4" and not ctx.is_section_end(bar):
        notes.append(Note(ctx.bar_start(bar) + 3.5, 0.5, DRUM_KEYS["open"], int(min(127, 88 * scale))))
    return notes


def ending_hits(ctx: Context) -> list[Note]:
    """Kick and crash on the final chord, left to ring."""
    at = ctx.form.ending_beat
    ring = max(0.25, ctx.form.end_beat - at)
    return [Note(at, min(1.0, ring), DRUM_KEYS["kick"], 104), Note(at, ring, DRUM_KEYS["crash"], 100)]
