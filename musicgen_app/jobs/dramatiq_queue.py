"""The Dramatiq queue: web nodes send "track X may be ready to run"; worker nodes claim the row and run it.

The database stays the truth. A message carries only a track id; the actor claims that row with the same
lease as the local queue (:meth:`TrackRepository.claim`), so a message delivered twice, or for a track
already claimed or finished, does nothing, and a half-done attempt starts clean. Dramatiq's own retries
are off: a failed render is retried by the runner, a dead worker's job by its expired lease.

A reconciler thread in every worker process wins the chore at most once per period across all nodes
(``job_locks``) and re-sends messages for tracks that wait for one that will never come: pending tracks
whose message is old (a broker restarted empty) and jobs whose lease expired (their worker died).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import dramatiq
from dramatiq.middleware import default_middleware

from ..store.tracks import TrackRepository
from .runner import new_worker_prefix, owner_is_dead

__all__ = ["DramatiqQueue", "Reconciler", "make_broker"]

log = logging.getLogger(__name__)

ACTOR_NAME = "run_track"
QUEUE_NAME = "musicgen_tracks"
#: Dramatiq's time limit per message; a render is bounded by its lease and the engines, not by this.
_TIME_LIMIT_MS = 6 * 3600 * 1000
#: An idle Redis consumer polls with a backoff up to this (Dramatiq's default, 1 s, made a lone track wait
#: about 0.3 s for pickup; 200 ms costs an idle worker process five small Redis calls a second).
_IDLE_POLL_MS = 200
#: A Redis broker's consumer that stops beating for this long has its unacknowledged messages re-queued.
_REDIS_HEARTBEAT_MS = 15_000


def make_broker(url: str, *, namespace: str) -> dramatiq.Broker:
    """Dramatiq's Redis broker (``redis://``; keys under ``namespace``) or its RabbitMQ one (``amqp://``)."""
    scheme = urlsplit(url).scheme
    middleware = [m() for m in default_middleware]
    if scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(
            url=url, namespace=namespace, middleware=middleware, heartbeat_timeout=_REDIS_HEARTBEAT_MS
        )
    if scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware, confirm_delivery=True)
    raise ValueError(f"the broker URL must be redis:// or amqp://, not {scheme or url!r}://")


class DramatiqQueue:
    """Sends job messages, and (on worker nodes) runs them with ``run(track_id, worker_id)``."""

    name = "dramatiq"

    def __init__(
        self, broker: dramatiq.Broker, repo: TrackRepository, *, queue_name: str = QUEUE_NAME
    ) -> None:
        self.broker = broker
        self._repo = repo
        self._run: Callable[[str, str], None] | None = None
        self._prefix = new_worker_prefix()
        self.actor = dramatiq.actor(
            self._receive,
            broker=broker,
            actor_name=ACTOR_NAME,
            queue_name=queue_name,
            max_retries=0,
            time_limit=_TIME_LIMIT_MS,
        )
        self._worker: dramatiq.Worker | None = None

    @property
    def worker_prefix(self) -> str:
        return self._prefix

    def send(self, track_ids: list[str]) -> int:
        """Send a message per track; returns how many went out (a broker that is down loses none: the
        tracks stay pending, and the reconciler sends again)."""
        sent = []
        for track_id in track_ids:
            try:
                self.actor.send(track_id)
            except Exception:
                log.warning("could not enqueue track %s; the reconciler will", track_id, exc_info=True)
                break
            sent.append(track_id)
        try:
            self._repo.mark_enqueued(sent)
        except Exception:  # the messages went; only the note of when is lost (at worst, sent once more)
            log.warning("could not note the enqueue of %d track(s)", len(sent), exc_info=True)
        return len(sent)

    def _receive(self, track_id: str) -> None:
        if self._run is None:  # a web-only node never consumes; guard against misconfiguration
            raise RuntimeError("this process does not run jobs")
        self._run(track_id, f"{self._prefix}:{threading.get_native_id()}")

    def start_worker(self, run: Callable[[str, str], None], *, threads: int) -> None:
        """Consume messages in ``threads`` threads of this process, each handed to ``run``."""
        self._run = run
        self._worker = dramatiq.Worker(
            self.broker,
            queues={self.actor.queue_name},
            worker_threads=threads,
            worker_timeout=_IDLE_POLL_MS,
        )
        # one message in hand per thread: a message never waits behind a long render while another
        # worker is idle
        self._worker.queue_prefetch = threads
        self._worker.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout_s * 1000))
            self._worker = None
        self.broker.close()

    def check(self) -> str | None:
        """``None`` when the broker answers, else why not."""
        try:
            client = getattr(self.broker, "client", None)
            if client is not None:  # Redis
                client.ping()
            else:  # RabbitMQ: this thread's connection, opened if need be, must serve a round trip
                self.broker.connection.process_data_events(time_limit=0)
        except Exception as exc:
            return f"the broker does not answer ({type(exc).__name__})"
        return None


class Reconciler:
    """Re-sends lost messages, once per period across all nodes; runs in a thread of each worker."""

    def __init__(
        self,
        repo: TrackRepository,
        queue: DramatiqQueue,
        *,
        period_s: float,
        requeue_after_s: float,
        max_attempts: int,
        sweep: Callable[[], int] | None = None,
    ) -> None:
        self._repo, self._queue = repo, queue
        self._period_s, self._requeue_after_s = period_s, requeue_after_s
        self._max_attempts = max_attempts
        self._sweep = sweep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="musicgen-reconciler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        try:
            self._repo.expire_leases(lambda owner: owner_is_dead(owner, self._queue.worker_prefix))
        except Exception:
            log.exception("could not recover the jobs of dead workers on this host")
        while not self._stop.wait(self._period_s):
            try:
                self.run_once()
            except Exception:  # the database or broker is away: the next period tries again
                log.exception("reconciling failed")

    def run_once(self) -> int:
        """If this node wins the period: fail exhausted jobs, re-send what waits; returns how many."""
        holder = self._queue.worker_prefix
        if not self._repo.try_lead("reconcile", holder, period_s=self._period_s * 0.9):
            return 0
        self._repo.fail_exhausted(max_attempts=self._max_attempts)
        waiting = self._repo.needing_a_message(
            older_than_s=self._requeue_after_s, max_attempts=self._max_attempts
        )
        sent = self._queue.send(waiting) if waiting else 0
        if sent:
            log.info("reconciler: re-sent %d job message(s)", sent)
        if self._sweep is not None and self._repo.try_lead("sweep-staging", holder, period_s=3600.0):
            self._sweep()
        return sent
