"""Meter, ambience and structure words: the parts of a prompt that set the scene around the notes."""

from __future__ import annotations

import re

from .lexicon import Match, TermIndex, Token, inside

__all__ = [
    "AMBIENCE_INDEX",
    "STRUCTURE_INDEX",
    "VALID_METERS",
    "find_ambience",
    "find_structure",
    "read_time_signature",
]

#: Meters the composer can lay out, as (beats per bar, beat unit).
VALID_METERS = frozenset(
    {(2, 4), (3, 4), (4, 4), (5, 4), (6, 4), (7, 4), (3, 8), (5, 8), (6, 8), (7, 8), (9, 8), (12, 8)}
)
_METER_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")

_METER_WORDS: dict[str, tuple[int, int]] = {
    "waltz": (3, 4), "waltzes": (3, 4), "waltzing": (3, 4), "minuet": (3, 4), "mazurka": (3, 4),
    "in three": (3, 4), "triple meter": (3, 4), "triple time": (3, 4), "three four": (3, 4),
    "jig": (6, 8), "jigs": (6, 8), "tarantella": (6, 8), "barcarolle": (6, 8), "siciliano": (6, 8),
    "compound time": (6, 8), "six eight": (6, 8), "slip jig": (9, 8), "in five": (5, 4),
    "five four": (5, 4), "in seven": (7, 8), "march": (2, 4), "polka": (2, 4),
    "twelve eight": (12, 8), "doo wop": (12, 8),
}  # fmt: skip
_METER_INDEX = TermIndex((word, f"{n}/{d}") for word, (n, d) in _METER_WORDS.items())

_AMBIENCE: dict[str, tuple[str, ...]] = {
    "rain": ("rainy", "raining", "rainfall", "raindrops", "rain drops", "drizzle", "rainstorm",
             "rain sounds", "rain ambiance", "rain ambience", "thunderstorm", "storm", "stormy",
             "thunder", "showers", "monsoon", "pouring"),
    "vinyl": ("vinyl crackle", "crackle", "crackles", "crackling", "record crackle", "record noise",
              "tape hiss", "hiss", "dusty vinyl", "vinyl noise", "record player", "turntable", "lp"),
    "ocean": ("ocean waves", "waves", "sea", "seaside", "beach", "shore", "surf", "tide", "tides",
              "seashore", "coast", "coastal", "sea waves", "crashing waves"),
    "wind": ("windy", "breeze", "breezy", "gusts", "gust", "howling wind", "blizzard", "winds"),
}  # fmt: skip
AMBIENCE_INDEX = TermIndex.from_mapping(_AMBIENCE)
# A storm is rain and wind together.
_AMBIENCE_EXTRA = {"storm": ("wind",), "stormy": ("wind",), "thunderstorm": ("wind",),
                   "blizzard": ()}  # fmt: skip
_NOT_AMBIENCE = TermIndex.from_mapping(
    {"": ("sea shanty", "surf rock", "vinyl record sound", "wind instruments", "woodwinds", "winds section")}
)

_STRUCTURE: dict[str, tuple[str, ...]] = {
    "intro": ("introduction", "opening", "starts slow", "intro section"),
    "build-up": ("build up", "buildup", "builds", "building", "builds up", "crescendo", "rising",
                 "riser", "swell", "swells", "climax", "builds to"),
    "drop": ("drops", "the drop", "beat drop", "bass drop"),
    "breakdown": ("break down", "breakdowns", "bridge section"),
    "loop": ("loopable", "seamless loop", "looping", "loops", "looped", "repeatable"),
    "fade out": ("fades out", "fade-out", "fading out", "fadeout", "fade away", "fades away"),
    "fade in": ("fades in", "fade-in", "fading in"),
    "outro": ("ending", "finale", "outro section", "big finish"),
    "chorus": ("big chorus", "hook section", "refrain"),
    "verse": ("verses",),
    "bridge": (),
}  # fmt: skip
# Guitar tunings, not drops.
_NOT_STRUCTURE = ("drop d", "drop c", "drop b", "drop a", "drop tuning", "drop tuned")
STRUCTURE_INDEX = TermIndex(
    [
        *((t, "") for t in _NOT_STRUCTURE),
        *((term, name) for name, terms in _STRUCTURE.items() for term in (name, *terms)),
    ]
)


def read_time_signature(text: str, tokens: tuple[Token, ...]) -> tuple[tuple[int, int], Match] | None:
    """The meter ``text`` names ("3/4", "in 6/8", "waltz", "jig") and its match, or None."""
    for found in _METER_RE.finditer(text):
        meter = (int(found.group(1)), int(found.group(2)))
        if meter in VALID_METERS:
            return meter, Match(f"{meter[0]}/{meter[1]}", found.group(), 0, 0, *found.span())
    matches = _METER_INDEX.scan(tokens)
    if not matches:
        return None
    numerator, denominator = matches[0].value.split("/")
    return (int(numerator), int(denominator)), matches[0]


def find_ambience(tokens: tuple[Token, ...], *, claimed: list[Match]) -> list[tuple[str, Match]]:
    """Ambience beds (``rain``, ``vinyl``, ``ocean``, ``wind``) the prompt asks for, with matches.

    Words inside a longer claimed phrase (a genre name like "sea shanty") do not count.
    """
    blocked = [*claimed, *_NOT_AMBIENCE.scan(tokens)]
    found: list[tuple[str, Match]] = []
    for match in AMBIENCE_INDEX.scan(tokens):
        if inside(match, blocked):
            continue
        for bed in (match.value, *_AMBIENCE_EXTRA.get(match.term, ())):
            found.append((bed, match))
    return found


def find_structure(tokens: tuple[Token, ...], *, claimed: list[Match]) -> list[tuple[str, Match]]:
    """Structure words (``intro``, ``build-up``, ``drop``, ``loop``, ``fade out``...) with matches."""
    matches = STRUCTURE_INDEX.scan(tokens)
    return [(m.value, m) for m in matches if m.value and not inside(m, claimed)]
