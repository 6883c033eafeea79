"""The Track: a stored generation and its state, as a frozen value the adapters read."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import NotFound

__all__ = ["STATUSES", "Track", "TrackStatus", "check_track_id", "new_track_id"]

STATUSES = ("pending", "processing", "completed", "failed")
TrackStatus = str
_TRACK_ID = re.compile(r"^[0-9a-f]{32}$")


def new_track_id() -> str:
    """A fresh random track id (32 lowercase hex characters)."""
    import uuid

    return uuid.uuid4().hex


def check_track_id(track_id: str) -> str:
    """Return ``track_id`` if it has the shape of an id, else raise :class:`NotFound`.

    Called before any storage is touched, so no path or query is ever built from arbitrary input.
    """
    if not isinstance(track_id, str) or not _TRACK_ID.fullmatch(track_id):
        raise NotFound("no track with that id")
    return track_id


@dataclass(frozen=True)
class Track:
    """One track as stored. ``files`` maps ``mix``, the stem names, ``waveform`` and ``midi`` to paths
    relative to the track's directory; it is empty until the track is completed."""

    id: str
    status: TrackStatus
    prompt: str
    duration_s: int
    genre: str
    tempo_bpm: int
    key: str
    output_format: str
    seed: int
    engine_requested: str
    created_at: dt.datetime
    plan: dict[str, Any]
    engine: str | None = None
    engine_version: str | None = None
    model: str | None = None
    license: str | None = None
    progress: float = 0.0
    attempts: int = 0
    error: str | None = None
    notices: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    sections: tuple[tuple[str, float], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"
