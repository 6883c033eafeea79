"""Tempo in free text: explicit BPM numbers and tempo words, and how a tempo is finally decided.

Only a number with a tempo unit or cue is a tempo ("120 bpm", "at 90BPM", "tempo 100"): "a 90s hip hop
beat" and "16-bit" are not. Tempo words ("slow", "upbeat", "frantic") are read as a *position* in the
genre's tempo range, so "slow drum and bass" stays drum and bass; "very" pushes a word to the edge,
"not too" pulls it back towards the middle of the range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..genres import Genre
from ..request import MAX_TEMPO_BPM, MIN_TEMPO_BPM
from .lexicon import Match, TermIndex, Token

__all__ = ["TEMPO_WORD_INDEX", "TempoReading", "decide_tempo", "read_bpm", "read_tempo_words"]

_NUMBER = r"(\d{2,3}(?:\.\d+)?)"
_UNIT = r"(?:bpm|b\.p\.m\.?|beats\s+(?:per|a|each)\s+minute)"
_RANGE_BPM_RE = re.compile(rf"(?<![\d/.]){_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}\s*{_UNIT}", re.IGNORECASE)
_BPM_RE = re.compile(rf"(?<![\d/.]){_NUMBER}\s*{_UNIT}", re.IGNORECASE)
_CUE_RE = re.compile(rf"\btempo\s*(?:of|at|around|about|=|:)?\s*(?:~\s*)?{_NUMBER}(?!\s*(?:s\b|'s))",
                     re.IGNORECASE)  # fmt: skip
_BPM_FIRST_RE = re.compile(rf"\bbpm\s*(?:of|=|:)?\s*{_NUMBER}\b", re.IGNORECASE)
# "at 128", "around 90": a bare number after a tempo preposition, unless a unit says it is not a tempo.
_BARE_RE = re.compile(
    r"\b(?:at|around|about|@|~)\s*(\d{2,3})\b(?![.,]\d)(?!\s*(?:%|s\b|'?s\b|sec|min|hz|khz|db|pm|am|"
    r"o'?clock|years?|yo\b|people|percent|degrees|k\b|x\b|times|bars?|beats\b|seconds|minutes))",
    re.IGNORECASE,
)

# Position of a tempo word within the genre's tempo range (0 = slowest, 1 = fastest).
_WORD_POSITIONS: dict[str, float] = {
    "slow": 0.15, "slowly": 0.15, "slower": 0.2, "slow paced": 0.15, "slow tempo": 0.15,
    "unhurried": 0.2, "downtempo": 0.2, "down tempo": 0.2, "lazy": 0.2, "leisurely": 0.25,
    "half time": 0.1, "halftime": 0.1, "laid back": 0.3, "laidback": 0.3, "mellow": 0.3,
    "crawling": 0.02, "glacial": 0.02, "sluggish": 0.1, "moderate": 0.5, "medium tempo": 0.5,
    "mid tempo": 0.5, "midtempo": 0.5, "walking pace": 0.4, "upbeat": 0.7, "up beat": 0.7,
    "up tempo": 0.75, "uptempo": 0.75, "lively": 0.7, "bouncy": 0.65, "driving": 0.7, "brisk": 0.7,
    "energetic": 0.75, "fast": 0.85, "quick": 0.8, "rapid": 0.9, "speedy": 0.85, "fast paced": 0.85,
    "high tempo": 0.85, "frantic": 0.97, "breakneck": 1.0, "blistering": 1.0, "hyper": 0.95,
    "double time": 0.9, "racing": 0.9, "furious": 0.9, "faster": 0.8,
}  # fmt: skip

# Tempo words without a named genre: position 0 is 55 BPM, 1 is 170 ("slow" ~72, "fast" ~153).
_ABSOLUTE_SLOWEST, _ABSOLUTE_SPAN = 55.0, 115.0

_INTENSIFIERS = frozenset({"very", "really", "super", "extremely", "ultra", "insanely", "incredibly"})
_SOFTENERS = frozenset({"slightly", "somewhat", "fairly", "moderately", "kinda", "bit", "little"})
_NEGATORS = frozenset({"not", "never", "nor"})
_NEGATION_FILLERS = frozenset({"too", "so", "overly", "very", "that", "particularly", "excessively"})

TEMPO_WORD_INDEX = TermIndex((word, word) for word in _WORD_POSITIONS)


@dataclass(frozen=True)
class TempoReading:
    """What the prompt says about tempo: an explicit ``bpm`` and/or a word ``position`` (0..1)."""

    bpm: int | None = None
    position: float | None = None
    bpm_span: tuple[int, int] | None = None
    words: tuple[str, ...] = ()


def read_bpm(text: str) -> tuple[int, tuple[int, int]] | None:
    """The explicit tempo in ``text`` and its span, or None ("90s" and "16-bit" are not tempos).

    A range ("120-130 bpm") reads as its middle. Values are clamped to the API's 40..220 BPM.
    """
    found = _RANGE_BPM_RE.search(text)
    if found:
        value = (float(found.group(1)) + float(found.group(2))) / 2
        return _clamp_bpm(value), found.span()
    for pattern in (_BPM_RE, _CUE_RE, _BPM_FIRST_RE):
        found = pattern.search(text)
        if found:
            return _clamp_bpm(float(found.group(1))), found.span()
    for found in _BARE_RE.finditer(text):
        if MIN_TEMPO_BPM <= int(found.group(1)) <= MAX_TEMPO_BPM:
            return int(found.group(1)), found.span()
    return None


def _clamp_bpm(value: float) -> int:
    return int(min(MAX_TEMPO_BPM, max(MIN_TEMPO_BPM, round(value))))


def read_tempo_words(tokens: tuple[Token, ...], *, ignore: list[Match]) -> tuple[float | None, list]:
    """Average range position of the tempo words in ``tokens`` (None when there are none).

    Returns the position and the matches used. Matches inside ``ignore`` (genre names) do not count.
    """
    positions: list[float] = []
    used: list[Match] = []
    for match in TEMPO_WORD_INDEX.scan(tokens):
        if any(g.first <= match.first and match.last <= g.last for g in ignore):
            continue
        positions.append(_modified(_WORD_POSITIONS[match.value], tokens, match.first))
        used.append(match)
    if not positions:
        return None, used
    return round(sum(positions) / len(positions), 3), used


def _modified(position: float, tokens: tuple[Token, ...], first: int) -> float:
    """Apply "very", "a bit" and "not too" written just before a tempo word."""
    before = [token.text for token in tokens[max(0, first - 3) : first]]
    stripped = list(before)
    while stripped and stripped[-1] in _NEGATION_FILLERS:
        stripped.pop()
    if stripped and stripped[-1] in _NEGATORS:
        # "not too fast" is moderate, a little below the middle: it lowers the tempo, never excludes.
        return 0.5 - (position - 0.5) * 0.4
    last = before[-1] if before else ""
    if last in _INTENSIFIERS:
        return min(1.0, max(0.0, 0.5 + (position - 0.5) * 1.6))
    if last in _SOFTENERS:
        return 0.5 + (position - 0.5) * 0.5
    return position


def decide_tempo(
    genre: Genre,
    *,
    reading: TempoReading,
    energy: float,
    baseline_energy: float,
    genre_was_named: bool = True,
) -> tuple[int, str]:
    """The tempo in BPM and how it was decided (``prompt``, ``mood`` or ``genre default``).

    An explicit BPM is kept as written (only clamped to 40..220). Tempo words map onto the genre's
    range when the genre was named (``genre_was_named``: explicit field or a genre word), so "slow drum
    and bass" stays drum and bass; when the genre was only guessed, the words mean their usual tempo
    ("slow" is about 70 BPM) because nothing the user said ties them to a range. Without words the
    genre's default tempo moves within its range with the energy the moods gave the track.
    """
    if reading.bpm is not None:
        return reading.bpm, "prompt"
    low, high = genre.tempo_range
    if reading.position is not None:
        if not genre_was_named:
            return _clamp_bpm(_ABSOLUTE_SLOWEST + reading.position * _ABSOLUTE_SPAN), "prompt"
        return _clamp_bpm(low + reading.position * (high - low)), "prompt"
    if abs(energy - baseline_energy) < 1e-9:
        return genre.default_tempo, "genre default"
    shifted = genre.default_tempo + (energy - baseline_energy) * (high - low) * 0.8
    return _clamp_bpm(min(high, max(low, shifted))), "mood"
