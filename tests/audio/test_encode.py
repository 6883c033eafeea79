"""Encoding: every format decodes to the input's rate, channels and length, tagged, written atomically."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from mutagen import MutagenError

from musicgen_app.audio import encode
from musicgen_app.audio.encode import encode_audio
from musicgen_app.audio.tags import Tags, read_tags
from musicgen_app.errors import GenerationFailed, InvalidRequest
from musicgen_app.formats import OUTPUT_FORMATS

from .synthetic import SR, faded, noise, sine

LOSSY = ("mp3", "ogg")
LOSSY_TOLERANCE_FRAMES = round(0.05 * SR)
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

TAGS = Tags(
    title="Rainy lo-fi – étude",
    engine="symbolic 0.1.0",
    model="FluidR3_GM.sf2",
    prompt="Chill lo-fi beat with jazzy Rhodes piano,\nsoft drums \\ rain ✓ " * 30,
    seed=1234,
    license="royalty-free (FluidR3_GM is MIT)",
    comment="made in a test",
)


@pytest.fixture(scope="module")
def track() -> np.ndarray:
    """3.5 s (an odd frame count) of a chord over quiet noise, float32 stereo."""
    tones = sum(faded(np.asarray(sine(f, 3.5, amplitude=0.2))) for f in (220.0, 277.2, 329.6))
    return (np.stack([tones, 0.8 * tones], axis=1) + noise(3.5, rms=0.01, seed=9)).astype(np.float32)[:-7]


def ffmpeg_decode(path: Path, channels: int) -> np.ndarray:
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", str(channels), "-"]
    pcm = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(pcm, dtype=np.float32).reshape(-1, channels)


def snr_db(reference: np.ndarray, decoded: np.ndarray) -> float:
    error = decoded - reference
    return float(10 * np.log10(np.sum(reference**2) / np.sum(error**2)))


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_round_trip_keeps_rate_channels_length_and_content(tmp_path, track, fmt):
    path = encode_audio(track, SR, tmp_path / f"track.{fmt}", fmt, tags=TAGS)
    decoded, sr = sf.read(path, dtype="float32")
    assert sr == SR
    assert decoded.shape[1] == 2
    if fmt in LOSSY:
        assert abs(len(decoded) - len(track)) <= LOSSY_TOLERANCE_FRAMES
        aligned = decoded[: len(track)]
        assert snr_db(track[: len(aligned)], aligned) > 15  # also proves no encoder delay is left in
    else:
        assert len(decoded) == len(track)
        np.testing.assert_allclose(decoded, track, atol=1.0 / 2**15)


@needs_ffmpeg
@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_ffmpeg_decodes_the_same_length(tmp_path, track, fmt):
    path = encode_audio(track, SR, tmp_path / f"track.{fmt}", fmt, tags=TAGS)
    decoded = ffmpeg_decode(path, 2)
    tolerance = LOSSY_TOLERANCE_FRAMES if fmt in LOSSY else 0
    assert abs(len(decoded) - len(track)) <= tolerance
    if fmt in LOSSY:
        assert snr_db(track[: len(decoded)], decoded[: len(track)]) > 15


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_tags_read_back(tmp_path, track, fmt):
    path = encode_audio(track, SR, tmp_path / f"track.{fmt}", fmt, tags=TAGS)
    assert read_tags(path) == TAGS.as_dict()
    assert read_tags(path)["seed"] == "1234"


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_lossless_formats_offer_24_bit(tmp_path, track, fmt):
    path = encode_audio(track, SR, tmp_path / f"track.{fmt}", fmt, tags=TAGS, bits_per_sample=24)
    assert sf.info(path).subtype == "PCM_24"
    decoded, _ = sf.read(path, dtype="float32")
    np.testing.assert_allclose(decoded, track, atol=1.0 / 2**23)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_mono_is_written_as_mono(tmp_path, fmt):
    mono = faded(np.asarray(sine(440.0, 1.0, amplitude=0.3)))[:, None].astype(np.float32)
    path = encode_audio(mono, SR, tmp_path / f"mono.{fmt}", fmt, tags=TAGS)
    assert sf.info(path).channels == 1


def test_samples_over_full_scale_are_clipped_not_wrapped(tmp_path):
    loud = np.full((1000, 2), 1.5, dtype=np.float32)
    loud[500:] = -1.5
    decoded, _ = sf.read(encode_audio(loud, SR, tmp_path / "loud.wav", "wav", tags=TAGS), dtype="float32")
    assert decoded[:500].min() > 0.99
    assert decoded[500:].max() < -0.99


def test_libsndfile_mp3_fallback_without_ffmpeg(tmp_path, track, monkeypatch):
    monkeypatch.setattr(encode, "_ffmpeg", lambda: None)
    assert encode.mp3_encoder() == "libsndfile"
    path = encode_audio(track, SR, tmp_path / "track.mp3", "mp3", tags=TAGS)
    decoded, _ = sf.read(path, dtype="float32")
    assert abs(len(decoded) - len(track)) <= LOSSY_TOLERANCE_FRAMES
    assert read_tags(path) == TAGS.as_dict()


def failing(*_args, **_kwargs):
    raise MutagenError("disk full while tagging")


def failing_write(*_args, **_kwargs):
    raise OSError("no space left on device")


TAG_WRITERS = {"mp3": "write_id3", "flac": "write_vorbis_comments", "ogg": "write_vorbis_comments"}


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_a_failure_midway_leaves_nothing_behind(tmp_path, track, fmt, monkeypatch):
    # The audio is written by then: only the tags are missing. WAV tags go in before the audio,
    # so there the audio write itself fails.
    if fmt == "wav":
        monkeypatch.setattr(
            sf.SoundFile, "write", lambda *_a, **_k: (_ for _ in ()).throw(OSError("no space"))
        )
    else:
        monkeypatch.setattr(encode, TAG_WRITERS[fmt], failing)
    with pytest.raises(GenerationFailed, match=fmt):
        encode_audio(track, SR, tmp_path / f"track.{fmt}", fmt, tags=TAGS)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_keeps_the_previous_file_whole(tmp_path, track, monkeypatch):
    target = encode_audio(track, SR, tmp_path / "track.flac", "flac", tags=TAGS)
    before = target.read_bytes()
    monkeypatch.setattr(encode, "write_vorbis_comments", failing)
    with pytest.raises(GenerationFailed):
        encode_audio(track[:1000], SR, target, "flac", tags=TAGS)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["track.flac"]


@needs_ffmpeg
def test_a_failing_ffmpeg_is_reported_and_cleaned_up(tmp_path, track, monkeypatch):
    monkeypatch.setattr(encode, "_ffmpeg", lambda: shutil.which("false"))
    with pytest.raises(GenerationFailed, match="mp3 encoding failed"):
        encode_audio(track, SR, tmp_path / "track.mp3", "mp3", tags=TAGS)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["aac", "MP3", "", "wav "])
def test_unknown_format_names_the_field_and_the_choices(tmp_path, track, fmt):
    with pytest.raises(InvalidRequest) as caught:
        encode_audio(track, SR, tmp_path / "track.out", fmt, tags=TAGS)
    assert caught.value.details[0].field == "output_format"
    assert all(name in caught.value.message for name in OUTPUT_FORMATS)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros((100, 3), dtype=np.float32),
        np.zeros(100, dtype=np.float32),
        np.zeros((100, 2), dtype=np.int16),
        np.full((100, 2), np.nan, dtype=np.float32),
    ],
)
def test_malformed_audio_is_refused_before_any_file_exists(tmp_path, audio):
    with pytest.raises(ValueError):
        encode_audio(audio, SR, tmp_path / "track.wav", "wav", tags=TAGS)
    assert list(tmp_path.iterdir()) == []


def test_bits_other_than_16_or_24_are_refused(tmp_path, track):
    with pytest.raises(ValueError):
        encode_audio(track, SR, tmp_path / "track.wav", "wav", tags=TAGS, bits_per_sample=8)


LONG_OGG_SCRIPT = """
import sys
import numpy as np
from musicgen_app.audio.encode import encode_audio
from musicgen_app.audio.tags import Tags

rng = np.random.default_rng(0)
audio = (0.1 * rng.standard_normal((90 * 44_100, 2))).astype(np.float32)
tags = Tags(title="t", engine="e", model="m", prompt="p", seed=0, license="l")
encode_audio(audio, 44_100, sys.argv[1], "ogg", tags=tags)
"""


@pytest.mark.slow
def test_a_long_ogg_does_not_crash_the_encoder(tmp_path):
    # 90 s in one libsndfile call overflows the stack inside libvorbis (a segfault, hence the
    # separate process); encode_audio hands the audio over in blocks.
    target = tmp_path / "long.ogg"
    command = [sys.executable, "-c", LONG_OGG_SCRIPT, str(target)]
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(command, capture_output=True, check=False, cwd=repo)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert sf.info(target).frames == 90 * SR
