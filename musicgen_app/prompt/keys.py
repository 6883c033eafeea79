"""Keys and modes: reading "in D minor", "A flat major", "in E", and choosing one when none is given.

A bare tonic letter is only read after "in"/"key of" and in upper case ("in E"), because "in a café"
and "in a minor key" are English, not keys. When the prompt names no key, the seed picks one among the
keys idiomatic for the genre (guitar genres favour E, A, D; horn genres F, Bb, Eb), keeping the mode
the prompt or its moods asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..plan import MODES, PITCH_CLASSES

__all__ = ["IDIOMATIC_KEYS", "KeyReading", "choose_key", "read_key", "spell_pitch_class"]

_ACCIDENTAL = r"(?:\s*(?:#|♯|b|♭)|\s*-?\s*(?i:sharp|flat))?"
_MODE_WORDS = {
    "major": "major", "maj": "major", "ionian": "major", "minor": "minor", "min": "minor",
    "aeolian": "minor", "m": "minor", "dorian": "dorian", "mixolydian": "mixolydian",
    "phrygian": "phrygian", "lydian": "lydian",
}  # fmt: skip
_MODE = r"(?i:(major|minor|maj|min|ionian|aeolian|dorian|mixolydian|phrygian|lydian))"
# "in D minor", "key of F#", "in the key of Bb"; an upper-case tonic after a cue may stand alone.
_CUED_RE = re.compile(rf"\b(?i:in|key\s+of|key:|key)\s+(?i:the\s+key\s+of\s+)?([A-G]{_ACCIDENTAL})"
                      rf"(?:\s*{_MODE}\b|m\b|(?![\w#♯♭]))")  # fmt: skip
# "A flat major", "F# Dorian", "in d minor" (lower case only after a cue: "a minor change" is English).
_WITH_MODE_RE = re.compile(
    rf"(?:\b([A-G]{_ACCIDENTAL})|(?<=\b(?i:in|of) )([a-g]{_ACCIDENTAL}))\s+{_MODE}\b"
    r"(?!\s+(?i:key|mode|feel|mood|vibe|chord|scale|tonality|change|league|detail|role|way))"
)
# A mode without a tonic: "a minor key", "in minor", "dorian mode".
_MODE_ONLY_RE = re.compile(rf"\b{_MODE}\s+(?i:key|mode|tonality|scale|feel)\b|\b(?i:in)\s+{_MODE}\b")

_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

#: Keys that sit well on each genre's instruments, as (tonic, mode).
IDIOMATIC_KEYS: dict[str, tuple[str, ...]] = {
    "lo-fi": ("C major", "F major", "D minor", "A minor", "Eb major", "G minor", "E minor", "D dorian"),
    "hip-hop": ("C minor", "G minor", "F minor", "D minor", "A minor", "Eb major"),
    "trap": ("C minor", "F minor", "G minor", "C# minor", "A minor", "Eb minor"),
    "pop": ("C major", "G major", "D major", "A major", "F major", "A minor", "E minor"),
    "rock": ("E minor", "A major", "D major", "G major", "E major", "A minor"),
    "metal": ("E minor", "D minor", "C# minor", "B minor", "E phrygian"),
    "jazz": ("F major", "Bb major", "Eb major", "C major", "D minor", "G minor", "D dorian"),
    "blues": ("E mixolydian", "A mixolydian", "G mixolydian", "C mixolydian", "Bb mixolydian"),
    "funk": ("E dorian", "A dorian", "D dorian", "G mixolydian", "E minor"),
    "r&b": ("Eb major", "Ab major", "Bb minor", "F minor", "C minor", "Db major"),
    "reggae": ("A minor", "G major", "C major", "D minor", "E minor", "F major"),
    "latin": ("A minor", "D minor", "G minor", "C major", "F major"),
    "bossa nova": ("D minor", "F major", "C major", "A minor", "G major"),
    "country": ("G major", "D major", "A major", "C major", "E major"),
    "folk": ("D major", "G major", "A minor", "E minor", "D dorian", "A dorian"),
    "classical": ("C major", "D minor", "G major", "A minor", "Eb major", "D major", "F major"),
    "cinematic": ("D minor", "C minor", "A minor", "E minor", "Eb major", "D major"),
    "ambient": ("C major", "D major", "F lydian", "A minor", "E minor", "G major"),
    "house": ("A minor", "F minor", "C minor", "G minor", "D minor", "Eb major"),
    "techno": ("A minor", "F minor", "D minor", "G minor", "E phrygian"),
    "drum and bass": ("F minor", "D minor", "G minor", "A minor", "E minor"),
    "dubstep": ("F minor", "E minor", "G minor", "D minor", "F phrygian"),
    "synthwave": ("A minor", "E minor", "F# minor", "C major", "D minor"),
    "chiptune": ("C major", "G major", "A minor", "D major", "E minor"),
    "gospel": ("Ab major", "Eb major", "Db major", "F major", "Bb major"),
    "afrobeat": ("A minor", "D dorian", "G major", "E minor", "C major"),
    "acoustic": ("G major", "C major", "D major", "A major", "E major"),
}


@dataclass(frozen=True)
class KeyReading:
    """Key and mode read from a prompt (either may be None) and the span that said so."""

    key: str | None = None
    mode: str | None = None
    span: tuple[int, int] | None = None


def spell_pitch_class(name: str) -> str:
    """A tonic as written ("A flat", "f#", "Db") in :data:`PITCH_CLASSES` spelling ("Ab", "F#", "C#")."""
    letter, rest = name[0].upper(), name[1:].strip().lower().replace("-", "").replace(" ", "")
    shift = {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1}.get(rest, 0)
    return PITCH_CLASSES[(_NATURAL[letter] + shift) % 12]


def read_key(text: str) -> KeyReading:
    """The key and mode ``text`` names, if any (see the module docstring for what counts)."""
    found = _WITH_MODE_RE.search(text)
    if found:
        tonic = found.group(1) or found.group(2)
        mode = _MODE_WORDS[found.group(3).lower()]
        return KeyReading(spell_pitch_class(tonic), mode, found.span())
    found = _CUED_RE.search(text)
    if found:
        glued_minor = found.group(2) is None and found.group(0).endswith("m")
        mode = _MODE_WORDS.get((found.group(2) or "").lower()) or ("minor" if glued_minor else None)
        return KeyReading(spell_pitch_class(found.group(1)), mode, found.span())
    found = _MODE_ONLY_RE.search(text)
    if found:
        word = (found.group(1) or found.group(2)).lower()
        return KeyReading(None, _MODE_WORDS[word], found.span())
    return KeyReading()


def choose_key(genre: str, *, mode: str | None, seed: int) -> tuple[str, str]:
    """A (tonic, mode) idiomatic for ``genre``, chosen by ``seed``, honouring ``mode`` when given."""
    options = [tuple(k.split(" ")) for k in IDIOMATIC_KEYS.get(genre, ("C major", "A minor"))]
    if mode is not None:
        options = [(tonic, mode) for tonic, key_mode in options if key_mode == mode] or [
            (tonic, mode) for tonic, _ in options
        ]
    rng = np.random.default_rng(seed)
    tonic, key_mode = options[int(rng.integers(len(options)))]
    return spell_pitch_class(tonic), key_mode


def default_mode_for(genre: str, tonic: str) -> str:
    """The mode a genre most often uses (with ``tonic`` if the genre lists it), for "in E" alone."""
    options = [k.split(" ") for k in IDIOMATIC_KEYS.get(genre, ("C major",))]
    for key_tonic, key_mode in options:
        if spell_pitch_class(key_tonic) == tonic:
            return key_mode
    modes = [key_mode for _, key_mode in options]
    return max(MODES, key=modes.count)
