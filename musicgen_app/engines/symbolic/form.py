"""Form: how many bars fit the duration, which sections they make, and the energy of each.

The music is laid out in whole bars from the start; it stops at ``ending_beat`` where the final tonic
chord is struck and rings until ``end_beat``, a short tail before the track's exact duration.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...controls import form_timing
from ...errors import InvalidRequest
from ...plan import PlannedSection
from .meter import Meter
from .score import Section

__all__ = ["PEAK_NAMES", "Form", "harmonic_role", "plan_form"]

#: Which progression role (verse / chorus / bridge) each section name plays.
# fmt: off
_ROLES: dict[str, str] = {
    "intro": "verse", "verse": "verse", "chorus": "chorus", "bridge": "bridge", "breakdown": "bridge",
    "build": "verse", "drop": "chorus", "outro": "chorus", "head": "verse", "solo": "verse",
    "theme": "verse", "variation": "chorus", "development": "bridge", "recap": "chorus",
    "drift": "verse", "swell": "chorus", "hook": "chorus", "break": "bridge", "phrase": "verse",
    "ending": "verse",
}

#: Energy of each section name before the plan's energy scales it.
_ENERGY: dict[str, float] = {
    "intro": 0.3, "verse": 0.5, "chorus": 0.82, "bridge": 0.45, "breakdown": 0.3, "build": 0.6,
    "drop": 1.0, "outro": 0.35, "head": 0.6, "solo": 0.75, "theme": 0.5, "variation": 0.65,
    "development": 0.6, "recap": 0.78, "drift": 0.35, "swell": 0.6, "hook": 0.8, "break": 0.4,
    "phrase": 0.65,
}

#: The repeating middle of each form family, and its peak section.
_CYCLES: dict[str, tuple[str, ...]] = {
    "song": ("verse", "chorus", "verse", "chorus", "bridge", "chorus"),
    "loop": ("verse", "hook", "verse", "hook", "break", "hook"),
    "edm": ("build", "drop", "breakdown", "build", "drop"),
    "blues": ("head", "solo", "solo", "head"),
    "jazz": ("head", "solo", "solo", "head"),
    "classical": ("theme", "variation", "development", "recap"),
    "ambient": ("drift", "swell", "drift", "swell"),
}
PEAK_NAMES = frozenset({"chorus", "drop", "hook", "recap", "swell", "head"})
_PEAKS = {"song": "chorus", "loop": "hook", "edm": "drop", "blues": "head", "jazz": "head",
          "classical": "recap", "ambient": "swell"}
# fmt: on


@dataclass(frozen=True)
class Form:
    """Sections of the body, where the ending chord starts and where all sound stops (beats)."""

    sections: tuple[Section, ...]
    body_bars: int
    ending_beat: float
    end_beat: float
    total_beats: float


def harmonic_role(section_name: str) -> str:
    """``verse``, ``chorus`` or ``bridge``: which progressions a section draws on."""
    return _ROLES.get(section_name, "verse")


def _lengths(middle: int, unit: int) -> tuple[list[int], int]:
    """Section lengths for the middle, and the bars left over for the outro."""
    count, rest = divmod(middle, unit)
    lengths = [unit] * count
    if rest >= 4 and (rest * 2 >= unit or not lengths):
        return [*lengths, rest], 0
    if not lengths:
        return [rest] if rest else [], 0
    return lengths, rest


def _frame(bars: int, kind: str, structure: tuple[str, ...]) -> tuple[int, int, int]:
    """Intro bars, outro bars and the section unit for a body of ``bars``."""
    if kind == "blues":
        # Choruses are whole twelve-bar forms; the odd bars become an intro on the turnaround.
        return bars % 12, 0, 12
    unit = 4 if bars < 24 else 8 if bars < 96 else 16
    intro = 0 if bars < 10 else 2 if bars < 16 else 4 if bars < 64 else 8
    if "intro" in structure and intro == 0 and bars >= 6:
        intro = 2
    outro = 0 if bars < 20 else 4 if bars < 64 else 8
    if kind == "loop" and "loop" in structure:
        outro = min(outro, 4)
    return intro, outro, unit


def _names(kind: str, count: int) -> list[str]:
    """Section names: the form's cycle, its middle repeated for long tracks, ending on the peak."""
    cycle = _CYCLES[kind]
    if count > len(cycle):
        extras = [cycle[1 + i % (len(cycle) - 2)] for i in range(count - len(cycle))]
        return [*cycle[:-1], *extras, cycle[-1]]
    names = list(cycle[:count])
    if count >= 2 and names[-1] not in PEAK_NAMES:
        # The middle ends on its peak; a contrast section that would be lost moves one place earlier.
        contrast = names[-1]
        names[-1] = _PEAKS[kind]
        if count >= 3 and contrast not in names and contrast not in cycle[:2]:
            names[-2] = contrast
    return names


