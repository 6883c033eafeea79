"""Roman numerals, colours, chord scales and voice leading."""

from __future__ import annotations

import pytest

from musicgen_app.engines.symbolic.harmony import (
    MODE_SCALES,
    extend_symbol,
    parse_chord,
    parse_progression,
    scale_for_chord,
    voice_chord,
)

C, D, E, F, G, A, B = 0, 2, 4, 5, 7, 9, 11


@pytest.mark.parametrize(
    ("symbol", "tonic", "pcs"),
    [
        ("I", C, {C, E, G}),
        ("V7", C, {G, B, D, F}),
        ("ii7", C, {D, F, A, C}),
        ("bVII", C, {10, D, F}),
        ("i", A, {A, C, E}),
        ("V7", A, {E, 8, B, D}),  # the raised leading tone in A minor
        ("iiø7", C, {D, F, 8, C}),
        ("Imaj9", F, {F, A, C, E, G}),
        ("I5", E, {E, B}),
    ],
)
def test_parse_chord(symbol, tonic, pcs):
    assert set(parse_chord(symbol, tonic).pitch_classes) == pcs


def test_parse_chord_rejects_nonsense():
    with pytest.raises(ValueError):
        parse_chord("VIII", 0)
    with pytest.raises(ValueError):
        parse_chord("Ixyz", 0)


def test_progression_bars_split_on_spaces_and_dashes():
    assert parse_progression("ii7-V7 Imaj7") == [["ii7", "V7"], ["Imaj7"]]


def test_colours_follow_the_scale():
    major = MODE_SCALES["major"]
    assert extend_symbol("I", "seventh", major) == "Imaj7"
    assert extend_symbol("V", "seventh", major) == "V7"
    assert extend_symbol("ii", "extended", major) == "ii9"
    assert extend_symbol("IV", "power", major) == "IV5"
    assert extend_symbol("V7", "triad", major) == "V7"  # written suffixes are kept
    assert extend_symbol("bVII", "seventh", MODE_SCALES["minor"]) == "bVII7"


def test_chord_scale_takes_the_leading_tone_over_the_dominant():
    scale = scale_for_chord(MODE_SCALES["minor"], A, parse_chord("V7", A))
    assert 8 in scale and 7 not in scale  # G# replaces G in A minor
    assert len(scale) == 7


def test_voicing_stays_in_window_and_moves_little():
    window = {"low": 52, "high": 76}
    previous = None
    motion = []
    for symbol in ("ii7", "V7", "Imaj7", "vi7", "ii7", "V7", "Imaj7"):
        voices = voice_chord(parse_chord(symbol, C), previous=previous, **window)
        assert all(window["low"] <= p <= window["high"] for p in voices)
        assert len(voices) == 4
        if previous:
            motion.append(sum(min(abs(v - p) for p in previous) for v in voices))
        previous = voices
    # Good voice leading: on average each voice moves about a step.
    assert sum(motion) / len(motion) <= 6


def test_voicing_contains_the_chord_tones():
    voices = voice_chord(parse_chord("V7", C), low=48, high=72, size=4)
    assert {p % 12 for p in voices} == {G, B, D, F}


def test_chord_scale_for_a_flat_seventh_replaces_the_leading_tone():
    scale = scale_for_chord(MODE_SCALES["major"], C, parse_chord("bVII", C))
    assert 10 in scale and B not in scale and A in scale
