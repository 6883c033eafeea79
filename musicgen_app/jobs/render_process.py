"""What runs inside a render process: one job, with progress written straight to the database.

Rendering happens in separate processes so that a crash of the synthesiser or a model (a segfault, an
out-of-memory kill) takes down only that process; the API and the worker threads survive and retry the job.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from ..engines.registry import EngineConfig, get_engine
from ..pipeline import JobSpec, produce_track
from ..store.db import make_engine, make_sessionmaker
from ..store.tracks import TrackRepository
from ..track import TrackOutcome

__all__ = ["DbProgress", "LeaseLost", "run_job", "warm_up"]

#: How often a render process checks that the process that started it is still alive.
_PARENT_CHECK_S = 0.25
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

_repos: dict[str, TrackRepository] = {}
_repos_lock = threading.Lock()


def _repository(database_url: str) -> TrackRepository:
    with _repos_lock:
        if database_url not in _repos:
            _repos[database_url] = TrackRepository(
                make_sessionmaker(make_engine(database_url, prepare=False))
            )
        return _repos[database_url]


class LeaseLost(Exception):
    """The job's lease is no longer this worker's (expired and taken, or the track deleted): stop."""


class DbProgress:
    """A progress callback that stores monotonic, throttled progress for a job this worker holds.

    When the store refuses the update because the lease is gone, it raises :class:`LeaseLost`, which
    ends the job at once: its work would be discarded, and another worker may be running it.
    """

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
        try:
            held = self._repo.set_progress(self._track_id, self._worker_id, fraction)
        except Exception:  # progress is a courtesy: a dropped connection must not fail the render
            logging.getLogger(__name__).warning("storing progress failed", exc_info=True)
            return
        if not held:
            raise LeaseLost(f"track {self._track_id} is no longer held by {self._worker_id}")


def run_job(spec: JobSpec, staging: Path, database_url: str, worker_id: str) -> TrackOutcome:
    """Produce one track into ``staging``; the parent publishes it."""
    progress = DbProgress(database_url, spec.track_id, worker_id)
    return produce_track(spec, staging, progress=progress)


def _exit_when_orphaned(parent_pid: int) -> None:
    """End this process as soon as its parent is gone (SIGKILL, OOM kill): a render process must never
    go on rendering an abandoned job while a restarted server renders it again."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(70)  # no cleanup: the parent that would publish the work is dead
        time.sleep(_PARENT_CHECK_S)


def _ask_the_kernel_for_sigkill_on_parent_death() -> None:
    """On Linux the kernel itself kills this process the moment its parent dies (``PR_SET_PDEATHSIG``);
    elsewhere (or if that fails) the watch thread alone does, within :data:`_PARENT_CHECK_S`."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def warm_up(config: EngineConfig, parent_pid: int | None = None) -> None:
    """Process initializer: die with the parent, then load the SoundFont once (the first job then does not
    pay for it)."""
    if parent_pid is not None:
        _ask_the_kernel_for_sigkill_on_parent_death()
        if os.getppid() != parent_pid:  # the parent died while this process was starting
            os._exit(70)
        threading.Thread(
            target=_exit_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True
        ).start()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    engine = get_engine("symbolic", config)
    if hasattr(engine, "warm_up"):
        # a broken synth is reported by the job that needs it, with its reason
        with contextlib.suppress(Exception):
            engine.warm_up()
