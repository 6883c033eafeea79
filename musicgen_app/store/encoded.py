"""Any audio file of a track in any output format, encoded once from its master and cached.

The first request for ``(track, kind, format)`` decodes the lossless master and encodes it with the
track's provenance tags; the result is kept under ``encoded/`` in the track's directory and served from
there afterwards. Concurrent first requests (threads or processes) encode once: each encode holds an
exclusive ``flock`` on a lock file named for it, and whoever gets the lock second finds the file made.
Encodes are atomic (a temporary name renamed into place), so a failed or interrupted one leaves nothing.
Deleting a track's directory deletes its cache with it; an encode racing a delete fails instead of
re-creating the directory.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import soundfile as sf

from ..audio.encode import encode_audio
from ..errors import EncodingFailed, GenerationFailed, NotFound
from ..formats import OUTPUT_FORMATS
from ..track import Track
from ..track_files import AUDIO_KINDS, ENCODED_DIR, encoded_file

__all__ = ["EncodedFiles"]

log = logging.getLogger(__name__)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (created if needed) for the block."""
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


class EncodedFiles:
    """Encodes of a track's audio in the output formats, made on demand and cached."""

    def __init__(
        self,
        locate: Callable[[str, str], Path],
        *,
        commit: Callable[[str, str], None] | None = None,
        listing: Callable[[str, str], set[str]] | None = None,
    ) -> None:
        """``locate(track_id, relative)`` is the local path of a file of a track (``FileStore.path``; S3
        storage fetches the object into its cache). ``commit(track_id, relative)`` stores a new encode
        where every node finds it (S3: uploads it); ``listing(track_id, directory)`` names the files in a
        directory of the track."""
        self._locate = locate
        self._commit = commit
        self._listing = listing

    def source(self, track: Track, kind: str) -> Path:
        """The file every format of ``kind`` is made from (the master; older tracks: their one file)."""
        relative = track.files.get(kind)
        if kind not in AUDIO_KINDS or relative is None:
            raise NotFound(f"track {track.id} has no {kind} audio")
        path = self._locate(track.id, relative)
        if not path.is_file():
            raise NotFound(f"the {kind} audio of track {track.id} is missing")
        return path

    def path(self, track: Track, kind: str, fmt: str) -> Path:
        """``kind`` of ``track`` as ``fmt``: the cached file, encoded now if it is not there yet.

        Raises
        ------
        NotFound
            The track has no such audio.
        EncodingFailed
            The encoder failed (the answer is a 503 naming the format; nothing partial is left).
        """
        source = self.source(track, kind)
        if source.suffix == f".{fmt}":
            return source
        target = self._locate(track.id, encoded_file(kind, fmt))
        if target.is_file():
            return target
        encoded_dir = target.parent
        try:
            # never parents=True: a deleted track's directory must stay deleted
            encoded_dir.mkdir(exist_ok=True)
        except FileNotFoundError:
            raise NotFound(f"track {track.id} was deleted") from None
        with _exclusive(encoded_dir / f".{target.name}.lock"):
            if not target.is_file():  # made while we waited for the lock
                self._encode(track, source, target, fmt)
                if self._commit is not None:
                    self._commit(track.id, encoded_file(kind, fmt))
        return target

    @staticmethod
    def _encode(track: Track, source: Path, target: Path, fmt: str) -> None:
        try:
            audio, sample_rate = sf.read(str(source), dtype="float32", always_2d=True)
            encode_audio(audio, sample_rate, target, fmt, tags=track.tags())
        except (GenerationFailed, sf.LibsndfileError, OSError) as exc:
            if not target.parent.is_dir():
                raise NotFound(f"track {track.id} was deleted") from None
            log.error("encoding %s of track %s as %s failed: %s", target.stem, track.id, fmt, exc)
            raise EncodingFailed(
                f"the {target.stem} of track {track.id} could not be encoded as {fmt}; try again shortly"
            ) from exc

    def ready(self, track: Track) -> dict[str, list[str]]:
        """For each audio kind, the formats served at once (the master's and those already cached)."""
        if not track.is_completed:
            return {}
        cached = {name for name in self._list(track.id, ENCODED_DIR) if not name.startswith(".")}
        ready: dict[str, list[str]] = {}
        for kind in AUDIO_KINDS:
            if kind not in track.files:
                continue
            master_suffix = Path(track.files[kind]).suffix.lstrip(".")
            ready[kind] = [fmt for fmt in OUTPUT_FORMATS if fmt == master_suffix or f"{kind}.{fmt}" in cached]
        return ready

    def _list(self, track_id: str, directory: str) -> set[str]:
        if self._listing is not None:
            return self._listing(track_id, directory)
        try:
            return set(os.listdir(self._locate(track_id, directory)))
        except FileNotFoundError:
            return set()

    def encode_all(self, track: Track, fmt: str, kinds: tuple[str, ...] = AUDIO_KINDS) -> None:
        """Make sure every ``kind`` exists as ``fmt`` (the background step after a track completes).

        Failures are logged, not raised: the file is then encoded on its first request instead.
        """
        for kind in kinds:
            if kind not in track.files:
                continue
            try:
                self.path(track, kind, fmt)
            except NotFound:
                return  # the track was deleted meanwhile
            except EncodingFailed as exc:
                log.warning("background encode skipped: %s", exc.message)
