"""The Plan: how a prompt was read, and everything an engine needs to make the track."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["MODES", "PITCH_CLASSES", "Plan", "PlannedSection", "bar_seconds", "beats_per_bar", "is_compound"]

PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MODES: tuple[str, ...] = ("major", "minor", "dorian", "mixolydian", "phrygian", "lydian")


def is_compound(time_signature: tuple[int, int]) -> bool:
    """True for compound meters (6/8, 9/8, 12/8), whose beat is a dotted quarter."""
    num, den = time_signature
    return den == 8 and num % 3 == 0 and num >= 6


def beats_per_bar(time_signature: tuple[int, int]) -> float:
    """Beats in one bar, a beat being the unit of ``tempo_bpm``.

    In simple meters the beat is the quarter note (3/4 has 3, 7/8 has 3.5); in compound meters it is
    the dotted quarter, as ``Plan.tempo_bpm`` counts it (6/8 has 2, 12/8 has 4).
    """
    num, den = time_signature
    return num / 3.0 if is_compound(time_signature) else num * 4.0 / den


def bar_seconds(tempo_bpm: float, time_signature: tuple[int, int]) -> float:
    """Length of one bar in seconds."""
    return beats_per_bar(time_signature) * 60.0 / tempo_bpm


@dataclass(frozen=True)
class PlannedSection:
    """A section the caller laid out (the ``structure`` field), resolved to whole bars.

    ``energy`` is 0..1, or ``None`` for the engine's usual level for a section of that name; ``prompt``
    holds the section's own extra words.
    """

    name: str
    bars: int
    energy: float | None = None
    prompt: str | None = None

    def __post_init__(self) -> None:
        if self.bars < 1:
            raise ValueError(f"a section lasts at least one bar, got {self.bars}")
        if self.energy is not None and not 0.0 <= self.energy <= 1.0:
            raise ValueError(f"section energy must be within 0..1, got {self.energy}")


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
    vocals : whether voices are wanted (wordless, or singing ``lyrics`` when there are some).
    lyrics : words to sing, section tags kept (``""``: none); only a singing engine takes them.
    duration_s : exact length of the track in seconds.
    seed : the seed every random choice derives from.
    sections : the sections the caller laid out, in bars (empty: the engine lays out its own form).
    loop_bars : for a seamless loop, its length in bars (the track then lasts exactly that, no ending).
    sources : for each field, how it was decided (``explicit``, ``prompt``, ``default``...).
    overrides : for each request field that overrode what the prompt said, what the prompt said.
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
    lyrics: str = ""
    sections: tuple[PlannedSection, ...] = ()
    loop_bars: int | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    overrides: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.key not in PITCH_CLASSES:
            raise ValueError(f"key must be one of {PITCH_CLASSES}, got {self.key!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not (0.0 <= self.energy <= 1.0 and 0.0 <= self.brightness <= 1.0):
            raise ValueError("energy and brightness must be within 0..1")
        if self.tempo_bpm <= 0 or self.duration_s <= 0:
            raise ValueError("tempo_bpm and duration_s must be positive")
        if self.loop_bars is not None and self.loop_bars < 1:
            raise ValueError(f"a loop lasts at least one bar, got {self.loop_bars}")

    @property
    def key_name(self) -> str:
        """Human-readable key, e.g. ``D minor``."""
        return f"{self.key} {self.mode}"

    def excludes(self, name: str) -> bool:
        return name in self.excluded

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (tuples become lists); each planned section also says where it starts
        and how long it lasts in seconds, so that a caller sees the resolved layout."""
        data = asdict(self)
        data["time_signature"] = f"{self.time_signature[0]}/{self.time_signature[1]}"
        data["sections"] = self._sections_json()
        return data

    def _sections_json(self) -> list[dict[str, Any]]:
        bar_s = bar_seconds(self.tempo_bpm, self.time_signature)
        out, start_bar = [], 0
        for section in self.sections:
            out.append(
                {
                    **asdict(section),
                    "start_bar": start_bar,
                    "start_s": round(start_bar * bar_s, 4),
                    "seconds": round(section.bars * bar_s, 4),
                }
            )
            start_bar += section.bars
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Inverse of :meth:`as_dict`."""
        values = dict(data)
        num, den = str(values.pop("time_signature", "4/4")).split("/")
        values["time_signature"] = (int(num), int(den))
        for name in ("instruments", "excluded", "moods", "ambience", "structure"):
            values[name] = tuple(values.get(name, ()))
        values["sections"] = tuple(
            PlannedSection(s["name"], s["bars"], s.get("energy"), s.get("prompt"))
            for s in values.get("sections", ())
        )
        return cls(**values)
