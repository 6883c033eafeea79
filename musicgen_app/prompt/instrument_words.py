"""Instrument words in free text, mapped to the canonical names of :mod:`musicgen_app.instruments`.

Besides each instrument's own terms this adds plurals, ensembles ("string quartet" is violin, viola and
cello), and *family words* ("guitars", "horns", "drums") that stand for every member of a group: a
negated family word excludes the whole group, and an expected family word is met by any member.
"""

from __future__ import annotations

from collections.abc import Callable

from ..instruments import INSTRUMENTS, Instrument, instrument_terms
from .lexicon import Match, TermIndex, Token, inside

__all__ = [
    "INSTRUMENT_INDEX",
    "canonical_names",
    "family_members",
    "find_instruments",
    "instrument_for_word",
]

_SEP = "|"

# Ensembles and scene words that ask for several instruments at once.
_ENSEMBLES: dict[str, tuple[str, ...]] = {
    "string quartet": ("violin", "viola", "cello"),
    "string trio": ("violin", "viola", "cello"),
    "piano trio": ("piano", "violin", "cello"),
    "jazz trio": ("piano", "upright bass", "drums"),
    "jazz combo": ("piano", "upright bass", "drums", "saxophone"),
    "rock band": ("electric guitar", "bass", "drums"),
    "power trio": ("distorted guitar", "bass", "drums"),
    "rhythm section": ("bass", "drums", "piano"),
    "big band": ("trumpet", "trombone", "saxophone", "piano", "upright bass", "drums"),
    "brass band": ("brass", "tuba"),
    "orchestra": ("strings", "brass"),
    "orchestral": ("strings", "brass"),
    "full orchestra": ("strings", "brass", "flute", "timpani"),
    "symphony orchestra": ("strings", "brass", "flute", "timpani"),
    "chamber orchestra": ("strings", "flute", "oboe"),
    "woodwinds": ("flute", "clarinet", "oboe"),
    "woodwind section": ("flute", "clarinet", "oboe"),
    "winds": ("flute", "clarinet", "oboe"),
    "mariachi": ("trumpet", "violin", "acoustic guitar"),
    "gamelan": ("bells", "marimba"),
    "steel band": ("steel drums",),
    "drum machine": ("drums",),
    "drum loop": ("drums",),
    "breakbeat": ("drums",),
    "breakbeats": ("drums",),
    "beatbox": ("drums",),
    "handpan": ("steel drums",),
    "orchestral hits": ("strings", "brass"),
    "electric guitars": ("electric guitar",),
    "sub": ("synth bass",),
    "rhodes piano": ("electric piano",),
    "jazzy rhodes": ("electric piano",),
    "singing bowl": ("bells",),
    "singing bowls": ("bells",),
    "marching band": ("snare", "brass", "tuba"),
    "a cappella": ("choir",),
    "a capella": ("choir",),
    "acappella": ("choir",),
    "acapella": ("choir",),
    "singer": ("vocals",),
    "singers": ("vocals",),
    "vocalist": ("vocals",),
    "lyrics": ("vocals",),
    "chant": ("choir",),
    "chants": ("choir",),
    "chanting": ("choir",),
    "ahhs": ("choir",),
    "choirs": ("choir",),
    "whistling": ("tin whistle",),
    "twinkling bells": ("bells",),
    "toy piano": ("music box",),
    "lute": ("nylon guitar",),
    "erhu": ("violin",),
    "didgeridoo": ("drone",),
    "dulcimer": ("harp",),
    "zither": ("koto",),
    "guzheng": ("koto",),
    "oud": ("nylon guitar",),
    "balalaika": ("mandolin",),
    "sousaphone": ("tuba",),
    "piccolo": ("flute",),
    "cornet": ("trumpet",),
    "euphonium": ("trombone",),
    "baritone sax": ("saxophone",),
    "soprano sax": ("saxophone",),
    "bass clarinet": ("clarinet",),
    "english horn": ("oboe",),
    "cor anglais": ("oboe",),
    "bells and whistles": ("",),
    "organs": ("organ",),
    "vocal": ("vocals",),
    "female vocals": ("vocals",),
    "male vocals": ("vocals",),
    "vocal chops": ("vocals",),
    "falsetto": ("vocals",),
    "ooh": ("vocals",),
    "aah": ("choir",),
    "synthesizers": ("synth",),
    "synth arps": ("synth",),
    "arps": ("synth",),
    "arpeggios": ("synth",),
    "arpeggiator": ("synth",),
    "chiptune lead": ("square lead",),
    "synth leads": ("synth",),
    "supersaw": ("synth",),
    "strings section": ("strings",),
    "orchestral strings": ("strings",),
    "bowed strings": ("strings",),
    "staccato strings": ("strings",),
    "legato strings": ("strings",),
    "piano chords": ("piano",),
    "piano melody": ("piano",),
    "upright piano": ("piano",),
    "felt piano": ("piano",),
    "electronic drums": ("drums",),
    "live drums": ("drums",),
    "trap drums": ("drums",),
    "toms": ("drums",),
    "tom": ("drums",),
    "rimshot": ("snare",),
    "rim shots": ("snare",),
    "kicks": ("kick",),
    "open hats": ("hi-hats",),
    "closed hats": ("hi-hats",),
    "ride cymbal": ("cymbals",),
    "crash cymbal": ("cymbals",),
    "shakers": ("percussion",),
    "hand percussion": ("percussion",),
    "latin percussion": ("congas",),
    "guiro": ("percussion",),
    "triangle": ("percussion",),
    "castanets": ("percussion",),
}

