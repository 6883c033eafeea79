"""Track files in S3 (or any S3-compatible store): published whole, served by range or presigned URL.

Keys: ``<prefix>/tracks/<id>/<relative path>`` for a published track, ``<prefix>/staging/<id>/<token>/...``
while an attempt uploads. A job renders into a local staging directory; :meth:`S3Storage.publish` uploads
it under a staging prefix, replaces the track's earlier objects (an attempt that published but never
completed) with copies, then deletes the staging objects; only then does the row say ``completed``, so a
reader never sees half a track. Staging objects of a crashed upload are removed by the next attempt of
the same track, and by :meth:`S3Storage.sweep_staging` after an hour.

Web and worker nodes keep a local cache (``cache_dir``) of what they read: the studio's players and the
encoder need files; the API streams from S3 itself.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..track import check_track_id

__all__ = ["RemoteObject", "S3Storage"]

_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class RemoteObject:
    """A stored object the API may stream or redirect to."""

    key: str
    size: int


class S3Storage:
    """The track storage on ``s3://bucket/prefix`` (see the module docstring)."""

    remote_objects = True

    def __init__(self, url: str, *, cache_dir: Path, endpoint_url: str = "", presign: bool = False) -> None:
        parts = urlsplit(url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.endpoint_url = endpoint_url or None
        self.presign = presign
        self.root = Path(cache_dir).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._work = self.root.parent / "s3-staging"
        self._work.mkdir(parents=True, exist_ok=True)
        self._client_pid: int | None = None
        self._client_cache = None
        self._client_lock = threading.Lock()

    # -- keys --------------------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def _track_prefix(self, track_id: str) -> str:
        return self._key("tracks", check_track_id(track_id)) + "/"

    def _staging_prefix(self, track_id: str) -> str:
        return self._key("staging", check_track_id(track_id)) + "/"

    def key(self, track_id: str, relative: str) -> str:
        """The object key of a stored file; ``relative`` comes from the database, never the user."""
        if relative.startswith("/") or ".." in relative.split("/"):
            raise ValueError(f"stored path escapes the track: {relative!r}")
        return self._track_prefix(track_id) + relative

    @property
    def _client(self):
        # boto3 clients are thread-safe but not fork-safe: one per process
        with self._client_lock:
            if self._client_cache is None or self._client_pid != os.getpid():
                import boto3
                from botocore.config import Config

                self._client_cache = boto3.client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    config=Config(
                        retries={"max_attempts": 5, "mode": "standard"},
                        max_pool_connections=32,
                        # checksums only where S3 requires them: S3-compatible stores (MinIO, moto...)
                        # differ on the newer default ones, above all for copies of multipart uploads
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                    ),
                )
                self._client_pid = os.getpid()
            return self._client_cache

    def _keys(self, prefix: str) -> Iterator[dict]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def _delete_prefix(self, prefix: str) -> int:
        keys = [item["Key"] for item in self._keys(prefix)]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    # -- the job's side ----------------------------------------------------------------------------

    def staging_dir(self, track_id: str, attempt: int) -> Path:
        """A fresh local directory for one attempt of a job."""
        path = self._work / f"{check_track_id(track_id)}-{attempt}"
        for earlier in self._work.glob(f"{track_id}-*"):  # left by an interrupted attempt on this node
            shutil.rmtree(earlier, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def publish(self, track_id: str, staging: Path) -> None:
        """Upload a finished staging directory and make it the track's one set of objects."""
        self._delete_prefix(self._staging_prefix(track_id))  # a crashed attempt's upload
        staged = self._staging_prefix(track_id) + uuid.uuid4().hex[:12] + "/"
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        relatives = [p.relative_to(staging).as_posix() for p in files]
        for path, relative in zip(files, relatives, strict=True):
            self._client.upload_file(str(path), self.bucket, staged + relative)
        self._delete_prefix(self._track_prefix(track_id))  # an attempt that published, never completed
        for relative in relatives:
            source = {"Bucket": self.bucket, "Key": staged + relative}
            self._client.copy_object(Bucket=self.bucket, Key=self.key(track_id, relative), CopySource=source)
        self._delete_prefix(staged)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(self.root / track_id, ignore_errors=True)  # a stale cache of an earlier attempt

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def remove(self, track_id: str) -> None:
        """Delete every object of the track (published and staging) and the local cache."""
        self._delete_prefix(self._track_prefix(track_id))
        self._delete_prefix(self._staging_prefix(track_id))
        shutil.rmtree(self.root / check_track_id(track_id), ignore_errors=True)

    # -- the reader's side -------------------------------------------------------------------------

    def track_dir(self, track_id: str) -> Path:
        """This node's cache directory of the track (remixes are made here)."""
        path = self.root / check_track_id(track_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, track_id: str, relative: str) -> Path:
        """A local copy of a stored file, fetched on first use; a missing object gives a missing path."""
        key = self.key(track_id, relative)
        local = self.root / check_track_id(track_id) / relative
        if local.is_file():
            return local
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
        from botocore.exceptions import ClientError

        try:
            self._client.download_file(self.bucket, key, str(partial))
        except ClientError as exc:
            partial.unlink(missing_ok=True)
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return local
            raise
        os.replace(partial, local)
        return local

    def commit(self, track_id: str, relative: str) -> None:
        """Upload a file made on this node into the track (an encode in another format)."""
        local = self.root / check_track_id(track_id) / relative
        self._client.upload_file(str(local), self.bucket, self.key(track_id, relative))

    def listing(self, track_id: str, directory: str) -> set[str]:
        """Names of the objects in a directory of the track."""
        prefix = self.key(track_id, directory.rstrip("/")) + "/"
        return {item["Key"][len(prefix) :] for item in self._keys(prefix)}

    def remote(self, track_id: str, relative: str) -> RemoteObject | None:
        """The stored object, or ``None`` when there is none."""
        from botocore.exceptions import ClientError

        key = self.key(track_id, relative)
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return RemoteObject(key, int(head["ContentLength"]))

    def read_range(self, obj: RemoteObject, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive) of ``obj``, in chunks."""
        answer = self._client.get_object(Bucket=self.bucket, Key=obj.key, Range=f"bytes={start}-{end - 1}")
        body = answer["Body"]
        try:
            yield from body.iter_chunks(_CHUNK_BYTES)
        finally:
            body.close()

    def presigned_url(
        self, obj: RemoteObject, *, media_type: str, disposition: str, expires_s: int = 900
    ) -> str:
        """A signed GET URL of ``obj`` on the S3 endpoint, answering with these headers."""
        params = {
            "Bucket": self.bucket,
            "Key": obj.key,
            "ResponseContentType": media_type,
            "ResponseContentDisposition": disposition,
        }
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s)

    # -- housekeeping ------------------------------------------------------------------------------

    def track_ids(self, *, limit: int = 100) -> list[str]:
        """Ids of (up to ``limit``) published tracks."""
        prefix = self._key("tracks") + "/"
        answer = self._client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, Delimiter="/", MaxKeys=limit)
        return [p["Prefix"][len(prefix) :].rstrip("/") for p in answer.get("CommonPrefixes", [])]

    def check_writable(self, *, min_free_bytes: int) -> str | None:
        """``None`` when an object can be written and deleted in the bucket, else why not."""
        del min_free_bytes  # object stores do not run out of space the way a disk does
        key = self._key(".health", uuid.uuid4().hex)
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=b"ok")
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:  # any failure is the answer, not a crash of the health check
            return f"track storage (s3://{self.bucket}) is not writable ({type(exc).__name__})"
        return None

    def sweep_staging(self, *, older_than_s: float = 3600.0) -> int:
        """Delete staging objects (and local staging directories) older than ``older_than_s``."""
        cutoff = time.time() - older_than_s
        stale = [
            {"Key": item["Key"]}
            for item in self._keys(self._key("staging") + "/")
            if item["LastModified"].timestamp() < cutoff
        ]
        for start in range(0, len(stale), 1000):
            self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": stale[start : start + 1000], "Quiet": True}
            )
        for path in self._work.iterdir():
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        return len(stale)
