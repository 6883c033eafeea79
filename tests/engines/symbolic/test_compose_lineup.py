"""The lineup obeys the plan: named instruments play, excluded roles and instruments do not."""

from __future__ import annotations

import pytest

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.score import Score
from musicgen_app.instruments import INSTRUMENTS

from .plan_factory import make_plan

MELODIC = [i.name for i in INSTRUMENTS if i.family not in ("drums", "percussion", "voice")]
PERCUSSION = [i.name for i in INSTRUMENTS if i.family in ("drums", "percussion")]


def played(score: Score) -> set[str]:
    return {p.instrument for p in score.parts if p.notes}


# Lineups from the shared dev prompts, as the prompt reader resolves them.
DEV_LINEUPS = [
    ("lo-fi", ("electric piano", "drums")),
    ("acoustic", ("acoustic guitar", "claps")),
    ("cinematic", ("strings", "taiko", "brass")),
    ("classical", ("violin", "viola", "cello")),
    ("jazz", ("upright bass", "drums", "piano")),
    ("trap", ("808", "hi-hats", "bells")),
    ("cinematic", ("choir", "timpani", "strings")),
    ("funk", ("slap bass", "clavinet", "brass")),
    ("country", ("banjo", "fiddle", "acoustic guitar")),
    ("blues", ("harmonica", "distorted guitar")),
    ("folk", ("tin whistle", "bodhran")),
    ("gospel", ("choir", "organ", "claps")),
    ("afrobeat", ("talking drums", "shekere", "brass")),
    ("cinematic", ("pizzicato strings", "percussion")),
    ("latin", ("piano", "congas", "trumpet")),
    ("acoustic", ("sleigh bells", "glockenspiel")),
    ("classical", ("sitar", "tabla")),
    ("ambient", ("harp", "flute")),
]


@pytest.mark.parametrize(("genre", "names"), DEV_LINEUPS)
def test_named_instruments_are_played(genre, names):
    score = compose(make_plan(genre, instruments=names, duration_s=30.0))
    assert set(names) <= played(score)


@pytest.mark.parametrize("name", MELODIC)
def test_every_melodic_instrument_can_be_asked_for(name):
    score = compose(make_plan("pop", instruments=(name,), duration_s=12.0))
    assert name in played(score)


@pytest.mark.parametrize("name", PERCUSSION)
def test_every_percussion_instrument_gets_notes(name):
    score = compose(make_plan("ambient", instruments=(name,), duration_s=12.0, energy=0.2))
    assert name in played(score)
    part = next(p for p in score.parts if p.instrument == name)
    assert part.stem == ("drums" if part.is_drum else part.stem)
    assert len(part.notes) >= 4


def test_no_drums_means_no_drum_channel_at_all():
    plan = make_plan("house", excluded=("drums",), instruments=("claps", "pad"))
    score = compose(plan)
    assert not any(p.is_drum for p in score.parts)
    assert not score.parts_for_stem("drums")
    assert "pad" in played(score)


def test_excluded_bass_and_instruments_are_absent():
    score = compose(make_plan("jazz", excluded=("bass", "piano", "saxophone")))
    assert not any(p.role == "bass" for p in score.parts)
    assert not score.parts_for_stem("bass")
    assert not {"piano", "saxophone"} & played(score)
    assert any(p.role == "chords" for p in score.parts)


def test_voices_only_when_asked():
    assert not compose(make_plan("gospel")).parts_for_stem("vocals")
    sung = compose(make_plan("pop", vocals=True))
    voices = sung.parts_for_stem("vocals")
    assert [p.program for p in voices] == [53]
    choir = compose(make_plan("gospel", vocals=True)).parts_for_stem("vocals")
    assert [p.instrument for p in choir] == ["choir"]
    assert not compose(make_plan("pop", vocals=True, excluded=("vocals",))).parts_for_stem("vocals")


def test_vocals_carry_the_tune_and_the_lead_answers():
    score = compose(make_plan("pop", instruments=("vocals",), duration_s=120.0))
    vocals, lead = score.part("vocals"), score.part("lead")
    assert vocals.stem == "vocals" and len(vocals.notes) > 20
    sung = {round(n.start_beat, 1) for n in vocals.notes[:-1]}
    played_ = {round(n.start_beat, 1) for n in lead.notes[:-1]}
    assert not sung & played_


def test_solo_piano_is_only_piano():
    plan = make_plan("classical", prompt="Sad solo piano piece", instruments=("piano",))
    score = compose(plan)
    assert played(score) == {"piano"}


