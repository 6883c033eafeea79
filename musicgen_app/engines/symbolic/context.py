"""What every part composer reads: the plan, its style, meter, form, chord changes and energy."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ...plan import Plan
from .changes import Changes
from .form import Form
from .harmony import MODE_SCALES, ChordSpan, tonic_pc
from .meter import Meter
from .score import Section
from .styles import Style

__all__ = ["Context", "build_context", "derive_rng"]


def derive_rng(seed: int, label: str) -> np.random.Generator:
    """A generator for one purpose (``label``), independent of every other and stable across runs.

    CRC-32 names the purpose because Python's ``hash()`` of strings changes from process to process.
    """
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(label.encode("utf-8"))])


@dataclass(frozen=True)
class Context:
    """Everything fixed before any part is written."""

    plan: Plan
    style: Style
    meter: Meter
    form: Form
    changes: Changes
    bar_sections: tuple[Section, ...]
    bar_energy: tuple[float, ...]
    has_kit: bool = True
    has_arp: bool = False

    @property
    def tonic(self) -> int:
        return tonic_pc(self.plan.key)

    @property
    def mode_scale(self) -> tuple[int, ...]:
        return MODE_SCALES[self.plan.mode]

    @property
    def bar_beats(self) -> float:
        return self.meter.beats_per_bar

    @property
    def body_bars(self) -> int:
        return len(self.bar_sections)

    def rng(self, label: str) -> np.random.Generator:
        return derive_rng(self.plan.seed, label)

    def bar_start(self, bar: int) -> float:
        return bar * self.meter.beats_per_bar

    def section(self, bar: int) -> Section:
        return self.bar_sections[bar]

    def energy(self, bar: int) -> float:
        return self.bar_energy[bar]

    def bar_in_section(self, bar: int) -> int:
        return bar - self.bar_sections[bar].start_bar

    def is_section_end(self, bar: int) -> bool:
        section = self.bar_sections[bar]
        return bar == section.start_bar + section.bars - 1

    def chord(self, beat: float) -> ChordSpan:
        return self.changes.at(beat)

    def spans_in_bar(self, bar: int) -> list[ChordSpan]:
        """Chord spans that start inside ``bar`` (before the ending)."""
        start, end = self.bar_start(bar), self.bar_start(bar + 1)
        return [s for s in self.changes.spans[:-1] if start - 1e-9 <= s.start_beat < end - 1e-9]

    @property
    def final(self) -> ChordSpan:
        """The tonic chord that ends the track."""
        return self.changes.spans[-1]


def _bar_energy(form: Form) -> tuple[tuple[Section, ...], tuple[float, ...]]:
    sections: list[Section] = []
    energy: list[float] = []
    for section in form.sections:
        for k in range(section.bars):
            sections.append(section)
            # Long sections grow a little every eight bars so parts can join halfway.
            energy.append(min(1.0, section.energy + 0.08 * (k // 8)))
    return tuple(sections), tuple(energy)


def build_context(
    plan: Plan,
    style: Style,
    meter: Meter,
    form: Form,
    changes: Changes,
    *,
    has_kit: bool,
    has_arp: bool,
) -> Context:
    """The :class:`Context` for one composition, with per-bar sections and energy."""
    sections, energy = _bar_energy(form)
    return Context(plan, style, meter, form, changes, sections, energy, has_kit, has_arp)
