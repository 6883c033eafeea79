"""The Plan: how a prompt was read, and everything an engine needs to make the track."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["MODES", "PITCH_CLASSES", "Plan"]

PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MODES: tuple[str, ...] = ("major", "minor", "dorian", "mixolydian", "phrygian", "lydian")


@dataclass(frozen=True)
class Plan:
    """A fully resolved generation plan. Every field is decided; engines never guess.

    Attributes
    ----------
    genre : canonical genre id (``lo-fi``, ``drum and bass``...).
    tempo_bpm : exact beats per minute (quarter notes; dotted quarters in 6/8).
    key, mode : tonic pitch-class name from ``PITCH_CLASSES`` and a mode from ``MODES``.
    time_signature : (beats per bar, beat unit), e.g. (4, 4), (3, 4), (6, 8).
    instruments : canonical instrument names the prompt asked for (lexicon terms).
    excluded : roles or instruments the prompt ruled out (``drums``, ``vocals``...).
    moods : mood words read from the prompt.
    energy, brightness : 0..1, drive density, dynamics, register and mode choices.
    ambience : ambience beds to synthesise (``rain``, ``vinyl``, ``ocean``, ``wind``).
    structure : structure words (``intro``, ``build-up``, ``drop``, ``loop``, ``fade out``).
    vocals : whether wordless voices are wanted.
    duration_s : exact length of the track in seconds.
    seed : the seed every random choice derives from.
    sources : for each field, how it was decided (``explicit``, ``prompt``, ``default``...).
    """

    prompt: str
    genre: str
    tempo_bpm: int
    key: str
    mode: str
    duration_s: float
    seed: int
    time_signature: tuple[int, int] = (4, 4)
    instruments: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    energy: float = 0.5
    brightness: float = 0.5
    ambience: tuple[str, ...] = ()
    structure: tuple[str, ...] = ()
    vocals: bool = False
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.key not in PITCH_CLASSES:
            raise ValueError(f"key must be one of {PITCH_CLASSES}, got {self.key!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not (0.0 <= self.energy <= 1.0 and 0.0 <= self.brightness <= 1.0):
            raise ValueError("energy and brightness must be within 0..1")
        if self.tempo_bpm <= 0 or self.duration_s <= 0:
            raise ValueError("tempo_bpm and duration_s must be positive")

    @property
    def key_name(self) -> str:
        """Human-readable key, e.g. ``D minor``."""
        return f"{self.key} {self.mode}"

    def excludes(self, name: str) -> bool:
        return name in self.excluded

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (tuples become lists)."""
        data = asdict(self)
        data["time_signature"] = f"{self.time_signature[0]}/{self.time_signature[1]}"
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Inverse of :meth:`as_dict`."""
        values = dict(data)
        num, den = str(values.pop("time_signature", "4/4")).split("/")
        values["time_signature"] = (int(num), int(den))
        for name in ("instruments", "excluded", "moods", "ambience", "structure"):
            values[name] = tuple(values.get(name, ()))
        return cls(**values)
