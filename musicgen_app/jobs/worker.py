"""In-process job workers: threads that claim jobs from the database and run them in render processes.

Each claim carries a lease that a heartbeat renews; a job whose worker died (crash, SIGKILL, restart) is
claimed again once its lease expires, up to ``max_attempts`` times, then marked failed with the reason.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..edit_render import RENDERED_FROM_PARENT, EditSource
from ..engines.registry import EngineConfig
from ..errors import GenerationFailed, MusicgenAppError, NotFound
from ..pipeline import JobSpec
from ..store.files import FileStore
from ..store.tracks import TrackRepository
from ..track import Track, TrackOutcome
from .render_process import LeaseLost, run_job, warm_up

__all__ = ["RenderPool", "WorkerPool"]

log = logging.getLogger(__name__)


class RenderPool:
    """Render processes (spawned, so no lock or thread is inherited), rebuilt after a crash."""

    def __init__(self, processes: int, config: EngineConfig) -> None:
        self._processes = processes
        self._config = config
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=warm_up,
                    initargs=(self._config, os.getpid()),
                )
            return self._pool

    def submit(self, *args: object) -> Future:
        return self._executor().submit(run_job, *args)

    def start(self) -> None:
        """Start the render processes now, from the calling (long-lived) thread, instead of at the first
        job: the first job does not wait for them to load, and each process asks the kernel to kill it
        with its parent before any job can reach it (Linux ties that to the thread that started it)."""
        executor = self._executor()
        for _ in range(self._processes):
            executor.submit(os.getpid)

    def reset(self, broken: ProcessPoolExecutor | None = None) -> None:
        """Drop a broken pool so the next job gets fresh processes."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        self.reset()


