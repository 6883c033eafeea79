"""Harmonic vocabularies: progressions per family, mode family and section role.

Each family maps ``"major"`` and ``"minor"`` (and optionally a church mode) to progressions for three
roles: ``verse`` (also intros and solos), ``chorus`` (also drops and hooks) and ``bridge`` (also
breakdowns and developments). Plain triads are coloured by the style (sevenths, ninths, power chords);
chords written with a suffix keep it. Blues families are twelve bars long, the rest four or eight.
"""

from __future__ import annotations

__all__ = ["MODAL_PROGRESSIONS", "PROGRESSIONS"]

_P = dict[str, dict[str, tuple[str, ...]]]

# fmt: off
_POP: _P = {
    "major": {
        "verse": ("I V vi IV", "vi IV I V", "I vi IV V", "I IV vi V"),
        "chorus": ("IV V I vi", "I V vi IV", "IV I V vi", "vi IV I V"),
        "bridge": ("vi IV I V", "ii IV I V", "IV V iii vi", "bVI bVII I I"),
    },
    "minor": {
        "verse": ("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI V"),
        "chorus": ("bVI bIII bVII i", "i bVI bIII bVII", "iv i bVII bIII"),
        "bridge": ("bVI bVII i i", "iv bVI bVII V", "bIII bVII iv iv"),
    },
}

_ROCK: _P = {
    "major": {
        "verse": ("I bVII IV I", "I IV V IV", "I V IV IV", "I I IV IV"),
        "chorus": ("I V vi IV", "IV I V V", "I IV V V", "IV V I I"),
        "bridge": ("vi V IV V", "bVI bVII I I", "ii IV V V"),
    },
    "minor": {
        "verse": ("i bVII bVI bVII", "i bIII bVII iv", "i i bVI bVII"),
        "chorus": ("bVI bVII i i", "i bVI bIII bVII", "bIII bVII i i"),
        "bridge": ("iv bVI bVII V", "bVI bIII bVII bVII"),
    },
}

_METAL: _P = {
    "minor": {
        "verse": ("i i bVI bVII", "i bII i bVII", "i i bVII bVI"),
        "chorus": ("i bVI bVII i", "bVI bVII i i", "i iv bVI V"),
        "bridge": ("bII bII i i", "iv iv bVI V"),
    },
}
_METAL["major"] = _METAL["minor"]

_JAZZ: _P = {
    "major": {
        "verse": ("ii7-V7 Imaj7 ii7-V7 Imaj7", "Imaj7 vi7 ii7 V7", "Imaj7-vi7 ii7-V7 iii7-VI7 ii7-V7"),
        "chorus": ("IVmaj7 iv7-bVII7 iii7-VI7 ii7-V7", "Imaj7 I7 IVmaj7 iv7", "iii7 VI7 ii7 V7"),
        "bridge": ("II7 II7 ii7 V7", "iii7-VI7 ii7-V7 Imaj7 VI7", "IVmaj7 IVmaj7 iii7 VI7"),
    },
    "minor": {
        "verse": ("iiø7-V7 i7 iiø7-V7 i7", "i7 iv7 bVII7 bIIImaj7", "i7 i7 iv7 V7"),
        "chorus": ("bVImaj7 iiø7 V7 i7", "iv7 bVII7 bIIImaj7 bVImaj7", "i7 iv7 iiø7 V7b9"),
        "bridge": ("iv7 iv7 i7 i7", "bVImaj7 bVImaj7 iiø7 V7"),
    },
}

_BLUES: _P = {
    "major": {
        "verse": ("I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"),
        "chorus": ("I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",),
        "bridge": ("I7 I7 I7 I7 IV7 IV7 I7 VI7 ii7 V7 I7 V7",),
    },
    "minor": {
        "verse": ("i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7",),
        "chorus": ("i7 iv7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7",),
        "bridge": ("i7 i7 i7 i7 iv7 iv7 i7 i7 iiø7 V7 i7 V7",),
    },
}

_FUNK: _P = {
    "major": {
        "verse": ("I9 I9 I9 IV9", "I7 IV7 I7 IV7", "I9 I9 bVII9 IV9"),
        "chorus": ("IV9 IV9 I9 I9", "bVII9 IV9 I9 I9", "IV7 V7 I7 I7"),
        "bridge": ("bVII9 bVII9 IV9 IV9", "ii7 V9 ii7 V9"),
    },
    "minor": {
        "verse": ("i9 i9 i9 IV9", "i7 IV7 i7 IV7", "i9 i9 iv9 iv9"),
        "chorus": ("iv9 iv9 i9 i9", "bVII9 IV9 i9 i9", "iv7 bVII7 i7 i7"),
        "bridge": ("bVI9 bVII9 i9 i9", "iv9 V7 iv9 V7"),
    },
}

