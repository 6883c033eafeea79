"""The composer over every genre and duration: timing, ranges, endings, determinism, the lineup."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.harmony import tonic_pc
from musicgen_app.engines.symbolic.midi import score_to_midi
from musicgen_app.engines.symbolic.score import Score, seconds_to_beats
from musicgen_app.errors import InvalidRequest
from musicgen_app.genres import GENRES
from musicgen_app.instruments import instrument

from .plan_factory import make_plan

GENRE_IDS = [g.id for g in GENRES]
DURATIONS = (5, 17, 30, 120, 300)


def assert_well_formed(score: Score) -> None:
    """Notes end before the duration, melodic notes lie in their instrument's range."""
    total = seconds_to_beats(score.duration_s, score.tempo_bpm)
    for part in score.parts:
        assert part.notes, f"{part.name} has no notes"
        inst = instrument(part.instrument)
        for note in part.notes:
            assert note.end_beat <= total + 1e-9, (part.name, note)
            if not part.is_drum:
                assert inst.low <= note.pitch <= inst.high, (part.name, part.instrument, note.pitch)
            else:
                assert 27 <= note.pitch <= 87


@pytest.mark.parametrize("genre", GENRE_IDS)
@pytest.mark.parametrize("duration_s", DURATIONS)
def test_every_genre_composes_at_every_duration(genre, duration_s):
    plan = make_plan(genre, duration_s=float(duration_s))
    score = compose(plan)
    assert score.tempo_bpm == plan.tempo_bpm
    assert score.duration_s == plan.duration_s
    assert score.meta["style"] == genre
    assert_well_formed(score)


@pytest.mark.parametrize("genre", GENRE_IDS)
def test_the_last_chord_is_the_tonic_and_rings_before_the_end(genre):
    plan = make_plan(genre, key="A", mode="major", duration_s=30.0)
    score = compose(plan)
    tonic = tonic_pc("A")
    total = seconds_to_beats(30.0, plan.tempo_bpm)
    last_start = max(n.start_beat for p in score.parts for n in p.notes)
    bass = score.part("bass")
    assert bass.notes[-1].pitch % 12 == tonic
    assert bass.notes[-1].start_beat == pytest.approx(last_start)
    assert max(n.end_beat for p in score.parts for n in p.notes) < total
    for part in score.parts:
        if part.role in ("chords", "pad"):
            final = [n.pitch % 12 for n in part.notes if n.start_beat == pytest.approx(last_start)]
            assert tonic in final or (tonic + 4) % 12 in final, part.name


def test_same_seed_same_score_other_seed_other_notes():
    plan = make_plan("lo-fi", duration_s=60.0)
    assert compose(plan) == compose(plan)
    other = compose(make_plan("lo-fi", duration_s=60.0, seed=8))
    assert compose(plan).part("lead").notes != other.part("lead").notes


def test_short_track_is_one_phrase_with_an_ending():
    score = compose(make_plan("pop", duration_s=5.0, tempo_bpm=120))
    names = [s.name for s in score.sections]
    assert names == ["phrase", "ending"]
    lead = score.part("lead").notes
    assert len(lead) >= 3


def test_long_track_is_a_full_arrangement():
    score = compose(make_plan("pop", duration_s=300.0, tempo_bpm=120))
    names = [s.name for s in score.sections]
    assert names[0] == "intro" and names[-1] == "ending" and names[-2] == "outro"
    assert {"verse", "chorus", "bridge"} <= set(names)
    chorus = [s.energy for s in score.sections if s.name == "chorus"]
    verse = [s.energy for s in score.sections if s.name == "verse"]
    assert min(chorus) > max(verse)
    edm = [s.name for s in compose(make_plan("house", duration_s=300.0)).sections]
    assert {"build", "drop", "breakdown"} <= set(edm)


def test_sections_tile_the_bars():
    score = compose(make_plan("rock", duration_s=120.0))
    bar = 0
    for section in score.sections:
        assert section.start_bar == bar
        bar += section.bars


def test_blues_uses_twelve_bar_choruses():
    score = compose(make_plan("blues", duration_s=300.0, tempo_bpm=90))
    middle = [s for s in score.sections if s.name in ("head", "solo")]
    assert middle and all(s.bars == 12 for s in middle)