def _energies(names: list[str], *, energy: float, structure: tuple[str, ...]) -> list[float]:
    values: list[float] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        base = _ENERGY.get(name, 0.5) + 0.05 * seen.get(name, 0)
        seen[name] = seen.get(name, 0) + 1
        if "build-up" in structure and len(names) > 1:
            base *= 0.45 + 0.65 * index / (len(names) - 1)
        if name == "outro" and "fade out" in structure:
            base = min(base, 0.2)
        values.append(round(min(1.0, max(0.05, base * (0.55 + 0.9 * energy))), 3))
    return values


def _planned_layout(planned: tuple[PlannedSection, ...], body_bars: int) -> tuple[list[str], list[int]]:
    total = sum(section.bars for section in planned)
    if total > body_bars:
        raise InvalidRequest.for_field(
            "structure", f"the sections last {total} bars; the track has room for {body_bars}"
        )
    return [section.name for section in planned], [section.bars for section in planned]


def plan_form(
    kind: str,
    *,
    duration_s: float,
    tempo_bpm: float,
    meter: Meter,
    energy: float,
    structure: tuple[str, ...] = (),
    planned: tuple[PlannedSection, ...] = (),
) -> Form:
    """Lay out sections for a track of ``duration_s`` at ``tempo_bpm`` in ``meter``.

    Parameters
    ----------
    kind : form family of the style (``song``, ``edm``, ``blues``...).
    energy : the plan's 0..1 energy, which scales every section's energy.
    structure : the plan's structure words (``intro``, ``build-up``, ``fade out``...).
    planned : the sections the caller laid out (``Plan.sections``), used as they are instead of the
        style's form; their bars must fit the body (the plan resolved them so).

    Raises
    ------
    InvalidRequest
        When the planned sections last longer than the bars the duration has room for.
    """
    timing = form_timing(duration_s, tempo_bpm, (meter.numerator, meter.denominator))
    body_bars = timing.body_bars
    if planned:
        names, lengths = _planned_layout(planned, body_bars)
    elif body_bars < 8 or (kind == "blues" and body_bars < 12):
        names, lengths = (["phrase"], [body_bars]) if body_bars else ([], [])
    else:
        intro, outro, unit = _frame(body_bars, kind, structure)
        lengths, spare = _lengths(body_bars - intro - outro, unit)
        if outro:
            outro += spare
        elif spare:
            lengths[-1] += spare
        names = _names(kind, len(lengths))
        if intro:
            names, lengths = ["intro", *names], [intro, *lengths]
        if outro:
            names, lengths = [*names, "outro"], [*lengths, outro]
    energies = _energies(names, energy=energy, structure=structure)
    for index, section in enumerate(planned):
        if section.energy is not None:  # the caller's own number is the section's level, unscaled
            energies[index] = max(0.05, section.energy)
    sections, start = [], 0
    for name, bars, level in zip(names, lengths, energies, strict=True):
        sections.append(Section(name, start, bars, level))
        start += bars
    return Form(tuple(sections), body_bars, timing.ending_beat, timing.end_beat, timing.total_beats)
