"""MIDI export: a round trip through mido keeps tracks, tempo, meter, key, markers and notes."""

from __future__ import annotations

import io

import mido
import pytest

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.midi import key_signature_name, score_to_midi

from .plan_factory import make_plan


def read(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data))


def meta(midi: mido.MidiFile, kind: str) -> list:
    return [m for m in midi.tracks[0] if m.type == kind]


@pytest.mark.parametrize(("signature", "quarter_bpm"), [((4, 4), 96), ((3, 4), 96), ((6, 8), 144)])
def test_round_trip(signature, quarter_bpm):
    score = compose(make_plan("folk", tempo_bpm=96, time_signature=signature, key="D", mode="minor"))
    midi = read(score_to_midi(score))
    assert midi.type == 1
    assert len(midi.tracks) == len(score.parts) + 1
    assert mido.tempo2bpm(meta(midi, "set_tempo")[0].tempo) == pytest.approx(quarter_bpm, abs=1e-3)
    ts = meta(midi, "time_signature")[0]
    assert (ts.numerator, ts.denominator) == signature
    assert meta(midi, "key_signature")[0].key == "Dm"
    assert [m.text for m in meta(midi, "marker")] == [s.name for s in score.sections]
    assert midi.length == pytest.approx(score.duration_s, abs=0.01)
    for part, track in zip(score.parts, midi.tracks[1:], strict=True):
        assert track.name == part.name
        ons = [m for m in track if m.type == "note_on" and m.velocity > 0]
        assert len(ons) == len(part.notes)
        channels = {m.channel for m in ons}
        assert channels == ({9} if part.is_drum else channels - {9})
        programs = [m.program for m in track if m.type == "program_change"]
        assert programs == ([] if part.is_drum else [part.program])


def test_note_times_match_the_score():
    score = compose(make_plan("pop", tempo_bpm=120))
    midi = read(score_to_midi(score))
    lead_index = [p.name for p in score.parts].index("lead") + 1
    now, onsets = 0, []
    for message in midi.tracks[lead_index]:
        now += message.time
        if message.type == "note_on" and message.velocity:
            onsets.append(now / midi.ticks_per_beat)
    expected = [round(n.start_beat * 480) / 480 for n in score.part("lead").notes]
    assert onsets == pytest.approx(expected)


def test_808_glides_become_pitch_bends_with_a_wide_range():
    score = compose(make_plan("trap", duration_s=60.0))
    midi = read(score_to_midi(score))
    track = midi.tracks[[p.name for p in score.parts].index("bass") + 1]
    bends = [m.pitch for m in track if m.type == "pitchwheel"]
    assert any(b != 0 for b in bends) and bends[-1] == 0
    rpn = [(m.control, m.value) for m in track if m.type == "control_change" and m.control in (101, 100, 6)]
    assert rpn == [(101, 0), (100, 0), (6, 12)]


@pytest.mark.parametrize(
    ("key", "mode", "name"),
    [
        ("C", "major", "C"),
        ("A", "minor", "Am"),
        ("D", "dorian", "C"),
        ("G", "mixolydian", "C"),
        ("F#", "major", "F#"),
        ("C#", "major", "Db"),
        ("Ab", "minor", "G#m"),
        ("E", "phrygian", "C"),
    ],
)
def test_key_signature_names(key, mode, name):
    assert key_signature_name(key, mode) == name
