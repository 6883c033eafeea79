"""Percussion the prompt names (claps, congas, tabla, timpani...): patterns of their own, and kit
pieces (hi-hats, kick, snare, cymbals) carved out of the kit into parts that carry their names."""

from __future__ import annotations

from ...instruments import instrument
from .context import Context
from .drums import drum_level, lane_hits
from .meter import humanise, swing_beat
from .score import Note

__all__ = ["KIT_PIECE_KEYS", "carve_kit", "percussion_notes"]

#: 4/4 patterns: {GM key: step string}. Taiko and timpani are pitched and handled apart.
# fmt: off
_PATTERNS: dict[str, dict[int, str]] = {
    "claps": {39: "....x.......x..."},
    "congas": {62: "..o.....g.o.....", 63: "......xx......xx", 64: "x.......x......."},
    "timbales": {65: "x..x..x...x.x...", 66: "..........o...x."},
    "tabla": {60: "x..x..x.x..x..x.", 61: "..o...o...o..oo.", 62: "....g.......g..."},
    "talking drums": {61: "x..x......x.....", 63: "....o..o....o.oo", 64: "......x.......x."},
    "shekere": {69: "xoxoxoxoxoxoxoxo"},
    "bodhran": {41: "x.....x.x.......", 43: "..o.o.....o.o.o.", 45: "....x.......x..."},
    "tambourine": {54: "..x...x...x...x."},
    "cowbell": {56: "x.x.x.x.x.x.x.x."},
    "sleigh bells": {83: "xoxoxoxoxoxoxoxo"},
    "woodblock": {76: "x...x...x...x...", 77: "..o...o...o...o."},
    "percussion": {70: "xoxoxoxoxoxoxoxo", 54: "....x.......x..."},
    "hi-hats": {42: "x.o.x.o.x.o.x.o.", 46: "..............x."},
    "kick": {36: "x.......x.x....."},
    "snare": {38: "....x.......x..."},
    "cymbals": {51: "x.x.x.x.x.x.x.x.", 49: "x..............."},
}
KIT_PIECE_KEYS: dict[str, frozenset[int]] = {
    "hi-hats": frozenset({42, 44, 46}), "kick": frozenset({35, 36}), "snare": frozenset({37, 38, 40}),
    "cymbals": frozenset({49, 51, 53, 57}),
}
_PITCHED = {"taiko": "xo..x...x..x.xo.", "timpani": "x.......o......."}
# fmt: on


def _meter_pattern(name: str, ctx: Context) -> dict[int, str]:
    """The 4/4 pattern, or for other meters its first key on every eighth, accented on beats."""
    pattern = _PATTERNS[name]
    if ctx.meter.key == "4/4":
        return pattern
    steps = ctx.meter.steps_per_bar
    beat_steps = steps / ctx.bar_beats
    lane = "".join("x" if i % beat_steps == 0 else "o" if i % 2 == 0 else "." for i in range(steps))
    return {next(iter(pattern)): lane}


def _plays(ctx: Context, bar: int) -> bool:
    return ctx.energy(bar) >= 0.3


def _bars(ctx: Context) -> list[int]:
    bars = [b for b in range(ctx.body_bars) if _plays(ctx, b)]
    # Percussion the prompt named must be heard even in a quiet track.
    return bars or list(range(ctx.body_bars))


def _keyed_notes(ctx: Context, pattern: dict[int, str], bars: list[int]) -> list[Note]:
    style = ctx.style
    notes: list[Note] = []
    for bar in bars:
        scale = 0.75 + 0.3 * ctx.energy(bar)
        for key, steps in pattern.items():
            for pos, vel in lane_hits(steps, ctx.bar_beats):
                at = ctx.bar_start(bar) + swing_beat(pos, swing=style.swing, unit=style.swing_unit)
                notes.append(Note(at, 0.25, key, int(max(1, min(127, vel * scale)))))
    return notes


def _pitched_notes(ctx: Context, name: str, bars: list[int]) -> list[Note]:
    inst = instrument(name)
    notes: list[Note] = []
    for bar in bars:
        root = ctx.chord(ctx.bar_start(bar)).chord.root
        pitch = inst.low + (root - inst.low) % 12 if name == "timpani" else inst.low + 5
        for pos, vel in lane_hits(_PITCHED[name], ctx.bar_beats):
            notes.append(Note(ctx.bar_start(bar) + pos, 1.0, pitch, int(vel * (0.7 + 0.3 * ctx.energy(bar)))))
        if ctx.is_section_end(bar) and drum_level(ctx.energy(bar)) >= 2:
            notes += _roll(ctx.bar_start(bar + 1) - 1.0, 1.0, pitch)
    return notes


def _roll(start: float, length: float, pitch: int) -> list[Note]:
    count = 8
    return [Note(start + k * length / count, length / count, pitch, 60 + 6 * k) for k in range(count)]


def percussion_notes(ctx: Context, name: str) -> list[Note]:
    """Notes for the percussion instrument ``name`` over the body, plus a hit on the final chord."""
    bars = _bars(ctx)
    rng = ctx.rng(f"perc:{name}")
    if name in _PITCHED:
        notes = _pitched_notes(ctx, name, bars)
        pitch = notes[-1].pitch if notes else instrument(name).low
        ring = max(0.25, ctx.form.end_beat - ctx.form.ending_beat)
        notes.append(Note(ctx.form.ending_beat, ring, pitch, 110))
    else:
        notes = _keyed_notes(ctx, _meter_pattern(name, ctx), bars)
        key = next(iter(_PATTERNS[name]))
        notes.append(Note(ctx.form.ending_beat, 0.5, key, 96))
    return humanise(notes, rng, timing_beats=ctx.style.looseness, velocity=0.1)


def carve_kit(ctx: Context, kit: list[Note], piece: str) -> tuple[list[Note], list[Note]]:
    """Split the kit into (what stays, the notes of ``piece``); a piece the groove lacks is written."""
    keys = KIT_PIECE_KEYS[piece]
    taken = [n for n in kit if n.pitch in keys]
    rest = [n for n in kit if n.pitch not in keys]
    if not any(n.start_beat < ctx.form.ending_beat for n in taken):
        taken = percussion_notes(ctx, piece)
    return rest, taken
