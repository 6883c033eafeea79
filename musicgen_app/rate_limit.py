"""The rate limit setting, e.g. ``30/minute``: at most that many track-making requests per caller in any
window of that length (a sliding window).

This is the value only; the window itself lives in the database (``store/rate_hits.py``), so that every
web process and node on one database counts against one shared limit. Identities are API key ids, or
client addresses when keys are off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["RateLimit", "parse_rate_limit", "rate_identity"]

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


def rate_identity(owner: str | None, client: Any) -> str:
    """Whom a request counts against: its API key id, else its client's address (``client`` is
    anything with a ``host``, as Starlette and Gradio give it; ``None`` when unknown)."""
    if owner:
        return f"key:{owner}"
    return f"addr:{getattr(client, 'host', None) or 'unknown'}"


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


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests in any ``period_s`` seconds, per identity."""

    count: int
    period_s: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.period_s <= 0:
            raise ValueError(f"a rate limit needs count >= 1 and period_s > 0, got {self}")

    @staticmethod
    def retry_after_s(wait_s: float) -> int:
        """Whole seconds for ``Retry-After`` (at least 1: ``0`` would invite an immediate retry)."""
        return max(1, math.ceil(wait_s))
