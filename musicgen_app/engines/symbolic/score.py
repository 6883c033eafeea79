"""The symbolic score: notes in beats, grouped in parts, each part bound for one stem."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# the meter arithmetic is the request's too (sections in bars): one definition, re-exported here
from ...beats import BeatGrid, metric_grid
from ...plan import beats_per_bar, is_compound

__all__ = [
    "Note",
    "Part",
    "Score",
    "Section",
    "beats_per_bar",
    "beats_to_seconds",
    "is_compound",
    "seconds_to_beats",
]

STEMS = ("vocals", "drums", "bass", "other")


def beats_to_seconds(beats: float, tempo_bpm: float) -> float:
    """Convert a position in beats (units of ``tempo_bpm``) to seconds at a constant tempo."""
    return beats * 60.0 / tempo_bpm


def seconds_to_beats(seconds: float, tempo_bpm: float) -> float:
    """Convert seconds to beats (units of ``tempo_bpm``) at a constant tempo."""
    return seconds * tempo_bpm / 60.0


@dataclass(frozen=True, order=True)
class Note:
    """One note. Times are in beats from the start of the track.

    A beat is the unit of the score's ``tempo_bpm``: the quarter note, or the dotted quarter in
    compound meters (6/8), so ``beats_to_seconds(start_beat, tempo_bpm)`` is always the onset time.

    ``pitch`` is a MIDI note number (for drum parts: the General MIDI percussion key).
    ``bend`` is an optional pitch glide in semitones reached at the note's end (808 slides).
    """

    start_beat: float
    duration_beats: float
    pitch: int
    velocity: int = 90
    bend: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch must be 0..127, got {self.pitch}")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity must be 1..127, got {self.velocity}")
        if self.start_beat < 0:
            raise ValueError(f"start_beat must be >= 0, got {self.start_beat}")
        if self.duration_beats <= 0:
            raise ValueError(f"duration_beats must be > 0, got {self.duration_beats}")

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.duration_beats


@dataclass(frozen=True)
class Part:
    """One instrument line.

    Attributes
    ----------
    name : unique within the score (``drums``, ``bass``, ``keys``, ``lead``, ``pad``...).
    stem : which of the four stems it is rendered into.
    program : General MIDI program 0..127 (ignored for drum parts, which use bank 128).
    is_drum : rendered on the percussion channel.
    notes : sorted by start.
    gain_db, pan : mix settings (pan -1 left .. +1 right).
    reverb_send : 0..1 share sent to the reverb.
    instrument : the canonical instrument name it stands for (lexicon term), for checks and display.
    role : what it does in the arrangement (``drums``, ``bass``, ``chords``, ``lead``, ``pad``...).
    """

    name: str
    stem: str
    program: int
    notes: tuple[Note, ...]
    is_drum: bool = False
    gain_db: float = 0.0
    pan: float = 0.0
    reverb_send: float = 0.15
    instrument: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        if self.stem not in STEMS:
            raise ValueError(f"stem must be one of {STEMS}, got {self.stem!r}")
        if not 0 <= self.program <= 127:
            raise ValueError(f"program must be 0..127, got {self.program}")
        if not -1.0 <= self.pan <= 1.0:
            raise ValueError(f"pan must be within -1..1, got {self.pan}")
        object.__setattr__(self, "notes", tuple(sorted(self.notes)))


@dataclass(frozen=True)
class Section:
    """A named span of the form (``intro``, ``verse``, ``chorus``...), in bars."""

    name: str
    start_bar: int
    bars: int
    energy: float = 0.5


@dataclass(frozen=True)
class Score:
    """A complete arrangement at one constant tempo.

    ``duration_s`` is the exact length of the rendered audio; notes may ring into the tail but
    the composer ends the music so that it resolves before ``duration_s``.
    """

    tempo_bpm: float
    time_signature: tuple[int, int]
    key: str
    mode: str
    duration_s: float
    parts: tuple[Part, ...]
    sections: tuple[Section, ...] = ()
    ambience: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        names = [p.name for p in self.parts]
        if len(names) != len(set(names)):
            raise ValueError(f"part names must be unique, got {names}")

    @property
    def beats_per_bar(self) -> float:
        """Beats per bar in units of ``tempo_bpm`` (4/4 has 4, 3/4 has 3, 6/8 has 2 dotted quarters)."""
        return beats_per_bar(self.time_signature)

    def part(self, name: str) -> Part:
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(name)

    def parts_for_stem(self, stem: str) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.stem == stem)

    def section_starts_s(self) -> tuple[tuple[str, float], ...]:
        """``(name, start_s)`` for each section."""
        return tuple(
            (s.name, beats_to_seconds(s.start_bar * self.beats_per_bar, self.tempo_bpm))
            for s in self.sections
        )

    def as_dict(self) -> dict[str, Any]:
        """The score as JSON-ready values (a track keeps it, so an edit of an edit has its notes)."""
        return {
            "tempo_bpm": self.tempo_bpm,
            "time_signature": list(self.time_signature),
            "key": self.key,
            "mode": self.mode,
            "duration_s": self.duration_s,
            "parts": [_part_dict(p) for p in self.parts],
            "sections": [[s.name, s.start_bar, s.bars, s.energy] for s in self.sections],
            "ambience": list(self.ambience),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        """The score :meth:`as_dict` wrote (notes checked again by :class:`Note`)."""
        return cls(
            tempo_bpm=float(data["tempo_bpm"]),
            time_signature=(int(data["time_signature"][0]), int(data["time_signature"][1])),
            key=str(data["key"]),
            mode=str(data["mode"]),
            duration_s=float(data["duration_s"]),
            parts=tuple(_part_from(p) for p in data["parts"]),
            sections=tuple(Section(str(n), int(b), int(c), float(e)) for n, b, c, e in data["sections"]),
            ambience=tuple(data.get("ambience", ())),
            meta={str(k): str(v) for k, v in data.get("meta", {}).items()},
        )

    def beat_grid(self) -> BeatGrid:
        """The exact beat grid of the score: its tempo, meter, beats, downbeats and sections."""
        return metric_grid(
            self.tempo_bpm, self.time_signature, self.beats_per_bar, self.duration_s, self.section_starts_s()
        )


def _part_dict(part: Part) -> dict[str, Any]:
    values = {f.name: getattr(part, f.name) for f in dataclasses.fields(Part) if f.name != "notes"}
    notes = [[n.start_beat, n.duration_beats, n.pitch, n.velocity, n.bend] for n in part.notes]
    return {**values, "notes": notes}


def _part_from(data: dict[str, Any]) -> Part:
    notes = tuple(Note(float(s), float(d), int(p), int(v), float(b)) for s, d, p, v, b in data["notes"])
    return Part(**{**{k: v for k, v in data.items() if k != "notes"}, "notes": notes})
