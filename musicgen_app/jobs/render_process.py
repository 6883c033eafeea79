"""What runs inside a render process: one job, with progress written straight to the database.

Rendering happens in separate processes so that a crash of the synthesiser or a model (a segfault, an
out-of-memory kill) takes down only that process; the API and the worker threads survive and retry the job.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from ..engines.registry import EngineConfig, get_engine
from ..pipeline import JobSpec, TrackOutcome, produce_track
from ..store.db import make_engine, make_sessionmaker
from ..store.tracks import TrackRepository

__all__ = ["DbProgress", "run_job", "warm_up"]

_repos: dict[str, TrackRepository] = {}
_repos_lock = threading.Lock()


def _repository(database_url: str) -> TrackRepository:
    with _repos_lock:
        if database_url not in _repos:
            _repos[database_url] = TrackRepository(make_sessionmaker(make_engine(database_url)))
        return _repos[database_url]


class DbProgress:
    """A progress callback that stores monotonic, throttled progress for a job this worker holds."""

    def __init__(self, database_url: str, track_id: str, worker_id: str) -> None:
        self._repo = _repository(database_url)
        self._track_id = track_id
        self._worker_id = worker_id
        self._stored = 0.0
        self._stored_at = 0.0

    def __call__(self, fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if fraction <= self._stored or (fraction - self._stored < 0.02 and now - self._stored_at < 0.5):
            return
        self._stored, self._stored_at = fraction, now
        self._repo.set_progress(self._track_id, self._worker_id, fraction)


def run_job(spec: JobSpec, staging: Path, database_url: str, worker_id: str) -> TrackOutcome:
    """Produce one track into ``staging``; the parent publishes it."""
    progress = DbProgress(database_url, spec.track_id, worker_id)
    return produce_track(spec, staging, progress=progress)


def warm_up(config: EngineConfig) -> None:
    """Process initializer: load the SoundFont once, so the first job does not pay for it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    engine = get_engine("symbolic", config)
    if hasattr(engine, "warm_up"):
        # a broken synth is reported by the job that needs it, with its reason
        with contextlib.suppress(Exception):
            engine.warm_up()
