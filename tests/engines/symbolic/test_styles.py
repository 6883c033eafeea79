"""Styles are data: every genre has one, and everything a style names exists."""

from __future__ import annotations

import pytest

from musicgen_app.engines.symbolic.harmony import MODE_SCALES, extend_symbol, parse_chord, parse_progression
from musicgen_app.engines.symbolic.styles import STYLES, style_for
from musicgen_app.engines.symbolic.styles.patterns import (
    DRUM_KEYS,
    FIGURE_KINDS,
    FIGURES,
    FILLS,
    GROOVES,
    METER_FIGURES,
    METER_GROOVES,
)
from musicgen_app.engines.symbolic.styles.progressions import MODAL_PROGRESSIONS, PROGRESSIONS
from musicgen_app.genres import GENRES
from musicgen_app.instruments import instrument

ROLES = ("verse", "chorus", "bridge")


def test_every_genre_has_a_style():
    assert {g.id for g in GENRES} == set(STYLES)


@pytest.mark.parametrize("genre", [g for g in GENRES], ids=lambda g: g.id)
def test_style_matches_its_genre(genre):
    style = style_for(genre.id)
    assert style.tempo_range == genre.tempo_range
    assert style.swing == genre.swing
    assert style.harmony in PROGRESSIONS


@pytest.mark.parametrize("style", list(STYLES.values()), ids=lambda s: s.id)
def test_style_names_only_known_things(style):
    for name in (
        style.bass_instrument,
        style.chords_instrument,
        style.pad_instrument,
        style.lead_instrument,
        style.arp_instrument,
        *style.percussion,
    ):
        if name:
            instrument(name)  # KeyError for an unknown canonical name
    for groove in (style.groove, style.groove_peak):
        assert not groove or groove in GROOVES
    for figure in (style.figure, style.figure_peak, style.arp_figure):
        assert not figure or figure in FIGURES
    assert style.voice_program in (52, 53, 54)


def test_drum_grooves_use_known_lanes_and_clean_steps():
    for lanes in [*GROOVES.values(), *METER_GROOVES.values(), *FILLS.values()]:
        for lane, steps in lanes.items():
            assert lane in DRUM_KEYS
            assert set(steps) <= set("Xxogr.")


def test_figures_are_well_formed():
    assert set(FIGURES) == set(FIGURE_KINDS)
    tables = [*FIGURES.values(), *(f for meter in METER_FIGURES.values() for f in meter.values())]
    for variants in tables:
        for text in variants:
            assert set(text) <= set("CcDU012345-.")
            assert text[0] != "-"


@pytest.mark.parametrize("family", sorted(PROGRESSIONS))
def test_progressions_parse_in_every_mode(family):
    for mode_family, roles in PROGRESSIONS[family].items():
        assert set(roles) == set(ROLES), (family, mode_family)
        scale = MODE_SCALES[mode_family]
        for texts in roles.values():
            for text in texts:
                for bar in parse_progression(text):
                    for symbol in bar:
                        for colour in ("triad", "seventh", "extended", "power"):
                            parse_chord(extend_symbol(symbol, colour, scale), 0)


def test_blues_is_twelve_bars_and_modal_vamps_cover_church_modes():
    for texts in PROGRESSIONS["blues"]["major"].values():
        assert all(len(parse_progression(t)) == 12 for t in texts)
    assert set(MODAL_PROGRESSIONS) == set(MODE_SCALES) - {"major", "minor"}
