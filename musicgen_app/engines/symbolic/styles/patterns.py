"""Rhythm patterns as data: drum grooves, fills and accompaniment figures, written as step strings.

A step string covers one bar; step ``i`` of ``n`` starts at ``i * beats_per_bar / n``.

Drum lanes: ``X`` accent, ``x`` normal, ``o`` soft, ``g`` ghost note, ``r`` a three-stroke roll inside
the step (trap hats), ``.`` rest.

Accompaniment figures: ``C`` full chord accented, ``c`` full chord, ``D``/``U`` strummed down/up,
digits ``0``-``5`` one voice of the chord (0 = lowest), ``-`` holds the previous hit, ``.`` rest.
"""

from __future__ import annotations

__all__ = ["DRUM_KEYS", "FIGURES", "FIGURE_KINDS", "FILLS", "GROOVES", "METER_FIGURES", "METER_GROOVES"]

# fmt: off
#: General MIDI percussion keys for each lane name.
DRUM_KEYS: dict[str, int] = {
    "kick": 36, "kick2": 35, "rim": 37, "snare": 38, "clap": 39, "esnare": 40, "tom_lo": 41,
    "hat": 42, "tom_low_mid": 43, "pedal": 44, "tom_mid": 45, "open": 46, "tom_hi_mid": 47,
    "tom_hi": 48, "crash": 49, "ride": 51, "bell": 53, "tamb": 54, "crash2": 57, "cowbell": 56,
    "bongo_hi": 60, "bongo_lo": 61, "conga_mute": 62, "conga_open": 63, "conga_lo": 64,
    "timbale_hi": 65, "timbale_lo": 66, "cabasa": 69, "maracas": 70, "clave": 75,
    "block_hi": 76, "block_lo": 77, "triangle": 81,
}

_HATS_8 = "x.o.x.o.x.o.x.o."
_HATS_16 = "xoxoxoxoxoxoxoxo"

