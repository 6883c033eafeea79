"""Melody: a motif developed by repetition, sequence, inversion and rhythmic variation into 4-bar
phrases that ask (end open) and answer (end on the tonic), with chord tones on strong beats.

A line is first written as scale degrees (:class:`Tone`), then realised in the register of the part
that plays it, so a voice and an instrument can share one tune.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .context import Context
from .harmony import scale_for_chord
from .meter import Meter, swing_beat

__all__ = ["Motif", "Tone", "make_motif", "realise", "write_line"]

_STEP_CHOICES = np.array([-3, -2, -1, 0, 1, 2, 3, 4])
_STEP_WEIGHTS = np.array([0.04, 0.13, 0.3, 0.07, 0.3, 0.12, 0.03, 0.01])
#: How each section name treats the tune: (motif source, register lift in degrees, density change).
_TREATMENT: dict[str, tuple[str, int, float]] = {
    "verse": ("verse", 0, 0.0),
    "chorus": ("chorus", 2, 0.08),
    "bridge": ("bridge", 1, -0.1),
    "breakdown": ("bridge", 0, -0.25),
    "build": ("verse", 0, 0.0),
    "drop": ("chorus", 2, 0.05),
    "head": ("verse", 0, 0.0),
    "solo": ("solo", 1, 0.2),
    "theme": ("verse", 0, 0.0),
    "variation": ("verse", 1, 0.22),
    "development": ("bridge", 1, 0.05),
    "recap": ("verse", 2, 0.05),
    "drift": ("verse", 0, -0.15),
    "swell": ("chorus", 2, -0.05),
    "hook": ("chorus", 2, 0.05),
    "break": ("bridge", 0, -0.15),
    "phrase": ("verse", 1, 0.0),
    "outro": ("chorus", 0, -0.25),
}


@dataclass(frozen=True)
class Tone:
    """One melody note as a scale degree (0 = tonic, 7 = tonic an octave up)."""

    start_beat: float
    duration_beats: float
    degree: int
    strong: bool
    accent: float = 0.0


@dataclass(frozen=True)
class Motif:
    """One bar of rhythm (``(position, length)`` pairs) and the scale steps between its notes."""

    rhythm: tuple[tuple[float, float], ...]
    steps: tuple[int, ...]


def _cells(meter: Meter, density: float) -> tuple[list[tuple[tuple[float, float], ...]], np.ndarray]:
    """Beat-long rhythm cells and their weights for a density (0 sparse .. 1 busy)."""
    if meter.compound:
        t = 1.0 / 3.0
        cells = [((0.0, 1.0),), ((0.0, 2 * t), (2 * t, t)), ((0.0, t), (t, t), (2 * t, t)), ()]
        weights = np.array([1.2 - density, 0.8, 0.2 + density, 0.25])
        return cells, weights / weights.sum()
    cells = [
        ((0.0, 1.0),),
        ((0.0, 0.5), (0.5, 0.5)),
        ((0.5, 0.5),),
        ((0.0, 0.75), (0.75, 0.25)),
        ((0.0, 0.25), (0.25, 0.25), (0.5, 0.25), (0.75, 0.25)),
        ((0.0, 0.5), (0.5, 0.25), (0.75, 0.25)),
        (),
    ]
    d = density
    weights = np.array(
        [1.3 - d, 0.5 + 0.6 * d, 0.25, 0.35, max(0.02, d - 0.45), 0.1 + 0.4 * d, 0.5 - 0.3 * d]
    )
    return cells, weights / weights.sum()


def _rhythm(meter: Meter, density: float, rng: np.random.Generator) -> tuple[tuple[float, float], ...]:
    cells, weights = _cells(meter, density)
    out: list[tuple[float, float]] = []
    for beat in meter.pulses:
        cell = cells[int(rng.choice(len(cells), p=weights))]
        if beat == 0 and not cell:
            cell = cells[0]  # the motif starts on the downbeat
        for pos, length in cell:
            out.append((beat + pos, length))
    if len(out) < 2:
        out.append((meter.pulses[-1] if len(meter.pulses) > 1 else 0.5, 0.5))
        out = sorted(set(out))
    return tuple(out)


def make_motif(meter: Meter, density: float, rng: np.random.Generator) -> Motif:
    """A new motif: rhythm from beat cells, steps mostly by step with the odd leap."""
    rhythm = _rhythm(meter, density, rng)
    steps = [0] + [int(s) for s in rng.choice(_STEP_CHOICES, size=len(rhythm) - 1, p=_STEP_WEIGHTS)]
    return Motif(rhythm, tuple(steps))


def _invert(motif: Motif) -> Motif:
    return Motif(motif.rhythm, tuple(-s for s in motif.steps))


def _vary_rhythm(motif: Motif, meter: Meter, density: float, rng: np.random.Generator) -> Motif:
    """Same contour, new rhythm (the contour is cycled or trimmed to fit)."""
    rhythm = _rhythm(meter, density, rng)
    steps = [motif.steps[i % len(motif.steps)] for i in range(len(rhythm))]
    return Motif(rhythm, (0, *steps[1:]))


def _cadence(meter: Meter, motif: Motif) -> Motif:
    """Cadence bar: the motif's first note, then a long note to rest on."""
    first = motif.rhythm[0]
    land = 1.0 if meter.beats_per_bar >= 3 else meter.beats_per_bar / 2
    land = max(land, first[0] + 0.5)
    return Motif(((first[0], land - first[0]), (land, meter.beats_per_bar - land - 0.25)), (0, -1))


