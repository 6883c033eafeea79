"""One job from claim to publication, the same for every queue: render, heartbeat, publish, complete.

The local queue's threads and the Dramatiq actor both hand a claimed track to :class:`JobRunner`. The
render runs in a render process (:class:`RenderPool`) so a crash of the synthesiser or a model takes down
only that process; the runner then retries the job or fails it with the reason.
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
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..edit_render import EditSource, renders_from_parent
from ..engines.registry import EngineConfig
from ..errors import GenerationFailed, MusicgenAppError, NotFound
from ..pipeline import ENGINE_STARTED, JobSpec
from ..progress import SteadyProgress
from ..store.tracks import TrackRepository
from ..track import Track, TrackOutcome
from .render_process import LeaseLost, run_job, warm_up

__all__ = ["JobRunner", "RenderPool", "new_worker_prefix", "owner_is_dead"]

log = logging.getLogger(__name__)


def new_worker_prefix() -> str:
    """``host:pid:token``: names this process's workers in ``lease_owner`` (the token tells incarnations
    of one pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def owner_is_dead(owner: str, own_prefix: str) -> bool:
    """Whether the worker named ``owner`` (``host:pid:token:index``) has certainly stopped.

    Only workers of this host can be judged. A worker with this process's pid but another token is a
    previous incarnation (containers restart with the same pid); otherwise the pid must be gone.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, token_and_index = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    if token_and_index.startswith(own_prefix.rsplit(":", 1)[-1] + ":"):
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


class RenderPool:
    """Render processes (spawned, so no lock or thread is inherited), rebuilt after a crash."""

    def __init__(self, processes: int, config: EngineConfig) -> None:
        self._processes = processes
        self._config = config
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._warm: list[Future] = []

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
        self._warm = [executor.submit(os.getpid) for _ in range(self._processes)]

    def wait_warm(self, timeout_s: float) -> bool:
        """Whether a render process has finished starting (waiting up to ``timeout_s``). A job sent
        before then would wait in the pool's queue, its progress at nothing, for imports and SoundFont."""
        if not self._warm:
            return True
        done, _ = wait(self._warm, timeout=timeout_s, return_when=FIRST_COMPLETED)
        return bool(done)

    def reset(self) -> None:
        """Drop a broken pool so the next job gets fresh processes."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._warm = []
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        self.reset()


class JobRunner:
    """Runs a claimed track to its end: completed (files published), failed with a reason, or released.

    ``files`` is the track storage (:mod:`musicgen_app.store.storage`): a staging directory per attempt,
    published whole only when the job succeeded, before the row says ``completed``.
    """

    def __init__(
        self,
        repo: TrackRepository,
        files,
        render: RenderPool,
        *,
        database_url: str,
        config: EngineConfig,
        lease_s: float,
        max_attempts: int,
        on_completed: Callable[[Track], None] | None = None,
        on_released: Callable[[str], None] | None = None,
    ) -> None:
        self._repo, self._files, self._render = repo, files, render
        self._database_url, self._config = database_url, config
        self._lease_s, self._max_attempts = lease_s, max_attempts
        self._on_completed, self._on_released = on_completed, on_released

    def run(self, track: Track, worker_id: str) -> None:
        """Run ``track``, which ``worker_id`` has just claimed."""
        staging = self._files.staging_dir(track.id, track.attempts)
        self._await_render_process(track.id, worker_id)
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
        """Where an edit's audio comes from: its parent's files, on this node's disk (fetched from the
        track storage when it is remote); ``None`` for an engine's job."""
        if not renders_from_parent(track.operation, track.edit) or track.parent_id is None:
            return None
        try:
            parent = self._repo.get(track.parent_id)
        except NotFound:
            raise GenerationFailed(f"the track {track.parent_id} it was made from was deleted") from None
        if not parent.is_completed:
            raise GenerationFailed(f"the track {parent.id} it was made from is {parent.status}")
        for relative in parent.files.values():
            self._files.path(parent.id, relative)  # a local copy for the render process to read
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
            parent_details=dict(parent.details),
            parent_sections=tuple(parent.sections),
        )

    def _await_render_process(self, track_id: str, worker_id: str) -> None:
        """Before the render processes have started (the first job after a start), show the job as
        starting, its bar moving below :data:`ENGINE_STARTED`, while its lease is kept alive."""
        if self._render.wait_warm(0):
            return
        beat_s = max(self._lease_s / 4.0, 0.2)

        def report(fraction: float) -> None:
            self._repo.set_progress(track_id, worker_id, fraction)

        with SteadyProgress(report, idle_s=0.0) as starting:
            starting.step(0.0, ENGINE_STARTED)
            while not self._render.wait_warm(beat_s):
                try:
                    self._repo.heartbeat(track_id, worker_id, lease_s=self._lease_s)
                except Exception:  # the database is briefly away: the next beat tries again
                    log.warning("heartbeat of track %s failed; retrying", track_id, exc_info=True)

    def _wait(self, future: Future, track_id: str, worker_id: str) -> TrackOutcome:
        beat_s = max(self._lease_s / 4.0, 0.2)
        while True:
            try:
                return future.result(timeout=beat_s)
            except TimeoutError:
                try:
                    self._repo.heartbeat(track_id, worker_id, lease_s=self._lease_s)
                except Exception:  # the database is briefly away (restart, killed connection): next beat
                    log.warning("heartbeat of track %s failed; retrying", track_id, exc_info=True)

    def _retry_or_fail(self, track: Track, worker_id: str, reason: str) -> None:
        if track.attempts >= self._max_attempts:
            self._repo.fail(track.id, worker_id, f"{reason} ({track.attempts} attempts)")
        elif self._repo.release(track.id, worker_id) and self._on_released is not None:
            self._on_released(track.id)

    def _publish(self, track: Track, worker_id: str, staging: Path, outcome: TrackOutcome) -> None:
        try:
            self._files.publish(track.id, staging)
        except Exception:  # storage unreachable: give the job back rather than lose it
            log.exception("publishing track %s failed", track.id)
            self._files.discard(staging)
            self._retry_or_fail(track, worker_id, "the track storage could not be written")
            return
        if self._with_retries(lambda: self._repo.complete(track.id, worker_id, outcome)):
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

    @staticmethod
    def _with_retries(step: Callable[[], bool], attempts: int = 5) -> bool:
        """``step()``, tried again when the database connection drops (a killed backend, a failover):
        the files are published, only the row's update remains."""
        import time

        for attempt in range(attempts):
            try:
                return step()
            except Exception:
                if attempt == attempts - 1:
                    raise
                log.warning("database step failed; retrying", exc_info=True)
                time.sleep(0.5 * 2**attempt)
        return False
