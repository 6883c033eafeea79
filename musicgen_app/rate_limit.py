"""A per-caller limit on the requests that make tracks, e.g. ``30/minute`` (a sliding window).

In memory, per process: with several web processes each enforces the limit on its own (issue 15's
shared store would lift that). Identities are API key ids, or client addresses when keys are off.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["RateLimit", "parse_rate_limit"]

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


def parse_rate_limit(setting: str) -> RateLimit | None:
    """``"30/minute"`` -> a limit; empty -> ``None`` (no limit).

    Raises
    ------
    ValueError
        Naming the setting and the form it must have.
    """
    setting = setting.strip().lower()
    if not setting:
        return None
    count_text, _, period = setting.partition("/")
    period = period.strip().removesuffix("s")
    if not count_text.strip().isdigit() or int(count_text) < 1 or period not in _PERIODS:
        raise ValueError(
            f"MUSICGEN_APP_RATE_LIMIT: must be COUNT/PERIOD with PERIOD one of {', '.join(_PERIODS)}, "
            f"got {setting!r}"
        )
    return RateLimit(int(count_text), _PERIODS[period])


@dataclass
class RateLimit:
    """At most ``count`` requests in any ``period_s`` seconds, per identity."""

    count: int
    period_s: float
    _seen: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def admit(self, identity: str, *, now: float | None = None) -> float | None:
        """Count one request of ``identity``: ``None`` when admitted, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(identity, deque())
            while times and times[0] <= now - self.period_s:
                times.popleft()
            if len(times) >= self.count:
                return max(times[0] + self.period_s - now, 0.0)
            times.append(now)
            if len(self._seen) > 100_000:  # forget idle callers rather than grow without bound
                idle = [k for k, v in self._seen.items() if not v or v[-1] <= now - self.period_s]
                for k in idle:
                    del self._seen[k]
            return None

    @staticmethod
    def retry_after_s(wait_s: float) -> int:
        return max(1, math.ceil(wait_s))
