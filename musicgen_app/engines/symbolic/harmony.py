"""Harmony: scales for the plan's modes, Roman-numeral chords, progressions and voice leading.

Chords are written as Roman numerals relative to the tonic, measured on the major scale so that one
spelling works in every mode: ``I`` is the tonic major triad, ``i`` the tonic minor, ``bVII`` the major
triad a whole step below the tonic, ``ii7`` a minor seventh on the second degree, ``V7`` a dominant
seventh. A progression is a string of bars separated by spaces; two chords in one bar are joined with
``-`` (``"ii7-V7 Imaj7"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...plan import PITCH_CLASSES

__all__ = [
    "MODE_SCALES",
    "Chord",
    "ChordSpan",
    "extend_symbol",
    "parse_chord",
    "parse_progression",
    "scale_for_chord",
    "tonic_pc",
    "voice_chord",
]

MODE_SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
}

_DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_SYMBOL = re.compile(r"^([b#]?)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)$")

# Intervals above the root for each suffix: (as written on an upper-case numeral, on a lower-case one).
_QUALITIES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "": ((0, 4, 7), (0, 3, 7)),
    "5": ((0, 7, 12), (0, 7, 12)),
    "7": ((0, 4, 7, 10), (0, 3, 7, 10)),
    "maj7": ((0, 4, 7, 11), (0, 3, 7, 11)),
    "6": ((0, 4, 7, 9), (0, 3, 7, 9)),
    "9": ((0, 4, 7, 10, 14), (0, 3, 7, 10, 14)),
    "maj9": ((0, 4, 7, 11, 14), (0, 3, 7, 11, 14)),
    "add9": ((0, 4, 7, 14), (0, 3, 7, 14)),
    "11": ((0, 5, 7, 10, 14), (0, 3, 7, 10, 14, 17)),
    "13": ((0, 4, 10, 14, 21), (0, 3, 10, 14, 21)),
    "sus2": ((0, 2, 7), (0, 2, 7)),
    "sus4": ((0, 5, 7), (0, 5, 7)),
    "7sus4": ((0, 5, 7, 10), (0, 5, 7, 10)),
    "7b9": ((0, 4, 7, 10, 13), (0, 3, 7, 10, 13)),
    "ø7": ((0, 3, 6, 10), (0, 3, 6, 10)),
    "°": ((0, 3, 6), (0, 3, 6)),
    "°7": ((0, 3, 6, 9), (0, 3, 6, 9)),
    "+": ((0, 4, 8), (0, 4, 8)),
}

_SECONDARY_DOMINANTS = {2, 4, 7, 9, 11}
_FLAT_SIDE = frozenset({1, 3, 5, 8, 10})


@dataclass(frozen=True)
class Chord:
    """A chord in a key: ``root`` is its absolute pitch class (C = 0), ``intervals`` lie above it."""

    symbol: str
    root: int
    intervals: tuple[int, ...]

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple(sorted({(self.root + i) % 12 for i in self.intervals}))

    @property
    def third(self) -> int | None:
        """Pitch class of the third (or the suspension that replaces it)."""
        for step in (4, 3, 5, 2):
            if step in self.intervals:
                return (self.root + step) % 12
        return None

    @property
    def fifth(self) -> int:
        for step in (7, 6, 8):
            if step in self.intervals:
                return (self.root + step) % 12
        return (self.root + 7) % 12


@dataclass(frozen=True)
class ChordSpan:
    """A chord sounding from ``start_beat`` for ``duration_beats``."""

    start_beat: float
    duration_beats: float
    chord: Chord

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.duration_beats


def tonic_pc(key: str) -> int:
    """Pitch class (C = 0) of a key name from ``PITCH_CLASSES``."""
    return PITCH_CLASSES.index(key)


def _split_symbol(symbol: str) -> tuple[int, str, str]:
    match = _SYMBOL.match(symbol)
    if match is None or match.group(3) not in _QUALITIES:
        raise ValueError(f"not a Roman-numeral chord: {symbol!r}")
    accidental, numeral, suffix = match.groups()
    offset = _DEGREES[numeral.upper()] + {"b": -1, "#": 1, "": 0}[accidental]
    return offset % 12, numeral, suffix


def parse_chord(symbol: str, tonic: int) -> Chord:
    """The chord a Roman-numeral ``symbol`` names in the key whose tonic pitch class is ``tonic``."""
    offset, numeral, suffix = _split_symbol(symbol)
    upper, lower = _QUALITIES[suffix]
    return Chord(symbol, (tonic + offset) % 12, upper if numeral.isupper() else lower)


def extend_symbol(symbol: str, colour: str, scale: tuple[int, ...]) -> str:
    """Add the sevenths (``colour="seventh"``), ninths (``"extended"``) or fifths only (``"power"``)
    a style wants to a plain triad symbol; symbols with a suffix are kept as written.
    """
    offset, numeral, suffix = _split_symbol(symbol)
    if suffix or colour == "triad":
        return symbol
    head = symbol[: len(symbol) - len(suffix)]
    if colour == "power":
        return head + "5"
    in_scale = offset in scale
    if numeral.isupper():
        dominant = (offset + 10) % 12 in scale if in_scale else offset in _SECONDARY_DOMINANTS
        seventh = "7" if dominant else "maj7"
        if colour == "extended" and (offset + 2) % 12 in scale:
            seventh = "9" if dominant else "maj9"
        return head + seventh
    if in_scale and (offset + 6) % 12 in scale and (offset + 7) % 12 not in scale:
        return head + "ø7"
    ninth_ok = colour == "extended" and (offset + 2) % 12 in scale
    return head + ("9" if ninth_ok else "7")


def parse_progression(text: str) -> list[list[str]]:
    """``"ii7-V7 Imaj7"`` -> ``[["ii7", "V7"], ["Imaj7"]]``: the chords of each bar."""
    return [bar.split("-") for bar in text.split()]


def scale_for_chord(mode_scale: tuple[int, ...], tonic: int, chord: Chord) -> tuple[int, ...]:
    """Absolute pitch classes of the mode's scale, bent to agree with the chord's tones.

    A chord tone a semitone away from a scale tone replaces it (the raised leading tone over ``V``
    in minor), so melodies over borrowed chords never clash with them.
    """
    tones = {(tonic + step) % 12 for step in mode_scale}
    chord_tones = set(chord.pitch_classes)
    for pc in chord.pitch_classes:
        if pc in tones:
            continue
        # A flat degree (b2, b3, 4, b6, b7) replaces the tone above it, a sharp one the tone below.
        first = 1 if (pc - tonic) % 12 in _FLAT_SIDE else -1
        for neighbour in ((pc + first) % 12, (pc - first) % 12):
            if neighbour in tones and neighbour not in chord_tones and neighbour != tonic:
                tones.discard(neighbour)
                break
        tones.add(pc)
    return tuple(sorted(tones))


def _stack(pcs: list[int], base: int) -> list[int]:
    """Close-position stack of ``pcs`` starting at the first pitch >= ``base`` with ``pcs[0]``."""
    pitch = base + (pcs[0] - base) % 12
    voices = [pitch]
    for pc in pcs[1:]:
        pitch = pitch + 1 + (pc - pitch - 1) % 12
        voices.append(pitch)
    return voices


def _distance(voices: list[int], previous: tuple[int, ...]) -> float:
    return float(sum(min(abs(v - p) for p in previous) for v in voices))


def _chosen_tones(chord: Chord, size: int) -> list[int]:
    """Up to ``size`` chord tones, dropping the fifth and then the root first (the bass has it)."""
    ordered = [(chord.root + i) % 12 for i in chord.intervals]
    tones = list(dict.fromkeys(ordered))
    for drop in (chord.fifth, chord.root):
        if len(tones) > size and drop in tones:
            tones.remove(drop)
    return tones[:size] if len(tones) > size else tones


def voice_chord(
    chord: Chord,
    *,
    low: int,
    high: int,
    size: int = 4,
    previous: tuple[int, ...] | None = None,
    centre: int | None = None,
) -> tuple[int, ...]:
    """Voice ``chord`` inside ``[low, high]`` with the smallest motion from ``previous``.

    Every inversion of the chosen tones is stacked in close position at every octave that fits; the
    winner moves least from the previous voicing (or sits nearest ``centre`` when there is none).
    """
    tones = _chosen_tones(chord, size)
    target = centre if centre is not None else (low + high) // 2
    best: tuple[float, list[int]] | None = None
    for turn in range(len(tones)):
        order = tones[turn:] + tones[:turn]
        for base in range(low, high - 1, 12):
            voices = _stack(order, base)
            if voices[-1] > high:
                continue
            mean = sum(voices) / len(voices)
            cost = abs(mean - target) * 0.35
            if previous:
                cost += _distance(voices, previous)
            if best is None or cost < best[0]:
                best = (cost, voices)
    if best is None:
        return (low + (chord.root - low) % 12,)
    return tuple(best[1])
