"""The numpy 808: exact onsets and length, the note's pitch after the knock, glides, monophony."""

from __future__ import annotations

import numpy as np

from musicgen_app.engines.symbolic.score import Note, Part, Score
from musicgen_app.engines.symbolic.voices import SYNTH_VOICES, render_808

SR = 44_100


def _score(*notes: Note, duration_s: float = 4.0, tempo_bpm: float = 120.0) -> Score:
    part = Part("bass", "bass", 38, tuple(notes), instrument="808")
    return Score(tempo_bpm, (4, 4), "C", "minor", duration_s, (part,))


def _render(score: Score) -> np.ndarray:
    return render_808(score.parts[0], score, sample_rate=SR)


def _pitch_hz(mono: np.ndarray) -> float:
    window = mono * np.hanning(mono.size)
    spectrum = np.abs(np.fft.rfft(window, n=1 << 18))
    return float(np.fft.rfftfreq(1 << 18, 1.0 / SR)[np.argmax(spectrum)])


def test_the_808_is_a_synth_voice_of_exactly_the_score_length() -> None:
    assert "808" in SYNTH_VOICES
    for duration_s in (1.0, 3.3, 7.77):
        audio = _render(_score(Note(0.0, 1.0, 36), duration_s=duration_s))
        assert audio.shape == (round(duration_s * SR), 2) and audio.dtype == np.float32


def test_each_note_starts_on_its_exact_frame() -> None:
    audio = _render(_score(Note(1.37, 0.5, 40)))
    onset = int(np.flatnonzero(np.abs(audio[:, 0]) > 1e-6)[0])
    assert onset == round(1.37 * 0.5 * SR)


def test_after_the_knock_it_sounds_the_notes_pitch() -> None:
    audio = _render(_score(Note(0.0, 2.0, 33)))  # A1, 55 Hz
    held = audio[int(0.2 * SR) : int(0.9 * SR), 0]
    assert abs(_pitch_hz(held) - 55.0) < 1.0
    # the knock starts an octave up and falls into the note: the first half cycle is shorter than 55 Hz's
    first_crossing_s = np.flatnonzero(np.diff(np.signbit(audio[:, 0])))[0] / SR
    assert first_crossing_s < 0.8 / (2 * 55.0)


def test_a_glide_reaches_the_bent_pitch_at_the_end() -> None:
    audio = _render(_score(Note(0.0, 4.0, 33, bend=5.0)))  # A1 gliding up to D2 over the last third
    start = audio[int(0.2 * SR) : int(1.0 * SR), 0]
    end = audio[int(1.93 * SR) : int(2.0 * SR), 0]
    assert abs(_pitch_hz(start) - 55.0) < 1.0
    assert abs(_pitch_hz(end) - 73.4) < 4.0


def test_a_new_note_cuts_the_one_before() -> None:
    long_then_short = _render(_score(Note(0.0, 4.0, 36), Note(1.0, 0.25, 43)))
    alone = _render(_score(Note(1.0, 0.25, 43)))
    cut = round(0.5 * SR)
    # from the second onset on, only the second note sounds
    np.testing.assert_allclose(long_then_short[cut:], alone[cut:], atol=1e-6)
    assert np.abs(long_then_short[cut - 300 : cut, 0]).max() < np.abs(long_then_short[:cut, 0]).max()


def test_louder_notes_are_louder_and_renders_repeat() -> None:
    soft = _render(_score(Note(0.0, 1.0, 36, velocity=50)))
    loud = _render(_score(Note(0.0, 1.0, 36, velocity=120)))
    assert np.abs(loud).max() > 2 * np.abs(soft).max()
    np.testing.assert_array_equal(loud, _render(_score(Note(0.0, 1.0, 36, velocity=120))))
