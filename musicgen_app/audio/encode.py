"""Encode float PCM to the output formats, tagged, atomically.

=======  ===========================================================  ===========================
format   encoder (measured for 30 s of stereo, see bench/audio_stage)  tags
=======  ===========================================================  ===========================
mp3      LAME through ffmpeg, VBR V2 at ``-q 5`` (~195 kbit/s);       ID3v2.4 (mutagen)
         libsndfile's LAME is about 2.5x slower at the same rate, so
         it is only the fallback when ffmpeg is missing
wav      libsndfile, 16-bit PCM (24 on request)                        RIFF INFO (libsndfile)
flac     libsndfile, 16-bit (24 on request)                            Vorbis comments (mutagen)
ogg      libsndfile Vorbis, quality 5 (about 160 kbit/s)               Vorbis comments (mutagen)
=======  ===========================================================  ===========================

Both lossy encoders write what a decoder needs to drop the codec delay and padding (LAME's Xing/Info
header, Ogg granule positions), so libsndfile and ffmpeg decode exactly the input frame count.

Every file is written to a temporary name beside ``path`` and renamed over it only when complete:
``path`` either does not exist or holds a whole, tagged file, whatever fails on the way.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf
from mutagen import MutagenError

from ..engines.base import ProgressFn, no_progress
from ..errors import GenerationFailed, InsufficientStorage, InvalidRequest
from ..formats import OUTPUT_FORMATS
from .tags import Tags, append_smpl_loop, riff_info_strings, write_id3, write_vorbis_comments

__all__ = [
    "FLAC_COMPRESSION_LEVEL",
    "MASTER_BITS",
    "MP3_ALGORITHM_QUALITY",
    "MP3_VBR_QUALITY",
    "OGG_COMPRESSION_LEVEL",
    "PCM_BITS",
    "as_master_pcm",
    "encode_audio",
    "mp3_encoder",
]

#: LAME VBR quality (0 best .. 9 smallest); V2 is transparent for most listeners at ~190 kbit/s.
MP3_VBR_QUALITY = 2
#: LAME algorithm quality (0 slowest .. 9 fastest). 5 keeps the psychoacoustic model and encodes
#: 30 s in ~0.35 s against ~0.55 s at LAME's default 3 (measured here), at the same bitrate.
MP3_ALGORITHM_QUALITY = 5
#: libsndfile's Vorbis setting, 0 (best) .. 1 (smallest); 0.5 is Vorbis quality 5, ~160 kbit/s.
OGG_COMPRESSION_LEVEL = 0.5
#: libsndfile's FLAC setting, 0 (fastest, libFLAC level 0) .. 1 (smallest, level 8). Level 0 encodes
#: 300 s of 24-bit stereo in ~0.8 s against ~1.0 s at libsndfile's default, for files ~2% larger.
FLAC_COMPRESSION_LEVEL = 0.0
#: libsndfile's LAME VBR setting closest to V2 (used only without ffmpeg).
_SNDFILE_MP3_COMPRESSION_LEVEL = 0.2
#: Bit depths offered for the lossless formats.
PCM_BITS: tuple[int, ...] = (16, 24)

#: Bit depth of a track's lossless master: room below a quiet stem, and for the edits made from it.
MASTER_BITS = 24

log = logging.getLogger(__name__)

_FFMPEG_TIMEOUT_S = 600
_WRITE_BLOCK_FRAMES = 65_536
#: Frames per step of the element-wise passes: 256 KiB of stereo float32 stays in a core's cache.
_CACHE_BLOCK_FRAMES = 32_768
_MASTER_FULL_SCALE = np.float32(1 << (MASTER_BITS - 1))
_MASTER_STEP = np.float32(1.0) / _MASTER_FULL_SCALE


@lru_cache(maxsize=1)
def _ffmpeg() -> str | None:
    return shutil.which("ffmpeg")


def mp3_encoder() -> str:
    """Which MP3 encoder :func:`encode_audio` uses here: ``"ffmpeg"`` or ``"libsndfile"``."""
    return "ffmpeg" if _ffmpeg() else "libsndfile"


def _check_format(fmt: str) -> str:
    if fmt not in OUTPUT_FORMATS:
        raise InvalidRequest.for_field("output_format", f"must be one of {', '.join(OUTPUT_FORMATS)}")
    return fmt


def _check_audio(audio: np.ndarray, sr: int, bits: int) -> np.ndarray:
    """float32 C-contiguous ``(frames, channels)``, clipped to full scale as any fixed-point format
    would be (mastered audio is already under it; this keeps PCM from wrapping around).

    No copy when ``audio`` already is such an array: two reductions tell whether it is finite and in
    range (``max`` and ``min`` propagate NaN), which at 300 s costs a tenth of a copy and a clip.
    """
    array = np.asarray(audio)
    if array.ndim != 2 or array.shape[1] not in (1, 2) or not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"audio must be float (frames, 1 or 2), got {array.dtype} {array.shape}")
    high, low = float(array.max(initial=0.0)), float(array.min(initial=0.0))
    if not (math.isfinite(high) and math.isfinite(low)):
        raise ValueError("audio contains NaN or infinity")
    if int(sr) != sr or sr <= 0:
        raise ValueError(f"sr must be a positive integer, got {sr!r}")
    if bits not in PCM_BITS:
        raise ValueError(f"bits_per_sample must be one of {PCM_BITS}, got {bits!r}")
    if high > 1.0 or low < -1.0:
        array = np.clip(array, -1.0, 1.0)
    return np.ascontiguousarray(array, dtype=np.float32)


def as_master_pcm(audio: np.ndarray) -> np.ndarray:
    """``audio`` exactly as its :data:`MASTER_BITS` master decodes back (libsndfile's own rounding).

    Encoding from these values instead of the raw floats makes a file the job encodes and the same file
    encoded later from the master sample-for-sample identical.
    """
    source = np.asarray(audio, dtype=np.float32)
    steps = np.empty(source.shape, dtype=np.float32)
    # block by block: each of the four passes then reads a block from cache, not 100 MB from memory
    for start in range(0, source.shape[0], _CACHE_BLOCK_FRAMES):
        block = steps[start : start + _CACHE_BLOCK_FRAMES]
        _master_steps(source[start : start + _CACHE_BLOCK_FRAMES], out=block)
        block *= _MASTER_STEP
    return steps


def _master_steps(audio: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """``audio`` in :data:`MASTER_BITS` steps (whole numbers, float32), rounded and clipped as libsndfile
    does, into ``out``. float32 is exact here: scaling by a power of two and integers below 2**24 lose
    nothing, so ``as_master_pcm`` and the master's words agree sample for sample."""
    np.multiply(audio, _MASTER_FULL_SCALE, out=out)
    np.rint(out, out=out)
    return np.clip(out, -_MASTER_FULL_SCALE, _MASTER_FULL_SCALE - 1, out=out)


@contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (same file system, so the rename is atomic), renamed over
    ``path`` on success and removed on any failure. No fsync: a job cut short by a crash is run
    again from the start, so durability is the publisher's concern, not each file's."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)  # mkstemp creates 0600; media files are meant to be served
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_blocks(
    frames: np.ndarray,
    sr: int,
    target: Path,
    *,
    strings: dict[str, str] | None = None,
    progress: ProgressFn = no_progress,
    **options: object,
) -> None:
    """Write through libsndfile in blocks: libvorbis allocates its analysis buffer on the stack
    (``alloca`` of the frames handed over in one call), so one 300 s write overflows the stack and
    kills the process (libsndfile issue #1095). Blocks cost nothing for the other formats."""
    with sf.SoundFile(target, "w", sr, frames.shape[1], **options) as out:
        # libsndfile writes INFO strings into a WAV header only when they are set before any audio.
        for attribute, value in (strings or {}).items():
            setattr(out, attribute, value)
        for start in range(0, frames.shape[0], _WRITE_BLOCK_FRAMES):
            out.write(frames[start : start + _WRITE_BLOCK_FRAMES])
            progress(min(start + _WRITE_BLOCK_FRAMES, frames.shape[0]) / frames.shape[0])


def _write_wav(
    frames: np.ndarray, sr: int, target: Path, tags: Tags, bits: int, progress: ProgressFn
) -> None:
    strings = riff_info_strings(tags)
    _write_blocks(frames, sr, target, strings=strings, progress=progress, format="WAV", subtype=f"PCM_{bits}")
    if tags.looplength:
        append_smpl_loop(target, sr, start_frame=int(tags.loopstart or 0), length_frames=int(tags.looplength))


def _pcm24_words(frames: np.ndarray, *, steps: np.ndarray, out: np.ndarray) -> np.ndarray:
    """24-bit samples in the top bits of int32 words, rounded as libsndfile rounds floats, into ``out``
    (``steps`` is float32 scratch of the same shape).

    libsndfile converts int32 to 24 bits by dropping the low byte, which is far cheaper than its own
    float conversion; the result is the same file (``as_master_pcm`` is its exact inverse, and the words
    of ``as_master_pcm(x)`` are the words of ``x``).
    """
    _master_steps(frames, out=steps)
    np.copyto(out, steps, casting="unsafe")
    return np.left_shift(out, 8, out=out)


def _write_flac(
    frames: np.ndarray, sr: int, target: Path, tags: Tags, bits: int, progress: ProgressFn
) -> None:
    options = {"format": "FLAC", "subtype": f"PCM_{bits}", "compression_level": FLAC_COMPRESSION_LEVEL}
    if bits == 24:
        # Words made a cache-sized block at a time into reused buffers and handed straight to libFLAC,
        # which buffers by itself: no 100 MB temporaries at 300 s.
        channels = frames.shape[1]
        steps = np.empty((_CACHE_BLOCK_FRAMES, channels), dtype=np.float32)
        words = np.empty((_CACHE_BLOCK_FRAMES, channels), dtype=np.int32)
        with sf.SoundFile(target, "w", sr, channels, **options) as out:
            for start in range(0, frames.shape[0], _CACHE_BLOCK_FRAMES):
                block = frames[start : start + _CACHE_BLOCK_FRAMES]
                size = block.shape[0]
                out.write(_pcm24_words(block, steps=steps[:size], out=words[:size]))
                progress((start + size) / frames.shape[0])
    else:
        _write_blocks(frames, sr, target, progress=progress, **options)
    write_vorbis_comments(target, tags, "flac")


def _write_ogg(
    frames: np.ndarray, sr: int, target: Path, tags: Tags, bits: int, progress: ProgressFn
) -> None:
    options = {"format": "OGG", "subtype": "VORBIS", "compression_level": OGG_COMPRESSION_LEVEL}
    _write_blocks(frames, sr, target, progress=progress, **options)
    write_vorbis_comments(target, tags, "ogg")


def _ffmpeg_mp3(frames: np.ndarray, sr: int, target: Path, progress: ProgressFn) -> None:
    command = [
        *(_ffmpeg() or "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "f32le", "-ar", str(sr), "-ac", str(frames.shape[1]), "-i", "pipe:0"),
        *("-map_metadata", "-1", "-c:a", "libmp3lame", "-q:a", str(MP3_VBR_QUALITY)),
        *("-compression_level", str(MP3_ALGORITHM_QUALITY)),
        # No tags from ffmpeg: mutagen writes the ID3v2 header; the LAME Info frame (delay and
        # padding, for gapless decoding) is still written.
        *("-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(target)),
    ]
    pcm = memoryview(frames.astype("<f4", copy=False)).cast("B")
    returncode, stderr = _feed(command, pcm, progress)
    if returncode != 0:
        # ffmpeg's own words name files on this machine: they go to the log, not to the caller
        log.error("ffmpeg exit %d: %s", returncode, stderr.decode("utf-8", "replace").strip()[-500:])
        raise GenerationFailed(f"mp3 encoding failed (ffmpeg exit {returncode})")


def _feed(command: list[str], pcm: memoryview, progress: ProgressFn) -> tuple[int, bytes]:
    """Run ``command`` with ``pcm`` on its stdin in blocks, telling ``progress`` the share fed.

    The pipe holds only 64 KiB, so the bytes taken are the bytes the encoder has nearly finished: their
    share is the encoding's progress. stderr is read by a thread so that a chatty encoder cannot block.
    """
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as process:
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
        reader.start()
        block = _WRITE_BLOCK_FRAMES * 8  # bytes: 65 536 stereo float32 frames
        try:
            for start in range(0, len(pcm), block):
                process.stdin.write(pcm[start : start + block])
                progress(min(start + block, len(pcm)) / len(pcm))
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its exit status and stderr say why
        try:
            process.wait(timeout=_FFMPEG_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        reader.join()
    return process.returncode, b"".join(errors)


def _write_mp3(
    frames: np.ndarray, sr: int, target: Path, tags: Tags, bits: int, progress: ProgressFn
) -> None:
    if _ffmpeg():
        _ffmpeg_mp3(frames, sr, target, progress)
    else:
        options = {"format": "MP3", "subtype": "MPEG_LAYER_III", "bitrate_mode": "VARIABLE"}
        level = _SNDFILE_MP3_COMPRESSION_LEVEL
        _write_blocks(frames, sr, target, compression_level=level, progress=progress, **options)
    write_id3(target, tags)


_WRITERS: dict[str, Callable[[np.ndarray, int, Path, Tags, int, ProgressFn], None]] = {
    "mp3": _write_mp3,
    "wav": _write_wav,
    "flac": _write_flac,
    "ogg": _write_ogg,
}


def encode_audio(
    audio: np.ndarray,
    sr: int,
    path: Path | str,
    fmt: str,
    *,
    tags: Tags,
    bits_per_sample: int = 16,
    progress: ProgressFn = no_progress,
) -> Path:
    """Write ``audio`` to ``path`` as ``fmt`` with provenance ``tags``, atomically.

    Parameters
    ----------
    audio : np.ndarray, shape (frames, channels)
        Float PCM, full scale 1.0, one or two channels; samples beyond full scale are clipped.
    sr : int
        Sample rate in Hz.
    path : Path or str
        Destination; its directory must exist. Replaced whole, or left as it was on failure.
    fmt : str
        One of :data:`~musicgen_app.formats.OUTPUT_FORMATS`: ``mp3``, ``wav``, ``flac``, ``ogg``.
    tags : Tags
        Title, engine, model, prompt, seed, license (and artist, comment).
    bits_per_sample : int
        16 or 24, for ``wav`` and ``flac``.
    progress : callable
        Told the share of the frames handed to the encoder (0..1, increasing), as encoding goes.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidRequest
        ``fmt`` is not an output format (the error names ``output_format``).
    GenerationFailed
        The encoder failed; nothing is left at ``path`` (or its previous content is untouched).
    """
    writer = _WRITERS[_check_format(fmt)]
    frames = _check_audio(audio, sr, bits_per_sample)
    path = Path(path)
    try:
        with _atomic_target(path) as target:
            writer(frames, int(sr), target, tags, bits_per_sample, progress)
    except (GenerationFailed, InsufficientStorage):
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise InsufficientStorage(
                f"the server ran out of disk space while writing the {fmt} file"
            ) from exc
        log.error("%s encoding of %s failed: %s", fmt, path, exc)
        raise GenerationFailed(
            f"{fmt} encoding of {path.name} failed ({exc.strerror or type(exc).__name__})"
        ) from exc
    except (sf.LibsndfileError, MutagenError, subprocess.SubprocessError) as exc:
        log.error("%s encoding of %s failed: %s", fmt, path, exc)
        if "space" in str(exc).lower():  # libsndfile reports a full disk in words only
            raise InsufficientStorage(
                f"the server ran out of disk space while writing the {fmt} file"
            ) from exc
        raise GenerationFailed(f"{fmt} encoding of {path.name} failed ({type(exc).__name__})") from exc
    return path
