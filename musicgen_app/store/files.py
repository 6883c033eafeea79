"""Track files on disk: each track's files live in ``<root>/<track_id>/``, published atomically.

A job writes into a private staging directory; only a finished set of files is renamed into place, so a
reader never sees a half-written track and a failed job leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..track import check_track_id

_TRACK_DIR = re.compile(r"^[0-9a-f]{32}$")

__all__ = ["FileStore", "make_storage"]


class FileStore:
    """Paths and atomic publication of track files under ``root`` (``file://`` track storage)."""

    #: Files are served from their local paths (S3 storage streams its objects instead).
    remote_objects = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def track_dir(self, track_id: str) -> Path:
        return self.root / check_track_id(track_id)

    def staging_dir(self, track_id: str, attempt: int) -> Path:
        """A fresh, empty directory for one attempt of a job (on the same file system as the target)."""
        path = self.root / f".staging-{check_track_id(track_id)}-{attempt}"
        for earlier in self.root.glob(f".staging-{track_id}-*"):  # left by an interrupted attempt
            shutil.rmtree(earlier, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def publish(self, track_id: str, staging: Path) -> Path:
        """Move a finished staging directory into place, replacing an earlier attempt's files."""
        target = self.track_dir(track_id)
        if target.exists():
            # rename a previous directory away first: os.replace cannot replace a non-empty directory
            old = target.with_name(f".old-{track_id}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, target)
        return target

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def remove(self, track_id: str) -> None:
        shutil.rmtree(self.track_dir(track_id), ignore_errors=True)

    def path(self, track_id: str, relative: str) -> Path:
        """The absolute path of a stored file; ``relative`` comes from the database, never the user."""
        base = self.track_dir(track_id)
        path = (base / relative).resolve()
        if base not in path.parents:
            raise ValueError(f"stored path escapes the track directory: {relative!r}")
        return path

    def commit(self, track_id: str, relative: str) -> None:
        """A file made in the track directory is stored already (S3 storage uploads it here)."""

    def listing(self, track_id: str, directory: str) -> set[str]:
        """Names of the files in a directory of the track (none when it does not exist)."""
        try:
            return set(os.listdir(self.path(track_id, directory)))
        except FileNotFoundError:
            return set()

    def track_ids(self) -> list[str]:
        """Ids of the track directories present (published tracks)."""
        return [p.name for p in self.root.iterdir() if p.is_dir() and _TRACK_DIR.fullmatch(p.name)]

    def check_writable(self, *, min_free_bytes: int) -> str | None:
        """``None`` when a file can be written here and ``min_free_bytes`` are free, else why not."""
        try:
            # a name of its own per check: health checks run concurrently
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError as exc:
            return f"track storage is not writable ({exc.strerror or type(exc).__name__})"
        free = shutil.disk_usage(self.root).free
        if free < min_free_bytes:
            return f"track storage has {free // 2**20} MiB free (under {min_free_bytes // 2**20} MiB)"
        return None

    def sweep_staging(self, *, older_than_s: float = 3600.0) -> int:
        """Remove staging directories a crash left behind; returns how many.

        Only old ones: another process sharing this directory may be writing a young one right now.
        """
        import time

        count = 0
        for path in self.root.glob(".staging-*"):
            if time.time() - path.stat().st_mtime > older_than_s:
                shutil.rmtree(path, ignore_errors=True)
                count += 1
        return count


def make_storage(url: str, *, cache_dir: Path, endpoint_url: str = "", presign: bool = False):
    """The track storage for ``url``: ``file:///path`` (a :class:`FileStore`) or ``s3://bucket/prefix``."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "s3":
        from .s3 import S3Storage

        return S3Storage(url, cache_dir=cache_dir, endpoint_url=endpoint_url, presign=presign)
    if parts.scheme == "file":
        return FileStore(Path(unquote(parts.path)))
    raise ValueError(f"track storage must be file:// or s3://, not {url!r}")