_SOUL: _P = {
    "major": {
        "verse": ("Imaj7 iii7 vi7 IVmaj7", "IVmaj7 iii7 ii7 Imaj7", "Imaj9 vi9 ii9 V9"),
        "chorus": ("IVmaj7 V7 iii7 vi7", "ii7 V7 Imaj7 vi7", "IVmaj9 iii7 ii7 V7sus4"),
        "bridge": ("bVImaj7 bVII7 Imaj7 Imaj7", "ii7 iii7 IVmaj7 V7sus4"),
    },
    "minor": {
        "verse": ("i9 iv9 bVIImaj7 bIIImaj7", "i7 iv7 i7 iv7", "bVImaj7 V7 i9 i9"),
        "chorus": ("bVImaj7 bVII7 i9 i9", "iv9 bVII7 bIIImaj7 bVImaj7", "ii7 V7 i9 i9"),
        "bridge": ("bIIImaj7 bVImaj7 iv9 V7", "iv9 iv9 V7sus4 V7"),
    },
}

_LOFI: _P = {
    "major": {
        "verse": ("IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7", "IVmaj7 V7 iii7 vi7"),
        "chorus": ("ii7 V7 Imaj7 vi7", "IVmaj7 iv7 iii7 vi7", "Imaj7 IVmaj7 iii7 vi7"),
        "bridge": ("bVImaj7 bVII7 Imaj7 Imaj7", "ii7 iii7 IVmaj7 V7"),
    },
    "minor": {
        "verse": ("ii7 V7 i7 i7", "i7 iv7 bVIImaj7 bIIImaj7", "bVImaj7 V7 i7 i7"),
        "chorus": ("iv7 bVII7 bIIImaj7 bVImaj7", "i7 iv7 bVImaj7 V7", "bVImaj7 bVII7 i7 i7"),
        "bridge": ("iv7 iv7 bVImaj7 V7", "bIIImaj7 bVImaj7 iv7 V7"),
    },
}

_DARK: _P = {
    "minor": {
        "verse": ("i bVI i bVII", "i i bVI V", "i bII i i"),
        "chorus": ("i bVI bIII bVII", "i iv bVI V", "bVI bVI i i"),
        "bridge": ("iv iv bVI V", "bII bII i i"),
    },
}
_DARK["major"] = {"verse": ("I bVI I bVII", "I I bVI bVII"), "chorus": ("I bVI bVII I",),
                  "bridge": ("iv iv bVI bVII",)}

_FOLK: _P = {
    "major": {
        "verse": ("I IV I V", "I I IV V", "I V IV I", "I vi IV V"),
        "chorus": ("IV I V I", "I IV V I", "vi IV I V"),
        "bridge": ("vi V IV V", "IV IV I V"),
    },
    "minor": {
        "verse": ("i bVII i v", "i bIII bVII i", "i iv bVII i"),
        "chorus": ("bIII bVII i i", "bVI bVII i i", "i bVII bVI bVII"),
        "bridge": ("iv iv i bVII", "bVI bIII bVII bVII"),
    },
}

_CLASSICAL: _P = {
    "major": {
        "verse": ("I IV V I", "I vi ii V", "I ii V I"),
        "chorus": ("I V vi iii IV I IV V", "IV V iii vi ii V I V"),
        "bridge": ("vi ii V I", "ii V iii vi", "IV ii V V"),
    },
    "minor": {
        "verse": ("i iv V i", "i bVI iv V", "i ii° V i"),
        "chorus": ("i iv bVII bIII bVI ii° V i", "i V bVI bIII iv i iv V"),
        "bridge": ("iv V i bVI", "bIII bVI ii° V"),
    },
}

_CINEMATIC: _P = {
    "minor": {
        "verse": ("i i bVI bVI", "i bVI bIII bVII", "i iv i iv"),
        "chorus": ("i bVI bIII bVII", "bVI bVII i i", "i bVI iv V"),
        "bridge": ("bVI bVI bVII bVII", "iv iv bVI V"),
    },
    "major": {
        "verse": ("I I vi vi", "I V vi IV"),
        "chorus": ("IV I V vi", "I bVI bVII I"),
        "bridge": ("vi vi IV V", "bVI bVII I I"),
    },
}

_AMBIENT: _P = {
    "major": {"verse": ("Imaj7 IVmaj7", "I IV vi IV"), "chorus": ("IVmaj7 vi7 Imaj7 Imaj7",),
              "bridge": ("vi7 IVmaj7",)},
    "minor": {"verse": ("i9 bVImaj7", "i bVI bIII bVII"), "chorus": ("bVImaj7 bIIImaj7 i9 i9",),
              "bridge": ("iv9 bVImaj7",)},
}

_EDM: _P = {
    "minor": {
        "verse": ("i bVI bIII bVII", "i bVII bVI bVII", "i iv i bVI"),
        "chorus": ("bVI bIII bVII i", "i bVI bIII bVII", "iv bVI bVII i"),
        "bridge": ("bVI bVII i i", "iv iv bVI bVII"),
    },
    "major": {
        "verse": ("I V vi IV", "vi IV I V"),
        "chorus": ("IV V vi vi", "vi IV I V"),
        "bridge": ("IV IV V V", "ii IV V V"),
    },
}

