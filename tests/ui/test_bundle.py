"""write_bundle: a zip of a track's files, written whole or not at all."""

from __future__ import annotations

import zipfile

import pytest

from musicgen_app.bundle import BUNDLE_KINDS, write_bundle


def test_the_zip_holds_each_file_under_its_name(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.mid"
    a.write_bytes(b"RIFF" + bytes(100))
    b.write_bytes(b"MThd")
    out = write_bundle([("song.wav", a), ("song-midi.mid", b)], tmp_path / "out" / "song-all.zip")
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["song.wav", "song-midi.mid"]
        assert archive.read("song-midi.mid") == b"MThd"
    assert [p.name for p in out.parent.iterdir()] == ["song-all.zip"]


def test_a_failed_write_leaves_neither_the_zip_nor_a_part(tmp_path):
    present = tmp_path / "a.wav"
    present.write_bytes(b"x")
    out = tmp_path / "out" / "all.zip"
    with pytest.raises(FileNotFoundError):
        write_bundle([("a.wav", present), ("gone.wav", tmp_path / "gone.wav")], out)
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("members", [[], [("a", "x"), ("a", "y")]])
def test_an_empty_or_ambiguous_bundle_is_refused(tmp_path, members):
    with pytest.raises(ValueError, match="bundle"):
        write_bundle([(name, tmp_path / f) for name, f in members], tmp_path / "all.zip")


def test_download_all_holds_mix_stems_midi_and_beats_not_the_waveform():
    assert BUNDLE_KINDS == ("mix", "vocals", "drums", "bass", "other", "midi", "beats")
