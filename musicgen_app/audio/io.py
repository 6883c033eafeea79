"""Reading audio files into the arrays every stage works on: float32, stereo, ``(frames, 2)``.

The one way audio comes in (uploads to separate, stems to remix, masters to encode again); the one
way it goes out is :func:`musicgen_app.audio.encode.encode_audio`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import InvalidRequest
from ..formats import CHANNELS, SAMPLE_RATE

__all__ = ["as_stereo", "read_audio"]


def as_stereo(audio: np.ndarray) -> np.ndarray:
    """``(frames, 2)``: mono copied to both channels, two channels as they are."""
    if audio.shape[1] == 1:
        return np.repeat(audio, CHANNELS, axis=1)
    return audio


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
    return np.ascontiguousarray(as_stereo(audio)), int(sr)


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