_TECHNO: _P = {
    "minor": {"verse": ("i i i i", "i i bII i"), "chorus": ("i i bVI bVII", "i bVII i bVI"),
              "bridge": ("bVI bVI bVII bVII",)},
    "major": {"verse": ("I I I I", "I I bVII I"), "chorus": ("I I bVII IV",), "bridge": ("IV IV V V",)},
}

_GOSPEL: _P = {
    "major": {
        "verse": ("I iii7 IV V", "I I7 IV iv", "ii7-V7 I vi7 ii7-V7"),
        "chorus": ("IV V iii vi", "IV V7 I vi7", "ii7 V7 I I7"),
        "bridge": ("IV IV V V", "vi7 V7 IV I"),
    },
    "minor": {
        "verse": ("i iv7 bVII7 bIIImaj7", "i7 iv7 V7 i7"),
        "chorus": ("bVImaj7 bVII7 i7 i7", "iv7 V7 i7 bVI7"),
        "bridge": ("iv7 iv7 V7 V7",),
    },
}

_LATIN: _P = {
    "major": {"verse": ("I IV V IV", "I V V I", "I IV I V"), "chorus": ("I IV V IV", "IV V I I"),
              "bridge": ("ii V I I", "IV IV V V")},
    "minor": {"verse": ("i iv V iv", "i bVII bVI V", "i iv V i"), "chorus": ("i iv bVII bIII", "iv V i i"),
              "bridge": ("bVI bVI V V", "iv iv V V")},
}

_BOSSA: _P = {
    "major": {"verse": ("Imaj7 Imaj7 II7 II7", "ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7"),
              "chorus": ("ii7 V7 iii7 VI7", "IVmaj7 iv7 iii7 VI7"), "bridge": ("ii7 V7 Imaj7 VI7",)},
    "minor": {"verse": ("i7 i7 iv7 iv7", "iiø7 V7 i7 i7"), "chorus": ("iv7 bVII7 bIIImaj7 bVImaj7",),
              "bridge": ("bVImaj7 bVImaj7 iiø7 V7",)},
}

_REGGAE: _P = {
    "major": {"verse": ("I IV I V", "I IV I IV", "I V IV V"), "chorus": ("IV I V I", "I V IV IV"),
              "bridge": ("vi IV vi V",)},
    "minor": {"verse": ("i iv i iv", "i bVII i bVII", "i bVI bVII i"), "chorus": ("iv i bVII i",),
              "bridge": ("bVI bVII i i",)},
}

_AFRO: _P = {
    "major": {"verse": ("I IV vi V", "I IV I IV", "I7 I7 IV7 IV7"), "chorus": ("IV V I I", "vi IV I V"),
              "bridge": ("ii7 V7 ii7 V7",)},
    "minor": {"verse": ("i7 IV7 i7 IV7", "i7 iv7 i7 iv7", "i bVII i bVII"),
              "chorus": ("bVI bVII i i", "iv7 bVII7 i7 i7"), "bridge": ("bIII bVII iv iv",)},
}

PROGRESSIONS: dict[str, _P] = {
    "pop": _POP, "rock": _ROCK, "metal": _METAL, "jazz": _JAZZ, "blues": _BLUES, "funk": _FUNK,
    "soul": _SOUL, "lofi": _LOFI, "dark": _DARK, "folk": _FOLK, "classical": _CLASSICAL,
    "cinematic": _CINEMATIC, "ambient": _AMBIENT, "edm": _EDM, "techno": _TECHNO, "gospel": _GOSPEL,
    "latin": _LATIN, "bossa": _BOSSA, "reggae": _REGGAE, "afro": _AFRO,
}

#: Vamps for the church modes, used when a family has no progressions of its own for the mode.
MODAL_PROGRESSIONS: _P = {
    "dorian": {"verse": ("i IV i IV", "i i IV IV", "i bIII IV i"), "chorus": ("bIII IV i i", "i IV bVII i"),
               "bridge": ("bVII bVII IV IV", "ii ii IV IV")},
    "mixolydian": {"verse": ("I bVII IV I", "I I bVII IV", "I v bVII IV"), "chorus": ("bVII IV I I",),
                   "bridge": ("IV IV bVII bVII", "v v IV IV")},
    "phrygian": {"verse": ("i bII i i", "i bII bVII i", "i bII bIII bII"), "chorus": ("bII bIII bII i",),
                 "bridge": ("iv iv bII bII", "bVI bVII bII i")},
    "lydian": {"verse": ("I II I II", "I II vii iii", "I II I vii"), "chorus": ("II II I I", "vi II I I"),
               "bridge": ("V V II II", "iii iii II II")},
}
# fmt: on
