"""Explicit composition controls: the vocabulary of the ``key``, ``time_signature`` and ``structure``
request fields, and the bar arithmetic that fits a user's sections into a track.

Plain values only (no engine, no prompt reader): ``request.py`` validates against these tables and
``prompt/interpret.py`` resolves them into the :class:`~musicgen_app.plan.Plan`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .plan import PITCH_CLASSES, bar_seconds, beats_per_bar, is_compound

__all__ = [
    "KEY_PATTERN",
    "MAX_SECTIONS",
    "SECTION_NAMES",
    "TIME_SIGNATURES",
    "FormTiming",
    "SectionRequest",
    "bar_seconds",
    "beats_per_bar",
    "cut_bar",
    "form_timing",
    "is_compound",
    "parse_key",
]

#: Meters the ``time_signature`` field takes (the composer writes grooves for each).
TIME_SIGNATURES: tuple[str, ...] = ("4/4", "3/4", "6/8", "5/4", "7/8", "2/4", "12/8", "9/8")

#: Section names a ``structure`` entry may use; the composer knows the harmony and energy of each.
SECTION_NAMES: tuple[str, ...] = (
    "intro", "verse", "chorus", "hook", "bridge", "breakdown", "build", "drop", "break", "solo",
    "head", "theme", "variation", "development", "recap", "drift", "swell", "phrase", "outro",
)  # fmt: skip
MAX_SECTIONS = 32
MAX_SECTION_PROMPT_CHARS = 200

_MODE_WORDS = {
    "major": "major", "maj": "major", "ionian": "major", "minor": "minor", "min": "minor",
    "aeolian": "minor", "dorian": "dorian", "mixolydian": "mixolydian", "phrygian": "phrygian",
    "lydian": "lydian",
}  # fmt: skip


def _any_case(word: str) -> str:
    # ECMA regex (the JSON Schema's dialect) has no inline (?i): spell each letter in both cases
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


#: A key as the ``key`` field takes it: a tonic, an optional accidental, an optional mode word
#: ("F# minor", "Bb major", "D dorian", "E"). The same text is the JSON Schema's pattern.
KEY_PATTERN = (
    "^[A-Ga-g](?:#|b|\u266f|\u266d)?(?: +(?:"
    + "|".join(_any_case(w) for w in sorted(_MODE_WORDS, key=len, reverse=True))
    + "))?$"
)
_KEY = re.compile(KEY_PATTERN)
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_key(text: str) -> tuple[str, str | None] | None:
    """``(tonic, mode)`` for a key field ("Bb major" -> ``("Bb", "major")``, "E" -> ``("E", None)``);
    ``None`` when ``text`` is not a key. The tonic is spelled as :data:`PITCH_CLASSES` spells it."""
    if not _KEY.fullmatch(text):
        return None
    tonic, _, mode = text.partition(" ")
    shift = {"#": 1, "\u266f": 1, "b": -1, "\u266d": -1}.get(tonic[1:], 0)
    pitch_class = PITCH_CLASSES[(_NATURAL[tonic[0].upper()] + shift) % 12]
    return pitch_class, (_MODE_WORDS[mode.strip().lower()] if mode.strip() else None)


@dataclass(frozen=True)
class SectionRequest:
    """One entry of the ``structure`` field, as validated (its length in seconds or in bars)."""

    section: str
    seconds: float | None = None
    bars: int | None = None
    energy: float | None = None
    prompt: str | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.bars is None):
            raise ValueError("a section has either seconds or bars")

    def as_body(self) -> dict[str, object]:
        """The entry in the request's vocabulary (fields that were not given left out)."""
        values = {"section": self.section, "seconds": self.seconds, "bars": self.bars}
        values |= {"energy": self.energy, "prompt": self.prompt}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class FormTiming:
    """How a track's length splits (in beats): whole bars of music, the final chord, the silence after.

    ``body_bars`` whole bars from the start, then the final tonic chord at ``ending_beat`` ringing until
    ``end_beat``, a short tail before ``total_beats`` (the exact duration).
    """

    body_bars: int
    ending_beat: float
    end_beat: float
    total_beats: float


def form_timing(duration_s: float, tempo_bpm: float, time_signature: tuple[int, int]) -> FormTiming:
    """The bars a track of ``duration_s`` has room for at ``tempo_bpm`` in ``time_signature``.

    A tail of 6 % of the duration (0.35 to 2.5 s) and half a second of final chord are kept free, so
    the music resolves and rings out before the exact end.
    """
    total = duration_s * tempo_bpm / 60.0
    tail_s = min(max(0.06 * duration_s, 0.35), 2.5)
    end = total - tail_s * tempo_bpm / 60.0
    ring = max(1.0, 0.5 * tempo_bpm / 60.0)
    bar = beats_per_bar(time_signature)
    body_bars = math.floor((end - ring) / bar + 1e-9)
    if body_bars >= 2:
        return FormTiming(body_bars, body_bars * bar, end, total)
    # Too short for two whole bars: end on the last half bar (else beat) that leaves time to ring.
    half = bar / 2 if bar % 2 == 0 else 1.0
    ending = max(0.0, math.floor((end - ring) / half + 1e-9) * half)
    return FormTiming(math.ceil(ending / bar - 1e-9), ending, end, total)


def cut_bar(duration_s: float, tempo_bpm: float, time_signature: tuple[int, int]) -> int:
    """The last bar line of a track's music: where its final chord starts (an extend keeps the track
    sample for sample up to here)."""
    timing = form_timing(duration_s, tempo_bpm, time_signature)
    return max(1, math.floor(timing.ending_beat / beats_per_bar(time_signature) + 1e-9))