class WorkerPool:
    """``threads`` workers claiming jobs; ``wake()`` after a submit to start at once."""

    def __init__(
        self,
        repo: TrackRepository,
        files: FileStore,
        render: RenderPool,
        *,
        database_url: str,
        config: EngineConfig,
        threads: int,
        lease_s: float,
        max_attempts: int,
        poll_s: float = 1.0,
        on_completed: Callable[[Track], None] | None = None,
    ) -> None:
        self._repo, self._files, self._render = repo, files, render
        self._database_url, self._config = database_url, config
        self._threads_wanted, self._lease_s = threads, lease_s
        self._max_attempts, self._poll_s = max_attempts, poll_s
        self._on_completed = on_completed
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._id_prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def start(self) -> None:
        if self._threads_wanted:
            self._render.start()
        try:
            recovered = self._repo.expire_leases(self._owner_is_dead)
        except Exception:  # an unreadable database: /healthz says so; the claim loop retries it
            log.exception("could not recover interrupted jobs at start")
            recovered = 0
        if recovered:
            log.info("%d job(s) interrupted by a stop or crash will run again now", recovered)
        for index in range(self._threads_wanted):
            thread = threading.Thread(
                target=self._loop,
                args=(f"{self._id_prefix}:{index}",),
                name=f"musicgen-worker-{index}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _owner_is_dead(self, owner: str) -> bool:
        """Whether the worker named ``owner`` (``host:pid:token:index``) has certainly stopped.

        Only workers of this host can be judged. A worker with this process's pid but another token is a
        previous incarnation (containers restart with the same pid); otherwise the pid must be gone.
        """
        host, _, rest = owner.partition(":")
        pid_text, _, token_and_index = rest.partition(":")
        if host != socket.gethostname() or not pid_text.isdigit():
            return False
        if token_and_index.startswith(self._id_prefix.rsplit(":", 1)[-1] + ":"):
            return False
        pid = int(pid_text)
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, under another user
            return False
        return False

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._render.shutdown()

    def _loop(self, worker_id: str) -> None:
        while not self._stop.is_set():
            try:
                self._repo.fail_exhausted(max_attempts=self._max_attempts)
                track = self._repo.claim_next(
                    worker_id, lease_s=self._lease_s, max_attempts=self._max_attempts
                )
            except Exception:  # the database may be briefly unavailable; try again shortly
                log.exception("claiming a job failed")
                track = None
            if track is None:
                self._wake.wait(self._poll_s)
                self._wake.clear()
                continue
            self._run(track, worker_id)

    def _run(self, track: Track, worker_id: str) -> None:
        staging = self._files.staging_dir(track.id, track.attempts)
        try:
            spec = JobSpec(
                track.id,
                track.plan,
                track.output_format,
                track.engine_requested,
                self._config,
                source=self._edit_source(track),
            )
            future = self._render.submit(spec, staging, self._database_url, worker_id)
            outcome = self._wait(future, track.id, worker_id)
        except BrokenProcessPool:
            log.error("render process died on track %s (attempt %d)", track.id, track.attempts)
            self._render.reset()
            self._files.discard(staging)
            self._retry_or_fail(track, worker_id, "the render process crashed")
            return
        except LeaseLost:
            log.info("track %s: lease lost (deleted, cancelled or taken over); its work is dropped", track.id)
            self._files.discard(staging)
            return
        except MusicgenAppError as exc:
            self._files.discard(staging)
            self._repo.fail(track.id, worker_id, exc.message)
            return
        except OSError as exc:  # the machine, not the music: say which without naming its paths
            log.exception("track %s failed", track.id)
            self._files.discard(staging)
            reason = "the server ran out of disk space" if exc.errno == errno.ENOSPC else "a storage error"
            self._repo.fail(track.id, worker_id, f"{reason} while making the track; try again later")
            return
        except Exception as exc:  # a bug: fail the track with the reason rather than loop on it
            log.exception("track %s failed", track.id)
            self._files.discard(staging)
            self._repo.fail(track.id, worker_id, f"internal error ({type(exc).__name__}); see the server log")
            return
        self._publish(track, worker_id, staging, outcome)

    def _edit_source(self, track: Track) -> EditSource | None:
        """Where an edit's audio comes from: its parent's files (``None`` for an engine's job)."""
        if track.operation not in RENDERED_FROM_PARENT or track.parent_id is None:
            return None
        try:
            parent = self._repo.get(track.parent_id)
        except NotFound:
            raise GenerationFailed(f"the track {track.parent_id} it was made from was deleted") from None
        if not parent.is_completed:
            raise GenerationFailed(f"the track {parent.id} it was made from is {parent.status}")
        return EditSource(
            operation=track.operation,
            edit=track.edit,
            parent_id=parent.id,
            parent_dir=str(self._files.track_dir(parent.id)),
            parent_files=dict(parent.files),
            engine=parent.engine or "",
            engine_version=parent.engine_version or "",
            model=parent.model or "",
            license=parent.license or "",
            parent_plan=dict(parent.plan),
        )

    def _wait(self, future: Future, track_id: str, worker_id: str) -> TrackOutcome:
        beat_s = max(self._lease_s / 4.0, 0.2)
        while True:
            try:
                return future.result(timeout=beat_s)
            except TimeoutError:
                self._repo.heartbeat(track_id, worker_id, lease_s=self._lease_s)

    def _retry_or_fail(self, track: Track, worker_id: str, reason: str) -> None:
        if track.attempts >= self._max_attempts:
            self._repo.fail(track.id, worker_id, f"{reason} ({track.attempts} attempts)")
        else:
            self._repo.release(track.id, worker_id)

    def _publish(self, track: Track, worker_id: str, staging, outcome: TrackOutcome) -> None:
        self._files.publish(track.id, staging)
        if self._repo.complete(track.id, worker_id, outcome):
            if self._on_completed is not None:
                self._on_completed(track.completed_with(outcome))
            return
        # deleted or cancelled meanwhile, or our lease was taken over: never leave files for a track
        # that is gone or cancelled (a takeover's worker publishes its own)
        try:
            cancelled = self._repo.get(track.id).status == "cancelled"
        except MusicgenAppError:
            cancelled = True
        if cancelled:
            self._files.remove(track.id)
