"""Instruments the product knows: canonical names, General MIDI sounds, ranges and stems.

The prompt reader maps words to these canonical names (``Plan.instruments``); the composer turns each into a
part that plays the General MIDI program (or drum keys) in its real range, into the right stem.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FAMILIES", "INSTRUMENTS", "Instrument", "closest_instruments", "instrument", "instrument_terms"]

FAMILIES = (
    "drums",
    "percussion",
    "bass",
    "keys",
    "guitar",
    "strings",
    "brass",
    "woodwind",
    "synth",
    "pad",
    "voice",
    "mallet",
    "plucked",
)


@dataclass(frozen=True)
class Instrument:
    """One instrument.

    Attributes
    ----------
    name : canonical name (what ``Plan.instruments`` holds).
    family : one of :data:`FAMILIES`.
    program : General MIDI program 0..127 (melodic instruments).
    low, high : playable MIDI note range.
    stem : ``drums``, ``bass``, ``vocals`` or ``other``.
    drum_keys : for percussion played on the drum channel, the GM percussion keys it uses.
    terms : words that name it in a prompt (besides the canonical name).
    """

    name: str
    family: str
    program: int
    low: int
    high: int
    stem: str = "other"
    drum_keys: tuple[int, ...] = ()
    terms: tuple[str, ...] = ()

    @property
    def is_drum(self) -> bool:
        return bool(self.drum_keys)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.name}: unknown family {self.family!r}")
        if not (0 <= self.program <= 127 and 0 <= self.low <= self.high <= 127):
            raise ValueError(f"{self.name}: program or range out of MIDI bounds")


def _i(name, family, program, low, high, *terms, stem="other", keys=()) -> Instrument:
    return Instrument(name, family, program, low, high, stem, tuple(keys), tuple(terms))


# A table reads better one instrument per entry than as the formatter would lay it out.
# fmt: off
INSTRUMENTS: tuple[Instrument, ...] = (
    # drums and percussion (drum channel; program unused)
    _i("drums", "drums", 0, 35, 81, "drum kit", "drum", "beat", "kit", "brushed drums", "brushes",
       stem="drums", keys=(36, 38, 42, 46, 49, 51)),
    _i("hi-hats", "drums", 0, 42, 46, "hi-hat", "hihat", "hihats", "hats", "hi hats",
       stem="drums", keys=(42, 44, 46)),
    _i("claps", "percussion", 0, 39, 39, "clap", "handclaps", "hand claps", "handclap",
       stem="drums", keys=(39,)),
    _i("snare", "drums", 0, 38, 40, "snare drum", "snares", stem="drums", keys=(38, 40)),
    _i("kick", "drums", 0, 35, 36, "kick drum", "bass drum", "double kick", stem="drums", keys=(35, 36)),
    _i("cymbals", "drums", 0, 49, 57, "cymbal", "crash", "ride", stem="drums", keys=(49, 51, 57)),
    _i("percussion", "percussion", 0, 54, 82, "perc", "ticking percussion", "shaker",
       stem="drums", keys=(54, 70, 82, 75)),
    _i("congas", "percussion", 0, 60, 64, "conga", "bongos", "bongo", stem="drums",
       keys=(62, 63, 64, 60, 61)),
    _i("timbales", "percussion", 0, 65, 66, "timbale", stem="drums", keys=(65, 66)),
    _i("tabla", "percussion", 0, 60, 64, "tablas", stem="drums", keys=(60, 61, 62, 63, 64)),
    _i("talking drums", "percussion", 0, 60, 64, "talking drum", "djembe", stem="drums",
       keys=(60, 61, 63, 64)),
    _i("shekere", "percussion", 0, 69, 70, "maracas", "cabasa", stem="drums", keys=(69, 70)),
    _i("bodhran", "percussion", 0, 41, 45, "bodhrán", "frame drum", stem="drums", keys=(41, 43, 45)),
    _i("tambourine", "percussion", 0, 54, 54, stem="drums", keys=(54,)),
    _i("cowbell", "percussion", 0, 56, 56, stem="drums", keys=(56,)),
    _i("sleigh bells", "percussion", 0, 83, 83, "jingle bells", "sleighbells", stem="drums", keys=(83,)),
    _i("woodblock", "percussion", 0, 76, 77, "wood block", "clock", "ticking", stem="drums", keys=(76, 77)),
    _i("taiko", "percussion", 116, 36, 60, "taiko drums", "war drums"),
    _i("timpani", "percussion", 47, 40, 60, "kettle drums", "timpanis"),
    # bass
    _i("bass", "bass", 33, 28, 55, "bassline", "bass line", "bass guitar", "electric bass", stem="bass"),
    _i("upright bass", "bass", 32, 28, 55, "double bass", "acoustic bass", "contrabass", stem="bass"),
    _i("slap bass", "bass", 36, 28, 55, "slapped bass", stem="bass"),
    _i("synth bass", "bass", 38, 24, 55, "reese", "reese bass", "wobble bass", "wobble", "sub bass",
       "acid bass", "303", stem="bass"),
    _i("808", "bass", 38, 24, 50, "808s", "808 bass", "tr-808", stem="bass"),
    _i("fretless bass", "bass", 35, 28, 55, "fretless", stem="bass"),
    # keys
    _i("piano", "keys", 0, 21, 108, "grand piano", "acoustic piano", "keys", "piano montuno", "montuno"),
    _i("electric piano", "keys", 4, 28, 103, "rhodes", "e-piano", "epiano", "wurlitzer", "wurli",
       "fender rhodes"),
    _i("organ", "keys", 16, 36, 96, "hammond", "hammond organ", "b3", "church organ", "organ bubble"),
    _i("clavinet", "keys", 7, 36, 96, "clav", "clavi"),
    _i("harpsichord", "keys", 6, 29, 89),
    _i("accordion", "keys", 21, 41, 89, "bandoneon"),
    _i("harmonica", "woodwind", 22, 60, 96, "blues harp", "mouth organ"),
    # mallets and bells
    _i("bells", "mallet", 14, 60, 96, "bell", "tubular bells", "chimes", "bell melody"),
    _i("glockenspiel", "mallet", 9, 72, 108, "glock"),
    _i("music box", "mallet", 10, 60, 96, "musicbox", "celesta"),
    _i("vibraphone", "mallet", 11, 53, 89, "vibes", "vibraphones"),
    _i("marimba", "mallet", 12, 45, 96, "xylophone", "kalimba"),
    _i("steel drums", "mallet", 114, 55, 84, "steel pan", "steelpan", "steel drum"),
    # guitars and plucked
    _i("acoustic guitar", "guitar", 25, 40, 84, "steel guitar", "strummed guitar", "folk guitar"),
    _i("nylon guitar", "guitar", 24, 40, 84, "classical guitar", "spanish guitar", "nylon-string guitar",
       "nylon string guitar"),
    _i("electric guitar", "guitar", 27, 40, 88, "clean guitar", "jazz guitar", "guitar",
       "skanking guitar", "rhythm guitar", "funk guitar", "reverb guitars", "guitars"),
    _i("distorted guitar", "guitar", 30, 40, 88, "distorted guitars", "overdriven guitar",
       "distortion guitar",
       "power chords", "riff", "distorted electric guitars", "heavy guitars", "overdrive"),
    _i("banjo", "plucked", 105, 48, 84),
    _i("ukulele", "plucked", 24, 60, 84, "uke"),
    _i("mandolin", "plucked", 105, 55, 88),
    _i("sitar", "plucked", 104, 48, 84),
    _i("harp", "plucked", 46, 24, 103, "harps", "concert harp"),
    _i("koto", "plucked", 107, 48, 84, "shamisen"),
    _i("pedal steel", "guitar", 26, 40, 88, "lap steel", "steel guitar"),
    # strings
    _i("strings", "strings", 48, 28, 96, "string section", "string ensemble", "orchestra strings",
       "low strings", "lush strings", "string"),
    _i("violin", "strings", 40, 55, 100, "violins", "solo violin"),
    _i("viola", "strings", 41, 48, 88, "violas"),
    _i("cello", "strings", 42, 36, 76, "cellos", "violoncello"),
    _i("fiddle", "strings", 110, 55, 96, "fiddles"),
    _i("pizzicato strings", "strings", 45, 36, 96, "pizzicato", "pizz", "plucked strings"),
    _i("contrabass", "strings", 43, 28, 60, "orchestral bass"),
    # brass
    _i("brass", "brass", 61, 40, 82, "brass section", "brass hits", "brass stabs", "horn stabs", "horns",
       "horn section"),
    _i("trumpet", "brass", 56, 54, 86, "trumpets", "flugelhorn", "muted trumpet"),
    _i("trombone", "brass", 57, 34, 72, "trombones"),
    _i("french horn", "brass", 60, 41, 77, "french horns"),
    _i("tuba", "brass", 58, 28, 58),
    # woodwinds
    _i("flute", "woodwind", 73, 60, 96, "flutes", "soft flute"),
    _i("tin whistle", "woodwind", 78, 62, 96, "penny whistle", "whistle", "irish whistle"),
    _i("pan flute", "woodwind", 75, 60, 96, "panflute", "pan pipes", "shakuhachi"),
    _i("recorder", "woodwind", 74, 60, 96),
    _i("clarinet", "woodwind", 71, 50, 91, "clarinets"),
    _i("oboe", "woodwind", 68, 58, 91),
    _i("bassoon", "woodwind", 70, 34, 75),
    _i("saxophone", "woodwind", 65, 49, 81, "sax", "alto sax", "tenor sax", "saxophones", "tenor saxophone"),
    _i("bagpipes", "woodwind", 109, 55, 77, "bagpipe"),
    # synths and pads
    _i("synth", "synth", 81, 36, 96, "synths", "synthesizer", "synth lead", "lead synth", "analog synth",
       "arpeggiated synths", "arp", "arpeggio", "synth hook", "saw lead"),
    _i("square lead", "synth", 80, 48, 96, "square wave", "chip lead", "8-bit lead", "pulse wave"),
    _i("pluck", "synth", 84, 48, 96, "plucks", "synth pluck"),
    _i("pad", "pad", 89, 36, 84, "pads", "warm pads", "synth pad", "evolving pads", "ambient pad",
       "warm chords", "atmosphere pad"),
    _i("drone", "pad", 95, 24, 60, "drones", "tanpura", "sustained drone"),
    # voices (wordless)
    _i("choir", "voice", 52, 48, 81, "chorus voices", "choral", "gospel choir", "aahs", "choir aahs"),
    _i("vocals", "voice", 53, 52, 79, "vocal", "voice", "voices", "vocal oohs", "oohs", "singing",
       "female vocal", "male vocal", "vocal chops", "humming"),
)
# fmt: on

_BY_NAME = {inst.name: inst for inst in INSTRUMENTS}


def instrument(name: str) -> Instrument:
    """The :class:`Instrument` with this canonical name (``KeyError`` when there is none)."""
    return _BY_NAME[name]


def instrument_terms() -> dict[str, str]:
    """Every word that names an instrument, mapped to its canonical name (first definition wins)."""
    table: dict[str, str] = {}
    for inst in INSTRUMENTS:
        for term in (inst.name, *inst.terms):
            table.setdefault(term.lower(), inst.name)
    return table


def closest_instruments(word: str, *, count: int = 3) -> list[str]:
    """Canonical names close to ``word``: the one a known term stands for ("rhodes" -> electric piano),
    then the most similar spellings (for an error that suggests what was meant)."""
    import difflib

    term = instrument_terms().get(word.strip().lower())
    names = [inst.name for inst in INSTRUMENTS]
    similar = difflib.get_close_matches(word.strip().lower(), names, n=count, cutoff=0.5)
    return list(dict.fromkeys([*([term] if term else []), *similar]))[:count]