def test_a_named_lineup_replaces_the_style_extras():
    score = compose(make_plan("jazz", instruments=("upright bass", "drums", "piano")))
    assert played(score) == {"upright bass", "drums", "piano"}


def test_hats_named_are_carved_from_the_kit():
    score = compose(make_plan("trap", instruments=("808", "hi-hats")))
    hats = next(p for p in score.parts if p.instrument == "hi-hats")
    assert hats.is_drum and hats.stem == "drums"
    assert {n.pitch for n in hats.notes} <= {42, 44, 46}
    assert not {n.pitch for n in score.part("drums").notes} & {42, 44, 46}


def test_trap_808_glides_and_only_the_808_bends():
    score = compose(make_plan("trap", duration_s=60.0))
    bass = score.part("bass")
    assert bass.instrument == "808"
    assert any(n.bend for n in bass.notes)
    assert all(not n.bend for p in score.parts if p is not bass for n in p.notes)


def test_mix_hints_are_in_range():
    score = compose(make_plan("synthwave", vocals=True, instruments=("congas",)))
    for part in score.parts:
        assert -1 <= part.pan <= 1 and 0 <= part.reverb_send <= 1 and -30 < part.gain_db <= 6


def test_excluded_kit_piece_leaves_the_kit():
    score = compose(make_plan("pop", excluded=("hi-hats",)))
    assert not {n.pitch for n in score.part("drums").notes} & {42, 44, 46}
    assert {n.pitch for n in score.part("drums").notes} & {36, 38}


def test_a_trio_melody_goes_to_the_piano_not_the_bass():
    score = compose(make_plan("jazz", instruments=("upright bass", "drums", "piano")))
    assert score.part("lead").instrument == "piano"
    assert score.part("bass").instrument == "upright bass"


@pytest.mark.parametrize(
    ("genre", "names", "roles"),
    [
        (
            "country",
            ("banjo", "fiddle", "acoustic guitar"),
            {"chords": "acoustic guitar", "lead": "fiddle", "arp": "banjo"},
        ),
        ("trap", ("808", "hi-hats", "bells"), {"bass": "808", "lead": "bells"}),
        ("ambient", ("harp", "flute"), {"arp": "harp", "lead": "flute"}),
        ("acoustic", ("ukulele",), {"chords": "ukulele", "lead": "ukulele"}),
    ],
)
def test_named_instruments_take_the_roles_they_suit(genre, names, roles):
    score = compose(make_plan(genre, instruments=names))
    assert {role: score.part(role).instrument for role in roles} == roles


# Default lineups chosen by listening tests (BENCHMARKS.md, "Genre sound"): each one is what made an
# outside tagger hear the genre, so a change to them must be measured again, not slip in.
@pytest.mark.parametrize(
    ("genre", "role", "instrument"),
    [
        ("bossa nova", "lead", "saxophone"),
        ("folk", "lead", "harmonica"),
        ("house", "perc", "shekere"),
        ("house", "perc", "tambourine"),
        ("funk", "lead", "trumpet"),
        ("funk", "perc", "tambourine"),
        ("funk", "perc", "congas"),
        ("funk", "perc", "claps"),
        ("afrobeat", "lead", "trumpet"),
        ("afrobeat", "perc", "claps"),
        ("afrobeat", "perc", "congas"),
        ("afrobeat", "arp", "electric guitar"),
        ("trap", "chords", "brass"),
        ("trap", "pad", "strings"),
        ("trap", "lead", "piano"),
    ],
)
def test_a_neutral_prompt_gets_the_styles_measured_lineup(genre, role, instrument):
    score = compose(make_plan(genre, duration_s=30.0))
    assert any(p.role == role and p.instrument == instrument and p.notes for p in score.parts)


def test_trap_brass_stabs_on_the_offbeats_of_a_chop():
    score = compose(make_plan("trap", duration_s=60.0, energy=0.7))
    stabs = sorted({round(n.start_beat, 3) for n in score.part("chords").notes})
    # short hits, not a held pad: most start off the bar's downbeat
    assert len(stabs) > 1.5 * sum(s.bars for s in score.sections)
    assert sum(s % score.beats_per_bar != 0 for s in stabs) > len(stabs) / 2


def test_the_house_shaker_is_part_of_the_drums_and_can_be_left_out():
    shaker = [p for p in compose(make_plan("house", duration_s=30.0)).parts if p.instrument == "shekere"]
    assert shaker and all(p.stem == "drums" for p in shaker)
    without = compose(make_plan("house", duration_s=30.0, excluded=("shekere",)))
    assert "shekere" not in played(without)
