"""render_part / render_score: exact length, sample-accurate onsets, drum kit, determinism, stems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicgen_app.engines.symbolic.fluidsynth import (
    DRUM_BANK,
    DRUM_CHANNEL,
    Synth,
    library_available,
    warm_synth,
)
from musicgen_app.engines.symbolic.render import beats_to_frames, render_part, render_score
from musicgen_app.engines.symbolic.score import Note, Part, Score
from musicgen_app.errors import EngineUnavailable

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SR = 44_100
pytestmark = pytest.mark.skipif(
    not (library_available()[0] and SOUNDFONT.is_file()),
    reason="needs apt-get install fluidsynth fluid-soundfont-gm",
)


def _score(*parts: Part, duration_s: float = 3.0, tempo_bpm: float = 97.0, **kw) -> Score:
    return Score(tempo_bpm, (4, 4), "C", "minor", duration_s, tuple(parts), **kw)


def _piano(*notes: Note, name: str = "keys", **kw) -> Part:
    return Part(name, "other", 0, tuple(notes), **kw)


def _band(duration_s: float = 4.0) -> Score:
    beats = int(duration_s * 2)
    drums = [Note(b * 0.5, 0.25, (36, 42, 38, 46)[b % 4], 70 + 7 * (b % 5)) for b in range(beats * 2)]
    bass = [Note(b, 0.9, 36 + b % 5, 90, bend=2.0 if b % 4 == 3 else 0.0) for b in range(beats)]
    pad = [Note(0, beats - 1.0, p, 60) for p in (48, 55, 63)]
    lead = [Note(b * 0.75, 0.6, 72 + (b * 5) % 12, 80) for b in range(int(beats / 0.75))]
    return _score(
        Part("drums", "drums", 0, tuple(drums), is_drum=True, reverb_send=0.1),
        Part("bass", "bass", 33, tuple(bass), reverb_send=0.0),
        Part("pad", "other", 89, tuple(pad), pan=-0.4, reverb_send=0.4),
        Part("lead", "vocals", 81, tuple(lead), pan=0.3, reverb_send=0.3),
        duration_s=duration_s,
        tempo_bpm=120.0,
    )


@pytest.fixture(scope="module")
def synth() -> Synth:
    made = Synth(SOUNDFONT)
    yield made
    made.close()


def _onset(audio: np.ndarray) -> int:
    return int(np.flatnonzero(np.abs(audio).max(axis=1) > 0)[0])


@pytest.mark.parametrize(("duration_s", "tempo_bpm"), [(3.0, 97.0), (2.3456, 133.0), (1.0 / 3.0, 60.0)])
def test_every_render_has_exactly_the_score_duration(synth, duration_s, tempo_bpm) -> None:
    score = _score(_piano(Note(0.25, 0.5, 60)), duration_s=duration_s, tempo_bpm=tempo_bpm)
    frames = round(duration_s * SR)
    assert render_part(score.parts[0], score, synth=synth, sample_rate=SR).shape == (frames, 2)
    stems = render_score(score, soundfont=SOUNDFONT)
    assert stems.frames == frames and stems.sample_rate == SR


def test_beats_to_frames_rounds_to_the_nearest_frame() -> None:
    assert beats_to_frames(1.0, 120.0, SR) == 22_050
    assert beats_to_frames(1.0, 97.0, SR) == round(60.0 / 97.0 * SR)
    assert beats_to_frames(0.0, 97.0, SR) == 0


@pytest.mark.parametrize("beat", [0.5, 1.2345, 2.0 + 1.0 / 3.0])
def test_a_note_starts_on_its_exact_frame(synth, beat) -> None:
    score = _score(_piano(Note(0.0, 1.0, 64)), _piano(Note(beat, 1.0, 64), name="late"))
    early = render_part(score.parts[0], score, synth=synth, sample_rate=SR)
    late = render_part(score.parts[1], score, synth=synth, sample_rate=SR)
    shift = beats_to_frames(beat, score.tempo_bpm, SR)
    assert shift % 64  # off the synth's block grid, so only isolation can place it
    assert not late[:shift].any()
    assert _onset(late) == shift + _onset(early)
    np.testing.assert_array_equal(late[shift:], early[: early.shape[0] - shift])


def test_drum_parts_play_the_drum_kit_on_channel_ten(synth) -> None:
    snare = Note(0.0, 0.5, 38, 100)
    score = _score(Part("drums", "drums", 0, (snare,), is_drum=True), _piano(snare))
    drums = render_part(score.parts[0], score, synth=synth, sample_rate=SR)
    piano = render_part(score.parts[1], score, synth=synth, sample_rate=SR)
    synth.settle()
    synth.select_program(DRUM_CHANNEL, bank=DRUM_BANK, program=0)
    synth.note_on(DRUM_CHANNEL, 38, 100)
    by_hand = synth.render(384)
    synth.silence()
    np.testing.assert_array_equal(drums[:384], by_hand)
    assert not np.array_equal(drums[:384], piano[:384])


def test_an_unknown_kit_falls_back_to_the_standard_kit(synth) -> None:
    hit = (Note(0.0, 0.5, 36, 100),)
    score = _score(Part("a", "drums", 0, hit, is_drum=True), Part("b", "drums", 127, hit, is_drum=True))
    standard, unknown = (render_part(p, score, synth=synth, sample_rate=SR) for p in score.parts)
    np.testing.assert_array_equal(standard, unknown)


def test_closed_hat_chokes_the_open_hat(synth) -> None:
    open_hat, closed_hat = Note(0.0, 2.0, 46, 110), Note(1.0, 0.25, 42, 90)
    score = _score(
        Part("both", "drums", 0, (open_hat, closed_hat), is_drum=True),
        Part("closed", "drums", 0, (closed_hat,), is_drum=True),
        Part("open", "drums", 0, (open_hat,), is_drum=True),
    )
    both, closed, alone = (render_part(p, score, synth=synth, sample_rate=SR) for p in score.parts)
    choke = beats_to_frames(1.0, score.tempo_bpm, SR)
    faded = choke + round(0.03 * SR)
    np.testing.assert_array_equal(both[:choke], alone[:choke])
    np.testing.assert_array_equal(both[faded:], closed[faded:])
    assert np.abs(alone[faded:]).max() > 0.001  # left alone, the open hat would still ring


def test_a_glide_ends_at_its_bent_pitch(synth) -> None:
    def final_pitch_hz(bend: float) -> float:
        score = _score(Part("flute", "other", 73, (Note(0.0, 4.0, 69, 100, bend=bend),)))
        audio = render_part(score.parts[0], score, synth=synth, sample_rate=SR)
        end = beats_to_frames(4.0, score.tempo_bpm, SR)
        window = audio[end - 4096 : end, 0] * np.hanning(4096)
        return float(np.argmax(np.abs(np.fft.rfft(window, 8 * 4096))) * SR / (8 * 4096))

    assert final_pitch_hz(0.0) == pytest.approx(440.0, rel=0.02)
    assert final_pitch_hz(7.0) == pytest.approx(440.0 * 2 ** (7 / 12), rel=0.02)


def test_render_is_identical_on_a_fresh_or_reused_synth_and_any_thread_count() -> None:
    score = _band()
    with warm_synth(SOUNDFONT) as used:
        render_part(score.part("pad"), score, synth=used, sample_rate=SR)  # leave history behind
        reused = render_part(score.part("bass"), score, synth=used, sample_rate=SR)
    fresh = Synth(SOUNDFONT)
    try:
        fresh_bass = render_part(score.part("bass"), score, synth=fresh, sample_rate=SR)
        np.testing.assert_array_equal(fresh_bass, reused)
    finally:
        fresh.close()
    one = render_score(score, soundfont=SOUNDFONT, threads=1)
    two = render_score(score, soundfont=SOUNDFONT, threads=2)
    for (name, a), (_, b) in zip(one.items(), two.items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_parts_land_in_their_own_stems() -> None:
    stems = render_score(_band(), soundfont=SOUNDFONT)
    for name, audio in stems.items():
        assert np.abs(audio).max() > 0.001, name
    drums_only = render_score(_score(_band().part("drums"), tempo_bpm=120.0), soundfont=SOUNDFONT)
    assert drums_only.drums.any()
    assert not (drums_only.vocals.any() or drums_only.bass.any() or drums_only.other.any())


def test_the_reverb_tail_stays_in_the_parts_stem() -> None:
    staccato = _piano(Note(0.0, 0.25, 72, 110), reverb_send=1.0)
    dry = _piano(Note(0.0, 0.25, 72, 110), reverb_send=0.0)
    wet_stems = render_score(_score(staccato, duration_s=3.0), soundfont=SOUNDFONT)
    dry_stems = render_score(_score(dry, duration_s=3.0), soundfont=SOUNDFONT)
    assert not (wet_stems.drums.any() or wet_stems.bass.any() or wet_stems.vocals.any())
    late = slice(int(1.8 * SR), int(2.4 * SR))
    wet_tail = np.sqrt(np.mean(wet_stems.other[late] ** 2))
    dry_tail = np.sqrt(np.mean(dry_stems.other[late] ** 2))
    assert wet_tail > 10 * dry_tail


def test_hard_pan_and_gain_reach_the_stem() -> None:
    left = render_score(_score(_piano(Note(0.0, 1.0, 60), pan=-1.0, reverb_send=0.0)), soundfont=SOUNDFONT)
    assert np.abs(left.other[:, 0]).max() > 0.01
    assert not left.other[:, 1].any()
    quiet = _piano(Note(0.0, 1.0, 60), gain_db=-12.0, reverb_send=0.0)
    loud = _piano(Note(0.0, 1.0, 60), gain_db=0.0, reverb_send=0.0)
    score_a, score_b = _score(quiet, meta={}), _score(loud, meta={})
    with warm_synth(SOUNDFONT) as synth:
        a = render_part(quiet, score_a, synth=synth, sample_rate=SR)
        b = render_part(loud, score_b, synth=synth, sample_rate=SR)
    np.testing.assert_array_equal(a, b)  # render_part is dry: gain and pan belong to the mix


def test_progress_is_monotonic_and_ends_at_one() -> None:
    seen: list[float] = []
    render_score(_band(2.0), soundfont=SOUNDFONT, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] >= 0.0


def test_missing_soundfont_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match=r"nope\.sf2"):
        render_score(_band(1.0), soundfont=tmp_path / "nope.sf2")


def test_notes_past_the_end_are_cut_not_wrapped(synth) -> None:
    score = _score(_piano(Note(1.0, 8.0, 60), Note(50.0, 1.0, 62)), duration_s=1.0, tempo_bpm=60.0)
    audio = render_part(score.parts[0], score, synth=synth, sample_rate=SR)
    assert audio.shape == (SR, 2) and not audio.any()


def test_a_score_without_parts_is_four_silent_stems() -> None:
    stems = render_score(_score(duration_s=1.5), soundfont=SOUNDFONT)
    assert stems.frames == round(1.5 * SR)
    assert not any(audio.any() for _, audio in stems.items())


def _level(audio: np.ndarray, start_s: float, length_s: float) -> float:
    window = audio[int(start_s * SR) : int((start_s + length_s) * SR)]
    return float(np.sqrt(np.mean(window.astype(np.float64) ** 2)))


def test_electronic_styles_duck_melodic_parts_under_the_kick() -> None:
    kicks = Part("drums", "drums", 0, tuple(Note(b, 0.25, 36) for b in range(8)), is_drum=True)
    organ = Part("organ", "other", 16, (Note(0.0, 8.0, 60, 100),), reverb_send=0.0)

    def render(genre: str) -> np.ndarray:
        score = _score(kicks, organ, duration_s=4.0, tempo_bpm=120.0, meta={"genre": genre})
        return render_score(score, soundfont=SOUNDFONT).other

    pumped, steady = render("house"), render("jazz")
    after_kick = _level(pumped, 2.02, 0.05) / _level(steady, 2.02, 0.05)
    before_next = _level(pumped, 2.4, 0.08) / _level(steady, 2.4, 0.08)
    assert after_kick < 0.7
    assert before_next > 0.85


def test_each_part_stays_in_its_stem_and_the_compressor_moves_all_stems_alike() -> None:
    band = _band(3.0)
    drums, pad = band.part("drums"), band.part("pad")

    def render(*parts: Part, compression: str) -> dict[str, np.ndarray]:
        score = _score(*parts, duration_s=3.0, tempo_bpm=120.0, meta={"bus_compression": compression})
        return dict(render_score(score, soundfont=SOUNDFONT).items())

    together = render(drums, pad, compression="off")
    np.testing.assert_allclose(together["drums"], render(drums, compression="off")["drums"], atol=1e-6)
    np.testing.assert_allclose(together["other"], render(pad, compression="off")["other"], atol=1e-6)
    squeezed = render(drums, pad, compression="on")
    loud = (np.abs(together["drums"]) > 1e-3) & (np.abs(together["other"]) > 1e-3)
    drum_gain = squeezed["drums"][loud] / together["drums"][loud]
    pad_gain = squeezed["other"][loud] / together["other"][loud]
    np.testing.assert_allclose(drum_gain, pad_gain, rtol=1e-4)
    assert drum_gain.min() < 0.95  # it did compress
