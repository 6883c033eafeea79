"""Chord changes for a whole track: progressions chosen per section, cadence, final tonic."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from ...plan import Plan
from .form import Form, harmonic_role
from .harmony import MODE_SCALES, ChordSpan, extend_symbol, parse_chord, parse_progression, tonic_pc
from .meter import Meter
from .styles import Style
from .styles.progressions import MODAL_PROGRESSIONS, PROGRESSIONS

__all__ = ["Changes", "build_changes", "tonic_symbol"]

# Families whose own vocabulary is already modal: a church mode just picks their major or minor side.
_MODAL_FAMILIES = frozenset({"blues", "funk", "afro", "jazz", "soul", "lofi", "reggae"})
_MAJOR_LIKE = frozenset({"major", "mixolydian", "lydian"})


@dataclass(frozen=True)
class Changes:
    """The chord spans of a track, in order, with the progression text each section used."""

    spans: tuple[ChordSpan, ...]
    progressions: dict[str, str]
    starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(s.start_beat for s in self.spans))

    def at(self, beat: float) -> ChordSpan:
        """The span sounding at ``beat`` (the last one past the end)."""
        index = max(0, bisect.bisect_right(self.starts, beat + 1e-9) - 1)
        return self.spans[index]

    def next_after(self, span: ChordSpan) -> ChordSpan:
        """The span after ``span`` (itself when it is the last)."""
        index = bisect.bisect_left(self.starts, span.start_beat - 1e-9)
        return self.spans[min(index + 1, len(self.spans) - 1)]


def tonic_symbol(mode: str) -> str:
    """``I`` in major-like modes, ``i`` in minor-like ones."""
    return "I" if mode in _MAJOR_LIKE else "i"


def _vocabulary(style: Style, mode: str) -> dict[str, tuple[str, ...]]:
    family = PROGRESSIONS[style.harmony]
    if mode in family:
        return family[mode]
    if mode in ("major", "minor"):
        return family["major" if "major" in family else "minor"]
    if style.harmony in _MODAL_FAMILIES:
        return family["major" if mode in _MAJOR_LIKE else "minor"]
    return MODAL_PROGRESSIONS[mode]


def _choose(vocab: dict[str, tuple[str, ...]], form: Form, rng: np.random.Generator) -> dict[str, str]:
    """One progression per section name; a chorus avoids the verse's progression when it can."""
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for section in form.sections:
        if section.name in chosen:
            continue
        options = [p for p in vocab[harmonic_role(section.name)] if p not in used]
        options = options or list(vocab[harmonic_role(section.name)])
        pick = options[int(rng.integers(len(options)))]
        chosen[section.name] = pick
        used.add(pick)
    return chosen


def _section_bars(text: str, bars: int, *, offset: int, chord_bars: int) -> list[list[str]]:
    written = parse_progression(text)
    out = []
    for bar in range(bars):
        index = (bar // chord_bars + offset) % len(written)
        out.append(written[index])
    return out


def _colour(symbols: list[str], style: Style, scale: tuple[int, ...]) -> list[str]:
    return [extend_symbol(s, style.colour, scale) for s in symbols]


def build_changes(plan: Plan, style: Style, form: Form, meter: Meter, rng: np.random.Generator) -> Changes:
    """Chord spans from beat 0 to the end, the last one the tonic struck at ``form.ending_beat``."""
    tonic = tonic_pc(plan.key)
    scale = MODE_SCALES[plan.mode]
    vocab = _vocabulary(style, plan.mode)
    chosen = _choose(vocab, form, rng)
    bar_chords: list[list[str]] = []
    for section in form.sections:
        text = chosen[section.name]
        length = len(parse_progression(text)) * style.chord_bars
        offset = (length - section.bars % length) % length if section.name == "intro" else 0
        offset //= style.chord_bars
        bar_chords += _section_bars(text, section.bars, offset=offset, chord_bars=style.chord_bars)
    if bar_chords and style.cadence:
        last = bar_chords[-1]
        bar_chords[-1] = [last[0], style.cadence] if meter.beats_per_bar >= 3 else [style.cadence]
    spans: list[ChordSpan] = []
    bar_len = meter.beats_per_bar
    for index, symbols in enumerate(bar_chords):
        share = bar_len / len(symbols)
        for k, symbol in enumerate(_colour(symbols, style, scale)):
            start = index * bar_len + k * share
            if start < form.ending_beat - 1e-9:
                length = min(share, form.ending_beat - start)
                spans.append(ChordSpan(start, length, parse_chord(symbol, tonic)))
    final = extend_symbol(tonic_symbol(plan.mode), style.colour, scale)
    spans.append(ChordSpan(form.ending_beat, form.end_beat - form.ending_beat, parse_chord(final, tonic)))
    return Changes(tuple(spans), {name: text for name, text in chosen.items()})