#: 4/4 grooves. Each is {lane: step string}.
GROOVES: dict[str, dict[str, str]] = {
    "backbeat": {"kick": "x.......x.x.....", "snare": "....x.......x...", "hat": _HATS_8},
    "pop": {"kick": "x...x...x...x...", "clap": "....x.......x...", "hat": "..x...x...x...x.",
            "snare": "....o.......o..."},
    "rock": {"kick": "x.....x.x.x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
    "rock_ride": {"kick": "x.....x.x.x.....", "snare": "....X.......X...", "ride": "x.x.x.x.x.x.x.x.",
                  "crash": "x..............."},
    "metal": {"kick": "x.x.x.x.x.x.x.x.", "snare": "....X.......X...", "hat": "x...x...x...x..."},
    # Double kick accented on the beats, ride bell on them too: sixteenths under a clear pulse.
    "metal_double": {"kick": "XxxxXxxxXxxxXxxx", "snare": "....X.......X...", "ride": "X.x.X.x.X.x.X.x."},
    "boom_bap": {"kick": "x.....x...x..o..", "snare": "....x..g....x...", "hat": _HATS_8},
    "lofi": {"kick": "x......o..x.....", "snare": "....x.......x..g", "hat": "x.o.x.o.x.o.x.oo"},
    # Trap hats accent every beat so the pulse stays clear under a syncopated kick; rolls ornament.
    "trap": {"kick": "x......x..x.....", "clap": "........x.......", "hat": "XoxoXoxoXoxoXrxo",
             "snare": "........x......."},
    "trap_roll": {"kick": "x......x..x..x..", "clap": "........x.......", "hat": "XoxoXrxoXoxoXrrr",
                  "snare": "........x......g"},
    "four_floor": {"kick": "x...x...x...x...", "clap": "....x.......x...", "open": "..x...x...x...x.",
                   "hat": "o.o.o.o.o.o.o.o."},
    "house_full": {"kick": "x...x...x...x...", "clap": "....x.......x...", "open": "..x...x...x...x.",
                   "hat": "oooooooooooooooo", "tamb": "....o.......o..."},
    # Techno: the kick is the loudest hit and closed hats mark the beats, so the offbeat open hats
    # and syncopated stabs never pull the pulse off the four-on-the-floor.
    "techno": {"kick": "X...X...X...X...", "open": "..o...o...o...o.", "rim": "...o..o....o..o.",
               "hat": "x.o.x.o.x.o.x.o."},
    "techno_full": {"kick": "X...X...X...X...", "clap": "....x.......x...", "open": "..o...o...o...o.",
                    "hat": "xoooxoooxoooxooo", "rim": "...o..o....o..o."},
    "dnb": {"kick": "x.........x.....", "snare": "....X.......X...", "hat": "x.o.x.o.x.o.x.o."},
    "dnb_full": {"kick": "x.........x.....", "snare": "....X..g.g..X...", "hat": "xoooxoooxoooxooo",
                 "ride": "x...x...x...x..."},
    "halftime": {"kick": "x...............", "snare": "........X.......", "hat": "x.o.x.o.x.o.x.o."},
    "halftime_full": {"kick": "x.............x.", "snare": "........X.......", "hat": "xoooxoooxoooxooo"},
    # The hat opens on the "and" of four and rings into the one, as funk drummers lift the bar.
    "funk": {"kick": "x..x....x.x.....", "snare": "....X..g.g..X..g", "hat": "xoooxoooxoooxo..",
             "open": "..............x."},
    "one_drop": {"kick": "........x.......", "rim": "........x.......", "hat": "x.o.x.o.x.o.x.o."},
    "steppers": {"kick": "x...x...x...x...", "snare": "........x.......", "hat": "x.o.x.o.x.o.x.o."},
    "salsa": {"kick": "x.....x.x.....x.", "clave": "x..x..x...x.x...", "cowbell": "x.x.x.x.x.x.x.x.",
              "conga_mute": "..o.....g.o.....", "conga_open": "......xx......xx"},
    "bossa": {"kick": "x.....o.x.....o.", "rim": "o..o..o...o..o..", "hat": "x.o.x.o.x.o.x.o."},
    "swing": {"ride": "x..x.xx..x.x", "pedal": "...x.....x..", "kick": "g..g..g..g..",
              "snare": ".......g...g"},
    "shuffle": {"kick": "x.....x.....", "snare": "...x.....x..", "hat": "x.xx.xx.xx.x"},
    "train": {"kick": "x.......x.......", "snare": "gogogogogogogogo", "hat": "....x.......x..."},
    "folk": {"kick": "x.......x.......", "tom_lo": "....o..o....o...", "tamb": "..o...o...o...o."},
    "epic": {"kick": "x.......x..x....", "tom_lo": "....x.......x.oo", "tom_mid": "......o.......o.",
             "snare": "....o.......o..."},
    "epic_full": {"kick": "x..x..x.x..x..x.", "tom_lo": "x...x...x...x.xx", "snare": "....X.......X...",
                  "crash": "x..............."},
    "synthwave": {"kick": "x...x...x...x...", "snare": "....X.......X...", "hat": _HATS_16},
    "chip": {"kick": "x...x...x...x...", "snare": "....x.......x...", "hat": _HATS_16},
    # Soul and gospel: the backbeat doubled by claps.
    "soul": {"kick": "x......x..x.....", "snare": "....x.......x...", "clap": "....x.......x...",
               "hat": "x.o.x.o.x.o.x.o."},
    "afrobeat": {"kick": "x.....x...x..x..", "snare": "....x..g....x.g.", "hat": "x.xxx.xxx.xxx.xx",
                 "conga_open": "..o...oo..o...oo"},
    "acoustic": {"kick": "x.......x.......", "clap": "....x.......x...", "maracas": "xoxoxoxoxoxoxoxo"},
}

#: Grooves for other meters, by "num/den" (used when a style has no groove for the plan's meter).
METER_GROOVES: dict[str, dict[str, str]] = {
    "3/4": {"kick": "x...........", "snare": "....o...o...", "hat": "x.o.x.o.x.o."},
    "6/8": {"kick": "x.....o.....", "snare": "......x.....", "hat": "x.o.o.x.o.o."},
    "12/8": {"kick": "x.....o.....x.....o.....", "snare": "......x...........x.....",
             "hat": "x.o.o.x.o.o.x.o.o.x.o.o."},
}

#: Fills over the last beat (``short``) or last two beats (``long``) of a section: {lane: steps}.
FILLS: dict[str, dict[str, str]] = {
    "snare_roll": {"snare": "oxxx"},
    "toms_down": {"tom_hi": "xx..", "tom_mid": "..x.", "tom_lo": "...x"},
    "kick_snare": {"kick": "x.x.", "snare": ".x.X"},
    "long_roll": {"snare": "ooxxxxxX"},
    "long_toms": {"snare": "xx..", "tom_hi": "..xx....", "tom_mid": "....xx..", "tom_lo": "......xx"},
    "flam_build": {"snare": "x.x.xxxx", "kick": "x...x..."},
}

#: Accompaniment figures (one bar of 4/4 unless noted); several strings are variants to choose from.
FIGURES: dict[str, tuple[str, ...]] = {
    "pad": ("C---------------",),
    "whole": ("C-------------.", "C-------c------."),
    "half": ("C------.c------.",),
    "pulse4": ("C--.c--.c--.c--.",),
    "pulse8": ("C.c.c.c.C.c.c.c.", "C.c.c.c.c.c.C.c."),
    "lofi": ("C-----------..c-", "C--------.c-----", "C-------......c-"),
    "boom_bap": ("C-....c-..c-....", "C--.....c-......", "C-.c-.....c-...."),
    "charleston": ("C--.....c-......", "....c-......c-..", "C-....c-..c-....", "..c-....C--....."),
    "house_stab": ("...c..c....c..c.", "..c-..c-..c-..c-", "...c..c...c-...."),
    "skank": ("....c-......c-..",),
    "bubble": ("..1.2...1.2.1.2.", "..1.2.1...1.2..."),
    "montuno": ("3.2.0.3..2.0.3.1", "3..2.0.3.2..0.2."),
    "bossa": ("C...c.c.C...c.c.", "C.c...c.C.c...c."),
    "boom_chick": ("....c-......c-..",),
    "strum": ("D.DUD.DU", "D.D.DUDU"),
    "fingerpick": ("0.2.1.3.0.2.1.3.", "0.3.1.2.0.3.2.1."),
    "alberti": ("0.2.1.2.0.2.1.2.",),
    "arp8": ("0.1.2.3.2.1.0.1.", "0.1.2.3.0.1.2.3."),
    "arp16": ("0123012301230123", "0123321001233210", "0213021302130213"),
    "power8": ("C.C.C.C.C.C.C.C.",),
    "chug": ("C.ccC.ccC.ccC.cc", "C.c.C.ccC.c.C.cc"),  # gallops: every beat starts on a hit
    "funk16": ("C.cc.c.cC.cc.c.c", "c.c.C.c.c.c.C.c.", "C..cc.c.C..cc.c."),
    "gospel": ("C--.c-..C--...c-", "C-..c--.C-..c-.."),
    "afro_guitar": ("..0.1..0.1.0..1.", "0..1.0.1..0.1..."),
    "shuffle": ("C-.c-.C-.c-.",),
    "techno_stab": ("C...c...C...c...", "C...c..cC...c..."),  # on the beat, pushed once
    "ostinato": ("0.0.1.0.0.0.2.0.", "0.1.0.2.0.1.0.3."),
    "rnb": ("C-------..c-----", "C-----c-------..", "C--.......c-----"),
    "chip_arp": ("0120120120120120", "0123012301230123"),
}

#: What each figure is: ``pad`` (held), ``rhythm`` (chord hits) or ``arp`` (broken chords).
FIGURE_KINDS: dict[str, str] = {
    "pad": "pad", "whole": "pad", "half": "pad", "lofi": "pad", "rnb": "pad", "gospel": "rhythm",
    "pulse4": "rhythm", "pulse8": "rhythm", "boom_bap": "rhythm", "charleston": "rhythm",
    "house_stab": "rhythm", "skank": "rhythm", "bossa": "rhythm", "boom_chick": "rhythm",
    "strum": "rhythm", "power8": "rhythm", "chug": "rhythm", "funk16": "rhythm", "shuffle": "rhythm",
    "techno_stab": "rhythm", "bubble": "arp", "montuno": "arp", "fingerpick": "arp", "alberti": "arp",
    "arp8": "arp", "arp16": "arp", "afro_guitar": "arp", "ostinato": "arp", "chip_arp": "arp",
}

#: Figures for 3/4 and 6/8, by kind, used whenever the plan's meter is not 4/4.
METER_FIGURES: dict[str, dict[str, tuple[str, ...]]] = {
    "3/4": {"pad": ("C-----------",), "rhythm": ("....c-..c-..",), "arp": ("0.1.2.3.2.1.",)},
    "6/8": {"pad": ("C-----------",), "rhythm": ("C-..c-C-..c-",), "arp": ("0.1.2.3.2.1.",)},
    "12/8": {"pad": ("C-----------------------",), "rhythm": ("C-..c-C-..c-C-..c-C-..c-",),
             "arp": ("0.1.2.3.2.1.0.1.2.3.2.1.",)},
}
# fmt: on
