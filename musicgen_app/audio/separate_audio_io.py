"""Audio files in and stem files out, for separating files rather than arrays."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from ..engines.base import Stems
from ..errors import InvalidRequest
from ..formats import CHANNELS, OUTPUT_FORMATS, SAMPLE_RATE
from .encode import encode_audio
from .tags import Tags

__all__ = ["STEM_BITS", "STEM_LICENSE", "output_format", "read_audio", "write_stems"]

#: Lossless stems keep 24 bits, so that their sum stays within -60 dB of the mix even when quiet.
STEM_BITS = 24
STEM_LICENSE = "that of the input audio"


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Decode an audio file to float32 stereo.

    Parameters
    ----------
    path : a file soundfile reads (WAV, FLAC, MP3, OGG, AIFF...) or, failing that, ffmpeg (M4A,
        AAC, Opus...). Files ffmpeg decodes come out at 44.1 kHz; others keep their rate.

    Returns
    -------
    audio : float32, shape ``(frames, 2)``; mono is copied to both channels, more than two
        channels are downmixed by ffmpeg.
    sr : sample rate in Hz.

    Raises
    ------
    InvalidRequest
        The file does not exist or neither decoder can read it.
    """
    if not path.is_file():
        raise InvalidRequest.for_field("path", f"no such file: {path}")
    try:
        audio, sr = sf.read(path, dtype="float32", always_2d=True)
    except sf.SoundFileError:
        return _read_with_ffmpeg(path), SAMPLE_RATE
    if audio.shape[1] > CHANNELS:
        return _read_with_ffmpeg(path), SAMPLE_RATE
    if audio.shape[1] == 1:
        audio = np.repeat(audio, CHANNELS, axis=1)
    return np.ascontiguousarray(audio), int(sr)


def output_format(path: Path, fmt: str | None) -> str:
    """``fmt`` when given (checked), else the input's format if it is an output format, else wav."""
    if fmt is not None:
        if fmt not in OUTPUT_FORMATS:
            raise InvalidRequest.for_field("fmt", f"must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in OUTPUT_FORMATS else "wav"


def write_stems(
    stems: Stems, out_dir: Path, *, basename: str, fmt: str, model: str, seed: int
) -> dict[str, Path]:
    """Write each stem to ``out_dir/<basename>.<stem name>.<fmt>``, tagged; all four or none.

    Each file is written atomically by :func:`encode_audio`, and the files of this call are removed
    again if any of them fails, so a reader never sees a partial set.

    Returns
    -------
    dict
        Stem name to written path, in :data:`STEM_NAMES` order.

    Raises
    ------
    GenerationFailed
        An encoder failed; no stem of this call is left behind.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    try:
        for name, audio in stems.items():
            tags = Tags(
                title=f"{basename} ({name})",
                engine="demucs",
                model=model,
                prompt="",
                seed=seed,
                # Separation adds no rights and removes none: the stems are the input's audio.
                license=STEM_LICENSE,
            )
            target = out_dir / f"{basename}.{name}.{fmt}"
            encode_audio(audio, stems.sample_rate, target, fmt, tags=tags, bits_per_sample=STEM_BITS)
            written[name] = target
    except BaseException:
        for target in written.values():
            target.unlink(missing_ok=True)
        raise
    return written


def _read_with_ffmpeg(path: Path) -> np.ndarray:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise InvalidRequest.for_field(
            "path", f"{path.name} is not in a format soundfile reads, and ffmpeg is not installed"
        )
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-f", "f32le"]
    command += ["-acodec", "pcm_f32le", "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio"]
        raise InvalidRequest.for_field("path", f"cannot decode {path.name}: {reason[0]}")
    return np.frombuffer(result.stdout, dtype="<f4").reshape(-1, CHANNELS).copy()
