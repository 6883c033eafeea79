"""Audio files in and stem files out, for separating files rather than arrays."""

from __future__ import annotations

from pathlib import Path

from ...engines.base import Stems
from ...errors import InvalidRequest
from ...formats import OUTPUT_FORMATS
from ..encode import encode_audio
from ..tags import Tags

__all__ = ["STEM_BITS", "STEM_LICENSE", "output_format", "write_stems"]

#: Lossless stems keep 24 bits, so that their sum stays within -60 dB of the mix even when quiet.
STEM_BITS = 24
STEM_LICENSE = "that of the input audio"


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
