"""The CLI writes a whole track to a directory, and refuses bad input with one clear line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from musicgen_app.cli import main
from musicgen_app.formats import STEM_NAMES


def test_generate_writes_mix_stems_waveform_midi_and_manifest(tmp_path, capsys) -> None:
    code = main(
        [
            "generate",
            "reggae one drop with organ",
            "--duration",
            "5",
            "--format",
            "wav",
            "--seed",
            "7",
            "--engine",
            "symbolic",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    links = [manifest["audio_url"], manifest["waveform_url"], manifest["beats_url"], manifest["midi_url"]]
    links += [manifest["stems"][name] for name in STEM_NAMES]
    for relative in links:
        assert (tmp_path / relative).is_file(), relative
    for relative in (manifest["audio_url"], *manifest["stems"].values()):
        info = sf.info(tmp_path / relative)
        assert (info.format, info.samplerate, info.channels, info.frames) == ("WAV", 44_100, 2, 5 * 44_100)
    assert manifest["encoded"] == {kind: ["wav", "flac"] for kind in ("mix", *STEM_NAMES)}
    assert manifest["plan"]["genre"] == "reggae" and manifest["plan"]["seed"] == 7
    assert manifest["status"] == "completed" and manifest["engine"] == "symbolic"
    printed = capsys.readouterr()
    assert json.loads(printed.out)["engine"] == "symbolic"
    percents = [float(p) for p in re.findall(r"\r\s*([\d.]+)%", printed.err)]
    assert percents == sorted(percents) and percents[-1] == 100.0
    assert len(set(percents)) >= 10  # it moves through the job, not from 0 to 100 at the end


def test_generate_help_shows_the_request_rules_and_defaults(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "an integer from 5 to 300" in text and "(default: 30)" in text
    assert "one of mp3, wav, flac, ogg" in text and "(default: mp3)" in text


def test_bad_input_exits_non_zero_with_one_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "musicgen_app", "generate", "lofi", "--duration", "301"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines == ["error: duration: must be from 5 to 300, got 301"]


def test_unknown_genre_names_the_closest(capsys) -> None:
    assert main(["generate", "a beat", "--genre", "jaz", "--out", "/nonexistent"]) == 2
    assert "jazz" in capsys.readouterr().err


def test_top_level_help_is_plain_text_and_names_every_command(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":func:" not in text and ":class:" not in text
    for command in ("generate", "serve", "genres", "separate"):
        assert command in text


def test_separate_without_demucs_files_names_the_repo_option(tmp_path) -> None:
    song = tmp_path / "song.wav"
    sf.write(song, np.zeros((44_100, 2), np.float32), 44_100)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "TORCH_HOME": str(tmp_path)}
    env.pop("MUSICGEN_APP_DEMUCS_REPO", None)
    run = subprocess.run(
        [sys.executable, "-m", "musicgen_app", "separate", str(song), "--out", str(tmp_path / "stems")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "--repo" in run.stderr and len(run.stderr.strip().splitlines()) == 1
