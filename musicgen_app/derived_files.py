"""Files made from a completed track on request, beside its own: "download all" (a zip of its files) and
a remix preview at given stem levels (WAV). Both are kept in the track's directory and reused, and served
through the ``/v1`` file routes like every other file of a track.

``service`` is a :class:`~musicgen_app.service.GenerationService` (its ``get``, ``file``, ``files`` and
``encoded``), passed in rather than imported: the service is what calls these.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .audio.remix import check_gains, remix_file_name, remix_stems
from .bundle import BUNDLE_KINDS, write_bundle
from .errors import NotFound
from .formats import MEDIA_TYPES, STEM_NAMES
from .track_files import TrackFile

__all__ = ["REMIXES_KEPT", "bundle_file", "remix_preview_file"]

#: Remix previews kept per track: every slider move can make one.
REMIXES_KEPT = 8
#: Remixes rendered at once (each decodes four stems and masters a mix: seconds of CPU).
_RENDERS = threading.BoundedSemaphore(2)


def bundle_file(service: Any, track_id: str, *, owner: str | None = None) -> TrackFile:
    """A zip of a completed track's mix, stems, MIDI and beats (made once, then reused)."""
    track = service.get(track_id, owner=owner)
    files = [service.file(track_id, kind, owner=owner) for kind in BUNDLE_KINDS if kind in track.files]
    if not files:
        raise NotFound(f"track {track_id} has no files to download")
    name = f"{Path(files[0].download_name).stem}-all.zip"
    out_path = service.files.track_dir(track.id) / "bundle" / name
    if not out_path.is_file():
        write_bundle([(f.download_name, f.path) for f in files], out_path)
    return TrackFile(out_path, "application/zip", name)


def remix_preview_file(
    service: Any, track_id: str, gains_db: Mapping[str, float], *, owner: str | None = None
) -> TrackFile:
    """A WAV remix of a completed track at ``gains_db`` (a level per stem; left out: 0 dB), rendered once
    per set of levels and reused; the newest :data:`REMIXES_KEPT` are kept.

    WAV, because encoding minutes of MP3 takes longer than the second or two a preview may take.

    Raises
    ------
    InvalidRequest
        For an unknown stem or a level out of range (naming the stem).
    """
    gains = check_gains(gains_db)
    track = service.get(track_id, owner=owner)
    mix = service.file(track_id, "mix", owner=owner)  # a track that is not completed is refused here
    out_dir = service.files.track_dir(track.id) / "remix"
    out_path = out_dir / remix_file_name(gains, "wav")
    if not out_path.is_file():
        stems = {name: service.encoded.source(track, name) for name in STEM_NAMES}
        with _RENDERS:
            if not out_path.is_file():  # another request rendered it while this one waited
                _prune(out_dir, keep=REMIXES_KEPT - 1)
                remix_stems(stems, gains, out_path, tags=track.tags(), fmt="wav")
    name = f"{Path(mix.download_name).stem}-{out_path.stem.replace('_', '-')}.wav"
    return TrackFile(out_path, MEDIA_TYPES["wav"], name)


def _prune(directory: Path, *, keep: int) -> None:
    if not directory.is_dir():
        return
    files = sorted(directory.glob("remix_*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in files[keep:]:
        stale.unlink(missing_ok=True)
