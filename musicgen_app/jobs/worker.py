"""The local queue: worker threads that claim jobs from the tracks table and run them in render processes.

Each claim carries a lease that a heartbeat renews; a job whose worker died (crash, SIGKILL, restart) is
claimed again once its lease expires, up to ``max_attempts`` times, then marked failed with the reason.
On PostgreSQL several nodes can run these threads against one database (claims skip locked rows).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..engines.registry import EngineConfig
from ..store.tracks import TrackRepository
from ..track import Track
from .runner import JobRunner, RenderPool, new_worker_prefix, owner_is_dead

__all__ = ["RenderPool", "WorkerPool"]

log = logging.getLogger(__name__)


class WorkerPool:
    """``threads`` workers claiming jobs; ``wake()`` after a submit to start at once."""

    def __init__(
        self,
        repo: TrackRepository,
        files,
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
        self._repo, self._render = repo, render
        self._threads_wanted, self._lease_s = threads, lease_s
        self._max_attempts, self._poll_s = max_attempts, poll_s
        self._runner = JobRunner(
            repo,
            files,
            render,
            database_url=database_url,
            config=config,
            lease_s=lease_s,
            max_attempts=max_attempts,
            on_completed=on_completed,
        )
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._id_prefix = new_worker_prefix()

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
        return owner_is_dead(owner, self._id_prefix)

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
            self._runner.run(track, worker_id)
