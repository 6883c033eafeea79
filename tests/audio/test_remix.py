"""remix.py: levels, mixing, re-mastering and the encoded result, on synthetic stems."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

from musicgen_app.audio.remix import (
    MAX_GAIN_DB,
    MIN_GAIN_DB,
    check_gains,
    db_to_gain,
    load_stems,
    mix_stems,
    remix_file_name,
    remix_stems,
)
from musicgen_app.audio.tags import Tags, read_tags
from musicgen_app.errors import InvalidRequest
from musicgen_app.formats import STEM_NAMES

SR = 44_100
FREQS_HZ = {"vocals": 660.0, "drums": 110.0, "bass": 55.0, "other": 440.0}

TAGS = Tags(
    title="Night drive",
    engine="symbolic 2",
    model="FluidR3_GM.sf2",
    prompt="night drive",
    seed="7",
    license="MIT",
)


def _tone(freq_hz: float, seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    mono = amplitude * np.sin(2 * np.pi * freq_hz * t)
    return np.stack([mono, 0.8 * mono], axis=1).astype(np.float32)


@pytest.fixture
def stems() -> dict[str, np.ndarray]:
    return {name: _tone(freq, 2.0, 0.15) for name, freq in FREQS_HZ.items()}


@pytest.fixture
def stem_files(tmp_path, stems) -> dict[str, object]:
    paths = {}
    for name, audio in stems.items():
        paths[name] = tmp_path / f"{name}.flac"
        sf.write(paths[name], audio, SR, subtype="PCM_24")
    return paths


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_db_to_gain_known_values_and_mute():
    assert db_to_gain(0.0) == 1.0
    assert db_to_gain(-20.0) == pytest.approx(0.1)
    assert db_to_gain(6.0) == pytest.approx(1.9953, abs=1e-4)
    assert db_to_gain(MIN_GAIN_DB) == 0.0
    assert db_to_gain(float("-inf")) == 0.0


def test_check_gains_fills_missing_stems_and_marks_mutes():
    levels = check_gains({"drums": -3, "bass": MIN_GAIN_DB - 10})
    assert levels == {"vocals": 0.0, "drums": -3.0, "bass": float("-inf"), "other": 0.0}


@pytest.mark.parametrize(
    ("gains", "field"),
    [
        ({"piano": 0.0}, "gains_db.piano"),
        ({"bass": MAX_GAIN_DB + 0.5}, "gains_db.bass"),
        ({"drums": "loud"}, "gains_db.drums"),
        ({"other": math.nan}, "gains_db.other"),
        ({"vocals": True}, "gains_db.vocals"),
    ],
)
def test_check_gains_rejects_bad_levels_naming_the_field(gains, field):
    with pytest.raises(InvalidRequest) as info:
        check_gains(gains)
    assert [d.field for d in info.value.details] == [field]


def test_mix_at_unity_is_the_sum_of_the_stems(stems):
    expected = sum(stems[name].astype(np.float64) for name in STEM_NAMES)
    np.testing.assert_allclose(mix_stems(stems, {}), expected, atol=1e-6)


def test_mix_applies_each_level_to_its_stem_only(stems):
    mix = mix_stems(stems, {"drums": MIN_GAIN_DB, "bass": 6.0})
    expected = stems["vocals"] + stems["other"] + db_to_gain(6.0) * stems["bass"]
    np.testing.assert_allclose(mix, expected, atol=1e-6)


def test_load_stems_cuts_to_the_shortest_stem(tmp_path, stems):
    paths = {}
    for index, (name, audio) in enumerate(stems.items()):
        paths[name] = tmp_path / f"{name}.wav"
        sf.write(paths[name], audio[: audio.shape[0] - 10 * index], SR)
    decoded, sr = load_stems(paths)
    assert sr == SR
    assert {a.shape for a in decoded.values()} == {(stems["vocals"].shape[0] - 30, 2)}


def test_load_stems_names_a_missing_stem(stem_files):
    del stem_files["bass"]
    with pytest.raises(InvalidRequest, match="bass"):
        load_stems(stem_files)


def test_solo_stem_remix_is_that_stem_within_the_peak_ceiling(tmp_path, stem_files, stems):
    solo = {name: (0.0 if name == "bass" else MIN_GAIN_DB) for name in STEM_NAMES}
    result = remix_stems(stem_files, solo, tmp_path / "solo.wav", tags=TAGS)
    audio, sr = sf.read(result.path, dtype="float64", always_2d=True)
    assert sr == SR and audio.shape == stems["bass"].shape
    assert _correlation(audio, stems["bass"]) > 0.999
    assert result.peak_dbfs <= -1.0
    assert result.duration_s == pytest.approx(2.0)


def test_remix_is_remastered_to_the_loudness_target(tmp_path, stem_files):
    pytest.importorskip("musicgen_app.audio.master")
    result = remix_stems(stem_files, {"drums": -12.0}, tmp_path / "remix.flac", tags=TAGS, fmt="flac")
    assert result.loudness_lufs == pytest.approx(-14.0, abs=1.0)
    assert sf.info(str(result.path)).format == "FLAC"


def test_all_muted_remix_is_silence(tmp_path, stem_files):
    result = remix_stems(stem_files, dict.fromkeys(STEM_NAMES, MIN_GAIN_DB), tmp_path / "mute.wav", tags=TAGS)
    audio, _ = sf.read(result.path)
    assert not np.any(audio)
    assert result.peak_dbfs == float("-inf") and result.loudness_lufs is None


def test_remix_rejects_an_unknown_format_before_reading(tmp_path, stem_files):
    with pytest.raises(InvalidRequest, match="format"):
        remix_stems(stem_files, {}, tmp_path / "x.aiff", tags=TAGS, fmt="aiff")
    assert not list(tmp_path.glob("x.*"))


def test_remix_file_name_is_stable_and_tells_levels_apart():
    name = remix_file_name({"drums": -3.0, "bass": MIN_GAIN_DB}, "wav")
    assert name == "remix_v+0.0_d-3.0_bmute_o+0.0.wav"
    assert remix_file_name({"drums": -3.0, "bass": MIN_GAIN_DB}, "wav") == name
    assert remix_file_name({"drums": -2.5}, "wav") != remix_file_name({"drums": -3.0}, "wav")


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "wav"])
def test_a_remix_carries_the_tracks_provenance_and_its_levels(tmp_path, stem_files, fmt):
    result = remix_stems(
        stem_files, {"drums": -6.0, "vocals": MIN_GAIN_DB}, tmp_path / f"r.{fmt}", tags=TAGS, fmt=fmt
    )
    tags = read_tags(result.path)
    assert (tags["title"], tags["seed"], tags["license"]) == ("Night drive", "7", "MIT")
    assert "drums -6.0 dB" in tags["comment"] and "vocals muted" in tags["comment"]
