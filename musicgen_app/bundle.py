""" "Download all": one zip of a track's mix, stems, MIDI and beats, written whole or not at all.

The zip is made on the first request and kept beside the track (its files never change once it is
completed), so a second click serves the same file. It is written under a temporary name and renamed, so
a reader never sees half an archive and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from .formats import STEM_NAMES

__all__ = ["BUNDLE_KINDS", "write_bundle"]

#: What "download all" holds, in this order (those a track has; the waveform is for drawing, not use).
BUNDLE_KINDS: tuple[str, ...] = ("mix", *STEM_NAMES, "midi", "beats")


def write_bundle(members: Sequence[tuple[str, Path]], out_path: Path) -> Path:
    """Zip ``members`` (``(name in the archive, file)``) into ``out_path`` atomically.

    Audio is stored, not deflated: MP3, OGG and FLAC are compressed already and deflating WAV gains little
    for the CPU it costs. Raises ``ValueError`` when ``members`` is empty or names a file twice.
    """
    names = [name for name, _ in members]
    if not names:
        raise ValueError("a bundle needs at least one file")
    if len(set(names)) != len(names):
        raise ValueError(f"bundle names must be unique, got {names}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".zip.part", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
            for name, path in members:
                archive.write(path, arcname=name)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path
