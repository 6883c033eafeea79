"""Style idioms the composer promises: walking and one-drop basses, swing, ghost notes, phrases."""

from __future__ import annotations

import statistics

import pytest

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.score import Score

from .plan_factory import make_plan


def in_section(score: Score, part: str, names: set[str]):
    bar = score.beats_per_bar
    spans = [(s.start_bar * bar, (s.start_bar + s.bars) * bar) for s in score.sections if s.name in names]
    return [n for n in score.part(part).notes if any(a <= n.start_beat < b for a, b in spans)]


def test_jazz_walks_quarter_notes_over_ii_v_i():
    score = compose(make_plan("jazz", duration_s=60.0, energy=0.7, mode="major"))
    assert "ii7" in score.meta["progressions"] and "V7" in score.meta["progressions"]
    bass = in_section(score, "bass", {"head", "solo"})
    offsets = [n.start_beat - round(n.start_beat) for n in bass]
    assert statistics.mean(abs(o) for o in offsets) < 0.03  # on the beats
    assert len(bass) >= 0.9 * sum(s.bars for s in score.sections if s.name in ("head", "solo")) * 4


def test_jazz_swings_its_eighths():
    score = compose(make_plan("jazz", duration_s=60.0))
    fractions = [n.start_beat % 1 for n in score.part("drums").notes if n.pitch == 51]
    assert any(0.6 < f < 0.72 for f in fractions)  # the ride's "let" on the triplet
    assert not any(0.45 < f < 0.55 for f in fractions)


def test_reggae_bass_leaves_the_one_drop_empty():
    score = compose(make_plan("reggae", duration_s=60.0, energy=0.6))
    bass = in_section(score, "bass", {"verse", "chorus"})
    on_one = [n for n in bass if abs(n.start_beat % score.beats_per_bar) < 0.05]
    assert bass and len(on_one) < 0.1 * len(bass)


def test_house_bass_sits_on_the_offbeats_and_the_kick_on_every_beat():
    score = compose(make_plan("house", duration_s=60.0, energy=0.7))
    bass = in_section(score, "bass", {"drop", "build"})
    offbeat = [n for n in bass if abs(n.start_beat % 1 - 0.5) < 0.05]
    assert len(offbeat) > 0.8 * len(bass)
    kicks = {round(n.start_beat) for n in score.part("drums").notes if n.pitch == 36}
    assert len(kicks) > 0.7 * max(kicks)


def test_funk_drums_have_ghost_notes_and_humanised_velocities():
    snare = [n for n in compose(make_plan("funk", energy=0.7)).part("drums").notes if n.pitch == 38]
    velocities = [n.velocity for n in snare]
    assert min(velocities) < 55 < max(velocities)
    assert len(set(velocities)) > 5


def _final_chord(score: Score) -> set[int]:
    notes = score.part("chords").notes
    last = max(n.start_beat for n in notes)
    return {n.pitch % 12 for n in notes if n.start_beat == last}


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_funk_ends_on_a_minor_seventh_and_afrobeat_on_a_triad(seed):
    # Plain chords are coloured as sevenths in funk (ninths under a Rhodes and trumpet read as jazz)
    # and left as triads in afrobeat; the progressions' own sevenths and ninths stay.
    funk = compose(make_plan("funk", duration_s=60.0, energy=0.7, seed=seed))
    afro = compose(make_plan("afrobeat", duration_s=60.0, energy=0.7, seed=seed))
    assert _final_chord(funk) == {0, 3, 7, 10}  # C minor seventh: the fifth, no ninth
    assert _final_chord(afro) == {0, 3, 7}


def test_funk_stabs_the_chords_on_syncopated_sixteenths():
    score = compose(make_plan("funk", duration_s=60.0, energy=0.7))
    onsets = [n.start_beat for n in score.part("chords").notes]
    assert any(abs(o * 4 % 2 - 1) < 0.1 for o in onsets)  # stabs on the "e" and "a" of the beat