# Phrases where an instrument word means something else ("a night ride", "in the key of G").
_BLOCKERS = (
    "a ride", "the ride", "night ride", "car ride", "bike ride", "crash course", "the key",
    "key of", "keys of", "voice over", "voiceover", "clock ticking", "beat em up", "heart beat",
    "drum up", "string of", "kit kat",
)  # fmt: skip

# Family words: what each stands for, as a test on an :class:`Instrument`.
_FAMILY_WORDS: dict[str, Callable[[Instrument], bool]] = {
    # "no drums" means an empty drum stem: hand percussion goes too, unless asked for by name.
    "drums": lambda i: i.stem == "drums",
    "drum": lambda i: i.stem == "drums",
    "percussion": lambda i: i.stem == "drums",
    "bass": lambda i: i.stem == "bass",
    "guitar": lambda i: i.family == "guitar",
    "guitars": lambda i: i.family == "guitar",
    "electric guitar": lambda i: i.name in ("electric guitar", "distorted guitar"),
    "electric guitars": lambda i: i.name in ("electric guitar", "distorted guitar"),
    "strings": lambda i: i.family == "strings",
    "horns": lambda i: i.family == "brass",
    "brass": lambda i: i.family == "brass",
    "brass section": lambda i: i.family == "brass",
    "synth": lambda i: i.family in ("synth", "pad"),
    "synths": lambda i: i.family in ("synth", "pad"),
    "keys": lambda i: i.family == "keys",
    "woodwinds": lambda i: i.family == "woodwind",
    "vocals": lambda i: i.family == "voice",
    "voices": lambda i: i.family == "voice",
}


def _plural(term: str) -> str:
    if term.endswith("s"):
        return term
    return term + ("es" if term.endswith(("ch", "sh", "x")) else "s")


def _entries() -> list[tuple[str, str]]:
    entries = [(blocker, "") for blocker in _BLOCKERS]
    entries += [(term, _SEP.join(names)) for term, names in _ENSEMBLES.items()]
    for term, name in instrument_terms().items():
        entries += [(term, name), (_plural(term), name)]
    return entries


INSTRUMENT_INDEX = TermIndex(_entries())


def find_instruments(tokens: tuple[Token, ...], *, genre_matches: list[Match]) -> list[Match]:
    """Instrument matches in ``tokens``, ignoring words inside a genre name ("drum and bass")."""
    return [
        match for match in INSTRUMENT_INDEX.scan(tokens) if match.value and not inside(match, genre_matches)
    ]


def canonical_names(match: Match) -> tuple[str, ...]:
    """The canonical instrument names one match stands for (several for an ensemble)."""
    return tuple(name for name in match.value.split(_SEP) if name)


def family_members(word: str) -> tuple[str, ...]:
    """Canonical names a family word ("guitars", "horns") stands for; empty for other words."""
    test = _FAMILY_WORDS.get(word.strip().lower())
    if test is None:
        return ()
    return tuple(inst.name for inst in INSTRUMENTS if test(inst))


def instrument_for_word(word: str) -> tuple[str, ...]:
    """Canonical names for a free-text instrument word ("Rhodes" -> electric piano), else ()."""
    value = INSTRUMENT_INDEX.get(word)
    return tuple(name for name in (value or "").split(_SEP) if name)