def _window_signature(score: Score, start_bar: int, bars: int) -> tuple:
    width = bars * score.beats_per_bar
    start = start_bar * score.beats_per_bar
    return tuple(
        (part.name, round((n.start_beat - start) * 4), n.pitch)
        for part in score.parts
        for n in part.notes
        if start <= n.start_beat < start + width
    )


@pytest.mark.parametrize("genre", GENRE_IDS)
def test_no_identical_eight_bars_three_times_in_a_row(genre):
    score = compose(make_plan(genre, duration_s=300.0))
    last_bar = score.sections[-1].start_bar
    signatures = [_window_signature(score, b, 8) for b in range(0, last_bar - 7, 8)]
    for a, b, c in zip(signatures, signatures[1:], signatures[2:], strict=False):
        assert not (a == b == c)


@pytest.mark.parametrize(("signature", "bar_beats"), [((3, 4), 3.0), ((6, 8), 2.0), ((4, 4), 4.0)])
def test_meters_make_bars_of_the_right_length(signature, bar_beats):
    score = compose(make_plan("folk", duration_s=30.0, time_signature=signature))
    assert score.beats_per_bar == bar_beats
    kicks = [n.start_beat for n in score.part("drums").notes if n.pitch == 36]
    downbeats = {round(k / bar_beats) for k in kicks if abs(k / bar_beats - round(k / bar_beats)) < 0.02}
    assert len(downbeats) >= 5  # the kick marks the bar lines
    for section in score.sections:
        assert section.start_bar * bar_beats <= seconds_to_beats(30.0, score.tempo_bpm)


def test_unsupported_meter_is_an_invalid_request():
    with pytest.raises(InvalidRequest):
        compose(make_plan("pop", time_signature=(4, 3)))


def test_unknown_genre_is_an_invalid_request():
    with pytest.raises(InvalidRequest):
        compose(make_plan("pop").__class__(**{**make_plan("pop").__dict__, "genre": "polka"}))


def test_odd_meter_still_composes():
    score = compose(make_plan("rock", duration_s=20.0, time_signature=(7, 8)))
    assert score.beats_per_bar == 3.5
    assert_well_formed(score)


def test_tempo_and_duration_are_exact_at_awkward_values():
    plan = make_plan("drum and bass", tempo_bpm=173, duration_s=17.3)
    score = compose(plan)
    assert (score.tempo_bpm, score.duration_s) == (173, 17.3)
    assert math.isclose(
        max(n.end_beat for p in score.parts for n in p.notes),
        seconds_to_beats(17.3, 173) - seconds_to_beats(min(max(0.06 * 17.3, 0.35), 2.5), 173),
    )


def test_fade_out_tapers_the_last_section():
    score = compose(make_plan("pop", duration_s=60.0, structure=("fade out",)))
    last = score.sections[-2]  # the section before the ending chord
    start = last.start_bar * score.beats_per_bar
    chords = [n for n in score.part("chords").notes if n.start_beat >= start]
    half = len(chords) // 2
    early = sum(n.velocity for n in chords[:half]) / half
    late = sum(n.velocity for n in chords[half:]) / (len(chords) - half)
    assert late < early * 0.8


def test_a_drop_turns_a_song_into_build_and_drop():
    names = {s.name for s in compose(make_plan("pop", duration_s=120.0, structure=("drop",))).sections}
    assert {"build", "drop"} <= names


def test_same_score_in_another_process_with_another_hash_seed():
    code = (
        "import hashlib, sys\n"
        "from tests.engines.symbolic.plan_factory import make_plan\n"
        "from musicgen_app.engines.symbolic.compose import compose\n"
        "from musicgen_app.engines.symbolic.midi import score_to_midi\n"
        "plan = make_plan('afrobeat', instruments=('congas', 'vocals'), duration_s=40.0)\n"
        "sys.stdout.write(hashlib.sha256(score_to_midi(compose(plan))).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    ).stdout
    plan = make_plan("afrobeat", instruments=("congas", "vocals"), duration_s=40.0)
    assert other == hashlib.sha256(score_to_midi(compose(plan))).hexdigest()
