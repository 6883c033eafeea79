"""The :class:`Style` value: how one genre is composed (the catalog holds one per genre)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BASS_IDIOMS", "COLOURS", "FORMS", "Style"]

BASS_IDIOMS = (
    "root",
    "pulse8",
    "walking",
    "boogie",
    "octaves",
    "offbeat",
    "808",
    "one_drop",
    "tumbao",
    "bossa",
    "boom_chick",
    "pedal",
    "reese",
    "wobble",
    "funk",
    "afro",
    "classical",
    "rolling",
)
FORMS = ("song", "edm", "blues", "jazz", "classical", "ambient", "loop")
COLOURS = ("triad", "seventh", "extended", "power")


@dataclass(frozen=True)
class Style:
    """How one genre is composed.

    Attributes
    ----------
    id : the genre id it serves.
    harmony : progression family (a key of ``PROGRESSIONS``).
    colour : how plain triads are coloured: ``triad``, ``seventh``, ``extended`` (ninths), ``power``.
    chord_bars : bars each written progression bar lasts (2 slows the harmony down).
    cadence : the chord before the final tonic (``V7``, ``bVII``, ``IV``); empty keeps the progression's.
    groove, groove_peak : drum grooves (keys of ``GROOVES``) for normal and peak sections; empty groove
        means the style has no drum kit and keeps its pulse with the other parts.
    bass : bass idiom (one of ``BASS_IDIOMS``).
    figure, figure_peak : accompaniment figures (keys of ``FIGURES``) for normal and peak sections.
    bass_instrument, chords_instrument, pad_instrument, lead_instrument, arp_instrument : canonical
        instrument names for each role; empty means the style has no such part.
    arp_figure : the figure the arpeggio part plays.
    percussion : extra percussion instruments the style plays by default (``congas``...).
    voice_program : General MIDI program for wordless vocals (52 aahs, 53 oohs, 54 synth voice).
    swing : 0 (straight) .. 0.33 (triplet swing) delay of off-beat ``swing_unit`` notes.
    swing_unit : 0.5 swings eighths, 0.25 swings sixteenths.
    form : form family (one of ``FORMS``).
    lead_density : 0 (long notes) .. 1 (sixteenths) for melodies.
    lead_centre : MIDI pitch the melody centres on (clamped to the instrument's range).
    reverb : base reverb send.
    looseness : micro-timing spread in beats (0 for machine-tight electronic styles).
    bends : share of a guitar lead's mid-length notes picked a tone low and bent up into their pitch.
    tempo_range : the genre's tempo range in BPM.
    """

    id: str
    harmony: str
    colour: str = "triad"
    chord_bars: int = 1
    cadence: str = "V"
    groove: str = "backbeat"
    groove_peak: str = ""
    bass: str = "root"
    figure: str = "pad"
    figure_peak: str = ""
    bass_instrument: str = "bass"
    chords_instrument: str = "piano"
    pad_instrument: str = ""
    lead_instrument: str = "synth"
    arp_instrument: str = ""
    arp_figure: str = "arp16"
    percussion: tuple[str, ...] = ()
    voice_program: int = 53
    swing: float = 0.0
    swing_unit: float = 0.5
    form: str = "song"
    lead_density: float = 0.5
    lead_centre: int = 72
    reverb: float = 0.2
    looseness: float = 0.01
    bends: float = 0.0
    tempo_range: tuple[int, int] = (60, 180)

    def __post_init__(self) -> None:
        if self.bass not in BASS_IDIOMS:
            raise ValueError(f"{self.id}: unknown bass idiom {self.bass!r}")
        if self.form not in FORMS:
            raise ValueError(f"{self.id}: unknown form {self.form!r}")
        if self.colour not in COLOURS:
            raise ValueError(f"{self.id}: unknown colour {self.colour!r}")

    @property
    def has_drums(self) -> bool:
        return bool(self.groove)