def _phrase_bars(
    motif: Motif, meter: Meter, density: float, rng: np.random.Generator, answer: bool
) -> list[tuple[Motif, int]]:
    """Four bars of (motif, level shift): statement, sequence or repeat, development, cadence."""
    second = (
        (motif, int(rng.choice([1, -1, 2])))
        if rng.random() < 0.6
        else (_vary_rhythm(motif, meter, density, rng), 0)
    )
    third_options = [(_invert(motif), 1), (_vary_rhythm(motif, meter, density + 0.1, rng), 2)]
    third = third_options[int(answer) if rng.random() < 0.7 else 1 - int(answer)]
    return [(motif, 0), second, third, (_cadence(meter, motif), 0)]


class _Writer:
    """Turns motifs into degree tones, keeping chord tones on strong beats."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tones: list[Tone] = []

    def _chord_degrees(self, beat: float) -> set[int]:
        chord = self.ctx.chord(beat).chord
        scale = self.ctx.mode_scale
        degrees = set()
        for pc in chord.pitch_classes:
            rel = (pc - self.ctx.tonic) % 12
            nearest = min(range(7), key=lambda d: abs(scale[d] - rel))
            degrees.add(nearest)
        return degrees

    def _snap(self, degree: int, beat: float, targets: set[int] | None = None) -> int:
        pool = targets or self._chord_degrees(beat)
        for delta in (0, -1, 1, -2, 2, -3, 3):
            if (degree + delta) % 7 in pool:
                return degree + delta
        return degree

    def bar(self, start: float, motif: Motif, anchor: int, *, end_targets: set[int] | None) -> int:
        """Write one bar from ``anchor``; returns the last degree written."""
        degree = anchor
        last_index = len(motif.rhythm) - 1
        for index, ((pos, length), step) in enumerate(zip(motif.rhythm, motif.steps, strict=True)):
            degree += step
            degree = max(-5, min(12, degree))
            style = self.ctx.style
            swung = swing_beat(pos, swing=style.swing, unit=style.swing_unit)
            at, length = start + swung, length - (swung - pos)
            strong = self.ctx.meter.is_strong(pos)
            if index == last_index and end_targets is not None:
                # Land on a target the chord agrees with; over a chord without one, on a chord tone.
                degree = self._snap(degree, at, end_targets & self._chord_degrees(at) or None)
            elif strong or length >= 1.0:
                degree = self._snap(degree, at)
            self.tones.append(Tone(at, length, degree, strong, 0.1 if strong else 0.0))
        return degree


def _density(ctx: Context, name: str, bar: int) -> float:
    base = ctx.style.lead_density + _TREATMENT.get(name, ("verse", 0, 0.0))[2]
    tempo = min(0.2, max(-0.25, (100.0 - ctx.plan.tempo_bpm) / 160.0))
    return float(min(1.0, max(0.0, base + 0.25 * (ctx.energy(bar) - 0.5) + tempo)))


def write_line(ctx: Context, *, label: str = "melody", sections: frozenset[str] | None = None) -> list[Tone]:
    """The tune for every section in ``sections`` (all melodic sections when None), as degrees."""
    rng = ctx.rng(label)
    motifs: dict[str, Motif] = {}
    writer = _Writer(ctx)
    occurrences: dict[str, int] = {}
    for section in ctx.form.sections:
        if section.name not in _TREATMENT or (sections is not None and section.name not in sections):
            continue
        source, lift, _ = _TREATMENT[section.name]
        density = _density(ctx, section.name, section.start_bar)
        if source not in motifs or source == "solo":
            motifs[source] = _derive(motifs, source, ctx.meter, density, rng)
        count = occurrences.get(section.name, 0)
        occurrences[section.name] = count + 1
        _section(
            writer,
            ctx,
            section.start_bar,
            section.bars,
            motifs[source],
            lift,
            density,
            ctx.rng(f"{label}:{section.name}"),
            variation=ctx.rng(f"{label}:{section.name}:{count}") if count else None,
        )
    return writer.tones


def _derive(
    motifs: dict[str, Motif], source: str, meter: Meter, density: float, rng: np.random.Generator
) -> Motif:
    """The chorus and bridge grow out of the verse motif; solos improvise on it."""
    base = motifs.get("verse")
    if base is None:
        return make_motif(meter, density, rng)
    if source == "chorus":
        # A hook of its own: longer notes, a leap up from the start, then a stepwise fall.
        rhythm = _rhythm(meter, max(0.0, density - 0.12), rng)
        leap = int(rng.choice([2, 3, 4]))
        fall = [int(s) for s in rng.choice([-1, -1, 0, 1, -2], size=max(0, len(rhythm) - 2))]
        return Motif(rhythm, (0, leap, *fall)[: len(rhythm)])
    if source == "bridge":
        return _invert(_vary_rhythm(base, meter, max(0.0, density - 0.15), rng))
    return _vary_rhythm(make_motif(meter, density, rng), meter, density, rng)


def _ornament(motif: Motif, rng: np.random.Generator) -> Motif:
    """A varied repeat: about a quarter of the steps move by one degree."""
    steps = [
        s + int(rng.choice([-1, 1])) if i and rng.random() < 0.25 else s for i, s in enumerate(motif.steps)
    ]
    return Motif(motif.rhythm, tuple(steps))


def _section(
    writer: _Writer,
    ctx: Context,
    first: int,
    bars: int,
    motif: Motif,
    lift: int,
    density: float,
    rng: np.random.Generator,
    *,
    variation: np.random.Generator | None = None,
) -> None:
    """Write a section as 4-bar phrases; a repeated section (``variation`` given) is ornamented."""
    tonic_targets = {0, 2}
    open_targets = {1, 4}
    anchor = 2 + lift
    for phrase_start in range(0, bars, 4):
        length = min(4, bars - phrase_start)
        answer = (phrase_start // 4) % 2 == 1 or phrase_start + 4 >= bars
        plan = _phrase_bars(motif, ctx.meter, density, rng, answer)
        plan = [*plan[: length - 1], plan[-1]] if length < 4 else plan
        level = anchor
        for k, (bar_motif, shift) in enumerate(plan):
            bar = first + phrase_start + k
            if bar >= ctx.body_bars:
                return
            last = k == len(plan) - 1
            targets = (tonic_targets if answer else open_targets) if last else None
            if variation is not None and not last:
                bar_motif = _ornament(bar_motif, variation)
            writer.bar(ctx.bar_start(bar), bar_motif, level + shift, end_targets=targets)
            level = anchor + (shift if not last else 0)


def realise(
    ctx: Context, tones: list[Tone], *, low: int, high: int, centre: int
) -> list[tuple[float, float, int, int]]:
    """``(start, length, pitch, velocity)`` for each tone, folded into a window around ``centre``."""
    if not tones:
        return []
    scale = ctx.mode_scale
    # Degrees 0..4 (where tunes mostly live) sit around the centre, not above it.
    # Tunes mostly span degrees 0..7, so the tonic sits about half an octave under the centre.
    below = centre - 6 - ((centre - 6 - ctx.tonic) % 12)
    tonic_pitch = below + 12 if centre - 6 - below > 6 else below
    lo, hi = max(low, centre - 10), min(high, centre + 12)
    if hi - lo < 12:
        lo, hi = low, high
    out: list[tuple[float, float, int, int]] = []
    for tone in tones:
        octave, index = divmod(tone.degree, 7)
        pitch = tonic_pitch + 12 * octave + scale[index]
        chord = ctx.chord(tone.start_beat).chord
        allowed = scale_for_chord(scale, ctx.tonic, chord)
        if pitch % 12 not in allowed:
            pitch += 1 if (pitch + 1) % 12 in allowed else -1
        if pitch > hi:
            pitch -= 12 * ((pitch - hi + 11) // 12)
        if pitch < lo:
            pitch += 12 * ((lo - pitch + 11) // 12)
        energy = ctx.energy(min(int(tone.start_beat // ctx.bar_beats), ctx.body_bars - 1))
        velocity = int(66 + 34 * energy + 14 * tone.accent)
        out.append((tone.start_beat, tone.duration_beats, min(max(pitch, low), high), velocity))
    return out
