"""The ctypes binding: settings, errors, block timing, warm-synth reuse and bit-identical resets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicgen_app.engines.symbolic.fluidsynth import (
    BLOCK_FRAMES,
    DRUM_BANK,
    DRUM_CHANNEL,
    Synth,
    check_soundfont,
    library_available,
    load_library,
    warm_synth,
)
from musicgen_app.errors import EngineUnavailable

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
pytestmark = pytest.mark.skipif(
    not (library_available()[0] and SOUNDFONT.is_file()),
    reason="needs apt-get install fluidsynth fluid-soundfont-gm",
)


@pytest.fixture(scope="module")
def synth() -> Synth:
    made = Synth(SOUNDFONT)
    yield made
    made.close()


def _first_sound(audio: np.ndarray) -> int:
    return int(np.flatnonzero(np.abs(audio).max(axis=1) > 0)[0])


def _note(synth: Synth, *, channel: int = 0, bank: int = 0, program: int = 0, key: int = 60) -> np.ndarray:
    synth.settle()
    assert synth.select_program(channel, bank=bank, program=program)
    synth.note_on(channel, key, 100)
    head = synth.render(40 * BLOCK_FRAMES)
    synth.note_off(channel, key)
    tail = synth.render(100 * BLOCK_FRAMES)
    synth.silence()
    return np.concatenate([head, tail])


def test_missing_soundfont_names_the_path_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sf2"
    with pytest.raises(EngineUnavailable) as caught:
        check_soundfont(missing)
    assert str(missing) in caught.value.message
    assert "apt-get install fluidsynth fluid-soundfont-gm" in caught.value.message
    with pytest.raises(EngineUnavailable):
        Synth(missing)
    with pytest.raises(EngineUnavailable), warm_synth(missing):
        pass


def test_a_file_that_is_not_a_soundfont_is_unavailable(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sf2"
    bogus.write_bytes(b"RIFF0000nope" * 10)
    with pytest.raises(EngineUnavailable, match="could not be loaded"):
        Synth(bogus)


def test_missing_library_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="apt-get install fluidsynth"):
        load_library("libfluidsynth-does-not-exist.so.0")
    ok, why = library_available("libfluidsynth-does-not-exist.so.0")
    assert not ok and "not found" in why


def test_render_gives_stereo_float32_and_tracks_block_alignment(synth: Synth) -> None:
    synth.reset()
    assert synth.aligned
    audio = synth.render(100)
    assert audio.shape == (100, 2) and audio.dtype == np.float32
    assert not synth.aligned
    synth.render(2 * BLOCK_FRAMES - 100)
    assert synth.aligned


def test_events_land_on_the_next_block_boundary(synth: Synth) -> None:
    # Why the renderer isolates notes: a note-on sent 100 frames in starts at frame 128, not 100.
    aligned = _note(synth)
    synth.render(100)
    synth.note_on(0, 60, 100)
    late = synth.render(4 * BLOCK_FRAMES)
    synth.silence()
    assert _first_sound(late) == 2 * BLOCK_FRAMES - 100 + _first_sound(aligned)


def test_a_note_sounds_the_same_whatever_played_before(synth: Synth) -> None:
    fresh = Synth(SOUNDFONT)
    try:
        reference = _note(fresh)
    finally:
        fresh.close()
    _note(synth, program=89, key=40)  # a four-voice pad with a filter sweep leaves its voice slots dirty
    _note(synth, channel=DRUM_CHANNEL, bank=DRUM_BANK, key=38)
    np.testing.assert_array_equal(_note(synth), reference)


def test_drum_bank_has_the_standard_kit_but_not_every_preset(synth: Synth) -> None:
    assert synth.select_program(DRUM_CHANNEL, bank=DRUM_BANK, program=0)
    assert not synth.select_program(DRUM_CHANNEL, bank=DRUM_BANK, program=127)


def test_pitch_bend_raises_the_pitch(synth: Synth) -> None:
    def spectral_peak_hz(bend: int) -> float:
        synth.settle()
        synth.select_program(0, bank=0, program=73)  # flute: nearly a sine
        synth.set_bend_range(0, 12)
        synth.pitch_bend(0, bend)
        synth.note_on(0, 69, 100)
        audio = synth.render(300 * BLOCK_FRAMES)[-8192:, 0]
        synth.silence()
        spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
        return float(np.argmax(spectrum) * synth.sample_rate / audio.size)

    centre, octave_up = spectral_peak_hz(8192), spectral_peak_hz(16383)
    assert centre == pytest.approx(440.0, rel=0.03)
    assert octave_up == pytest.approx(880.0, rel=0.03)


def test_warm_synth_is_reused_and_reset() -> None:
    with warm_synth(SOUNDFONT) as first:
        first.note_on(0, 60, 100)
        first.render(100)
    with warm_synth(SOUNDFONT) as second:
        assert second is first
        assert second.aligned and second.active_voices() == 0


def test_warm_synth_drops_a_synth_that_failed() -> None:
    with pytest.raises(RuntimeError), warm_synth(SOUNDFONT) as broken:
        raise RuntimeError("boom")
    with warm_synth(SOUNDFONT) as replacement:
        assert replacement is not broken


def test_two_synths_lent_at_once_are_distinct() -> None:
    with warm_synth(SOUNDFONT) as one, warm_synth(SOUNDFONT) as two:
        assert one is not two


def test_reset_returns_to_the_sound_of_a_fresh_synth(synth: Synth) -> None:
    fresh = Synth(SOUNDFONT)
    try:
        drum = _note(fresh, channel=DRUM_CHANNEL, bank=DRUM_BANK, key=42)
        bass = _note(fresh, program=33, key=40)
    finally:
        fresh.close()
    synth.select_program(0, bank=0, program=33)
    synth.set_bend_range(0, 12)
    synth.control_change(0, 7, 30)  # channel volume
    synth.note_on(0, 40, 100)
    synth.render(100)
    synth.reset()
    assert synth.aligned and synth.active_voices() == 0
    np.testing.assert_array_equal(_note(synth, channel=DRUM_CHANNEL, bank=DRUM_BANK, key=42), drum)
    np.testing.assert_array_equal(_note(synth, program=33, key=40), bass)


def test_synths_are_created_one_at_a_time_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # FluidSynth's first synth of a process fills global tables after marking them filled; a synth made
    # at the same moment in another thread rendered with half-filled tables (other audio for one seed).
    import threading
    import time

    lib = Synth(SOUNDFONT)._lib  # the library object every Synth calls through
    real = lib.new_fluid_synth
    inside, most = 0, 0
    count_lock = threading.Lock()

    def slow_new_synth(settings):
        nonlocal inside, most
        with count_lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)  # widen the window two unserialised creations would share
        try:
            return real(settings)
        finally:
            with count_lock:
                inside -= 1

    monkeypatch.setattr(lib, "new_fluid_synth", slow_new_synth)
    start = threading.Barrier(3)
    made: list[Synth] = []

    def create() -> None:
        start.wait()
        made.append(Synth(SOUNDFONT))

    threads = [threading.Thread(target=create) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for synth in made:
        synth.close()
    assert len(made) == 3 and most == 1
