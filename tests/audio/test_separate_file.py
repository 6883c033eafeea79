"""separate_file() and the ``separate`` command: files in, four stem files out."""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musicgen_app.audio import io as audio_io
from musicgen_app.audio.separate import files as separate_audio_io
from musicgen_app.audio.separate import separate_file
from musicgen_app.audio.separate.cli import add_separate_arguments, run_separate
from musicgen_app.audio.tags import read_tags
from musicgen_app.errors import GenerationFailed, InvalidRequest
from musicgen_app.formats import STEM_NAMES

from . import conftest_demucs as fixtures
from .conftest_demucs import SR, music_like, residual_db

tiny_repo = fixtures.tiny_repo
isolated_demucs = fixtures.isolated_demucs


def _write(path: Path, audio: np.ndarray, sr: int = SR, subtype: str = "PCM_24") -> Path:
    sf.write(path, audio, sr, subtype=subtype)
    return path


def _sum_of_files(paths: dict[str, Path]) -> tuple[np.ndarray, int]:
    total = None
    for name in STEM_NAMES:
        audio, sr = sf.read(paths[name], dtype="float64", always_2d=True)
        total = audio if total is None else total + audio
    return total, sr


def test_stems_written_as_24_bit_wav_still_sum_to_the_mix(tiny_repo, tmp_path):
    source = _write(tmp_path / "song.wav", music_like(2.5, seed=1))
    paths = separate_file(source, tmp_path / "out", model=tiny_repo.sig, repo=tiny_repo.path)
    assert list(paths) == list(STEM_NAMES)
    for name, path in paths.items():
        assert path == tmp_path / "out" / f"song.{name}.wav"
        info = sf.info(path)
        assert (info.subtype, info.channels, info.samplerate) == ("PCM_24", 2, SR)
    mix, _ = sf.read(source, dtype="float64")
    total, sr = _sum_of_files(paths)
    assert sr == SR
    assert total.shape == mix.shape
    assert residual_db(mix, total) <= -60.0


def test_flac_in_flac_out_and_mono_becomes_stereo(tiny_repo, tmp_path):
    mono = music_like(1.5, seed=2)[:, :1]
    source = _write(tmp_path / "voice.flac", mono, sr=48_000)
    paths = separate_file(source, tmp_path, model=tiny_repo.sig, repo=tiny_repo.path)
    total, sr = _sum_of_files(paths)
    assert all(path.suffix == ".flac" for path in paths.values())
    assert sr == 48_000
    assert residual_db(np.repeat(mono, 2, axis=1), total) <= -60.0


def test_a_requested_format_wins_over_the_input_format(tiny_repo, tmp_path):
    source = _write(tmp_path / "song.wav", music_like(1.5, seed=3))
    paths = separate_file(source, tmp_path, model=tiny_repo.sig, repo=tiny_repo.path, fmt="ogg")
    for path in paths.values():
        assert sf.info(path).format == "OGG"
        assert sf.info(path).frames == pytest.approx(int(1.5 * SR), abs=SR // 20)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_formats_soundfile_cannot_read_are_decoded_by_ffmpeg(tiny_repo, tmp_path):
    wav = _write(tmp_path / "tmp.wav", music_like(1.5, seed=4))
    m4a = tmp_path / "song.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    audio, sr = audio_io.read_audio(m4a)
    assert sr == SR and audio.shape[1] == 2 and audio.dtype == np.float32
    assert abs(audio.shape[0] - int(1.5 * SR)) < SR // 10
    paths = separate_file(m4a, tmp_path / "out", model=tiny_repo.sig, repo=tiny_repo.path)
    assert all(path.suffix == ".wav" for path in paths.values())


def test_unreadable_and_missing_files_are_invalid_requests(tmp_path):
    garbage = tmp_path / "noise.wav"
    garbage.write_bytes(b"this is not audio at all")
    with pytest.raises(InvalidRequest, match=r"noise\.wav"):
        audio_io.read_audio(garbage)
    with pytest.raises(InvalidRequest, match="no such file"):
        audio_io.read_audio(tmp_path / "absent.wav")


def test_an_unknown_output_format_is_refused(tmp_path):
    with pytest.raises(InvalidRequest) as caught:
        separate_audio_io.output_format(tmp_path / "a.wav", "aiff")
    assert caught.value.details[0].field == "fmt"
    assert separate_audio_io.output_format(tmp_path / "a.aiff", None) == "wav"
    assert separate_audio_io.output_format(tmp_path / "a.MP3", None) == "mp3"


def test_a_failed_write_leaves_no_stem_behind(tiny_repo, tmp_path, monkeypatch):
    source = _write(tmp_path / "song.wav", music_like(1.0, seed=5))
    real_encode = separate_audio_io.encode_audio
    calls = []

    def failing_third(audio, sr, path, fmt, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise GenerationFailed("disk trouble")
        return real_encode(audio, sr, path, fmt, **kwargs)

    monkeypatch.setattr(separate_audio_io, "encode_audio", failing_third)
    out = tmp_path / "out"
    with pytest.raises(GenerationFailed, match="disk trouble"):
        separate_file(source, out, model=tiny_repo.sig, repo=tiny_repo.path)
    assert len(calls) == 3
    assert list(out.iterdir()) == []


def test_stems_say_what_made_them(tiny_repo, tmp_path):
    source = _write(tmp_path / "song.flac", music_like(1.0, seed=8))
    paths = separate_file(source, tmp_path / "out", model=tiny_repo.sig, repo=tiny_repo.path, seed=5)
    tags = read_tags(paths["vocals"])
    assert tags["engine"] == "demucs"
    assert tags["model"] == tiny_repo.sig
    assert tags["seed"] == "5"
    assert "vocals" in tags["title"]
    assert tags["license"] == "that of the input audio"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_separate_arguments(parser)
    return parser.parse_args(argv)


def test_the_command_writes_the_stems_and_prints_their_paths(tiny_repo, tmp_path, capsys):
    source = _write(tmp_path / "song.wav", music_like(1.5, seed=6))
    out = tmp_path / "stems"
    err = io.StringIO()
    args = _parse([str(source), "--out", str(out), "--model", tiny_repo.sig, "--repo", str(tiny_repo.path)])
    assert run_separate(args, stderr=err) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / f"song.{name}.wav") for name in STEM_NAMES]
    assert "100%" in err.getvalue()


def test_the_command_maps_a_missing_model_to_its_exit_code(tmp_path):
    source = _write(tmp_path / "song.wav", music_like(1.0, seed=7))
    err = io.StringIO()
    args = _parse([str(source), "--out", str(tmp_path / "o"), "--repo", str(tmp_path)])
    assert run_separate(args, stderr=err) == 6
    assert "engine_unavailable" in err.getvalue()
    assert "955717e8-8726e21a.th" in err.getvalue()
