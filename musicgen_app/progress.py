"""Progress that keeps moving: real fractions passed on, and a heartbeat inside steps that report none.

Most of a job reports its own progress (parts rendered, frames encoded). A few steps cannot: a loudness
analysis or a convolution is one library call. Without help, a progress bar then sits at one value for
seconds and reads as a hang. :class:`SteadyProgress` passes every real fraction on, and while none
arrives it eases the value toward the end of the current step (:meth:`SteadyProgress.step`), never
reaching it, so the next real report is always ahead of the estimate and the value never goes back.

Reports from the heartbeat thread that raise (a job whose lease is lost) are kept and raised again in the
job's own thread on its next report or when the job leaves the ``with`` block.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from .engines.base import ProgressFn

__all__ = ["SteadyProgress", "SummedProgress"]

#: How often the heartbeat looks at the value, and how long a step may stay silent before it eases on.
_TICK_S = 0.25
_IDLE_S = 0.3
#: The share of the distance to the step's end covered per tick while eased: at this rate a step that
#: takes eight times longer than its silence threshold still moves a whole percent every two seconds.
_EASE_PER_TICK = 0.06
#: The most one tick may add (1.6 % a second at the default tick): in a long step (the engine's) the
#: estimate must not run far ahead of the work, or the real reports that follow would all be behind it.
_EASE_MAX_PER_TICK = 0.004


class SteadyProgress:
    """A monotonic :data:`ProgressFn` over ``report`` with a heartbeat; use it as a context manager.

    Parameters
    ----------
    report : called with fractions 0..1, increasing, from the job's thread or the heartbeat thread
        (never both at once).
    tick_s, idle_s : heartbeat period, and the silence after which the value eases on (seconds).
    """

    def __init__(self, report: ProgressFn, *, tick_s: float = _TICK_S, idle_s: float = _IDLE_S) -> None:
        if tick_s <= 0 or idle_s < 0:
            raise ValueError(f"tick_s must be > 0 and idle_s >= 0, got {tick_s}, {idle_s}")
        self._report = report
        self._tick_s, self._idle_s = tick_s, idle_s
        self._lock = threading.Lock()
        self._value = 0.0
        self._step_end = 0.0
        self._last_real = time.monotonic()
        self._failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def value(self) -> float:
        """The last fraction reported."""
        return self._value

    def __call__(self, fraction: float) -> None:
        """Report a real fraction (ignored when not ahead of the value already shown)."""
        self._raise_failure()
        with self._lock:
            self._last_real = time.monotonic()
            self._send(min(max(float(fraction), 0.0), 1.0))

    def step(self, start: float, end: float) -> None:
        """Enter a step that runs from ``start`` to ``end``: report ``start``, and ease toward ``end``
        while the step reports nothing of its own."""
        if not 0.0 <= start <= end <= 1.0:
            raise ValueError(f"a step needs 0 <= start <= end <= 1, got {start}, {end}")
        self(start)
        with self._lock:
            self._step_end = end

    def _send(self, fraction: float) -> None:
        # called with the lock held, so the job's thread and the heartbeat never report out of order
        if fraction <= self._value:
            return
        self._value = fraction
        self._report(fraction)

    def _beat(self) -> None:
        while not self._stop.wait(self._tick_s):
            with self._lock:
                quiet = time.monotonic() - self._last_real >= self._idle_s
                if not quiet or self._step_end <= self._value:
                    continue
                try:
                    gap = self._step_end - self._value
                    self._send(self._value + min(gap * _EASE_PER_TICK, _EASE_MAX_PER_TICK))
                except BaseException as exc:  # handed to the job's thread, which decides
                    self._failure = exc
                    return

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def __enter__(self) -> SteadyProgress:
        self._thread = threading.Thread(target=self._beat, name="progress-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if kind is None:
            self._raise_failure()


class SummedProgress:
    """Progress of several pieces of work done in parallel, weighted by their size (thread-safe).

    ``add(weight)`` gives each piece a callback taking that piece's own fraction done; ``report`` is told
    the weighted total, scaled into ``start..end``.
    """

    def __init__(self, report: ProgressFn, *, start: float = 0.0, end: float = 1.0) -> None:
        self._report, self._start, self._end = report, start, end
        self._lock = threading.Lock()
        self._weights: list[float] = []
        self._done: list[float] = []

    def add(self, weight: float) -> ProgressFn:
        """A callback for one more piece of ``weight`` (> 0) units of work."""
        if weight <= 0:
            raise ValueError(f"weight must be > 0, got {weight}")
        with self._lock:
            index = len(self._weights)
            self._weights.append(float(weight))
            self._done.append(0.0)
        return lambda fraction: self._update(index, fraction)

    def _update(self, index: int, fraction: float) -> None:
        with self._lock:
            self._done[index] = max(self._done[index], min(max(float(fraction), 0.0), 1.0))
            total = sum(w * d for w, d in zip(self._weights, self._done, strict=True)) / sum(self._weights)
            self._report(self._start + (self._end - self._start) * total)