def test_funk_hat_opens_on_the_and_of_four():
    score = compose(make_plan("funk", duration_s=60.0, energy=0.7))
    bar = score.beats_per_bar
    drums = score.part("drums").notes
    opens = [n.start_beat % bar for n in drums if n.pitch == 46]
    assert opens and all(abs(p - 3.5) < 0.3 for p in opens)
    closed_after = [n for n in drums if n.pitch == 42 and abs(n.start_beat % bar - 3.75) < 0.05]
    assert not closed_after  # the open hat rings into the one


def test_afrobeat_guitar_and_keys_interlock():
    score = compose(make_plan("afrobeat", duration_s=60.0, energy=0.7))
    guitar = {round(n.start_beat, 2) for n in score.part("arp").notes}
    keys = {round(n.start_beat, 2) for n in score.part("chords").notes}
    assert guitar and keys and guitar != keys


def test_blues_chords_are_dominant_sevenths():
    score = compose(make_plan("blues", mode="major", duration_s=60.0))
    assert score.meta["progressions"].count("I7") >= 4 and "IV7" in score.meta["progressions"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tune_peaks_in_the_chorus(seed):
    score = compose(make_plan("pop", duration_s=120.0, seed=seed, mode="major"))
    verse = [n.pitch for n in in_section(score, "lead", {"verse"})]
    chorus = [n.pitch for n in in_section(score, "lead", {"chorus"})]
    assert max(chorus) >= max(verse)
    assert statistics.mean(chorus) > statistics.mean(verse)


def test_phrases_answer_with_the_opening_of_the_question():
    score = compose(make_plan("pop", duration_s=120.0, mode="major"))
    verse = next(s for s in score.sections if s.name == "verse")
    bar = score.beats_per_bar

    def rhythm(index):
        start = round((verse.start_bar + index) * bar * 4)  # in sixteenths
        steps = [round(n.start_beat * 4) for n in score.part("lead").notes]
        return [q - start for q in steps if start <= q < start + bar * 4]

    assert rhythm(0) == rhythm(4)  # an 8-bar period: the answer starts like the question


def test_arrangement_grows_with_the_energy():
    score = compose(make_plan("pop", duration_s=180.0))
    bar = score.beats_per_bar

    def density(section):
        a, b = section.start_bar * bar, (section.start_bar + section.bars) * bar
        return sum(1 for p in score.parts for n in p.notes if a <= n.start_beat < b) / section.bars

    intro = next(s for s in score.sections if s.name == "intro")
    chorus = max((s for s in score.sections if s.name == "chorus"), key=lambda s: s.energy)
    assert density(chorus) > 1.5 * density(intro)


def test_sections_are_marked_with_crashes():
    score = compose(make_plan("rock", duration_s=90.0, energy=0.8))
    crashes = {round(n.start_beat, 1) for n in score.part("drums").notes if n.pitch == 49}
    starts = [s.start_bar * score.beats_per_bar for s in score.sections[1:] if s.energy >= 0.5]
    assert all(round(start, 1) in crashes for start in starts)


def test_blues_guitar_leads_bend_into_their_notes_and_pianos_never_bend() -> None:
    from musicgen_app.engines.symbolic.compose import compose

    from .plan_factory import make_plan

    blues = compose(make_plan("blues", duration_s=60.0))
    lead = next(p for p in blues.parts if p.role == "lead")
    assert lead.instrument == "electric guitar"
    bent = [n for n in lead.notes if n.bend]
    assert len(bent) >= 3 and all(n.bend in (1.0, 2.0) for n in bent)
    assert not lead.notes[-1].bend  # the last note lands straight
    piano = compose(make_plan("blues", duration_s=60.0, instruments=("piano",)))
    assert not any(n.bend for p in piano.parts if p.instrument == "piano" for n in p.notes)
