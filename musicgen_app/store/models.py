"""SQLAlchemy 2 models: one row per track, holding the contract's fields and the job's state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..track import utc_now

__all__ = ["Base", "JobLockRow", "RateHitRow", "TrackRow", "utc_now"]


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes, also on SQLite (which stores naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utc_now()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class TrackRow(Base):
    """A track and its job. ``files`` maps names (``mix``, ``vocals``...) to paths under the track dir."""

    __tablename__ = "tracks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    prompt: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[int] = mapped_column(Integer)
    genre: Mapped[str] = mapped_column(String(64))
    tempo_bpm: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    output_format: Mapped[str] = mapped_column(String(8))
    seed: Mapped[int] = mapped_column(Integer)
    engine_requested: Mapped[str] = mapped_column(String(16), default="auto")
    engine: Mapped[str | None] = mapped_column(String(16), default=None)
    engine_version: Mapped[str | None] = mapped_column(String(64), default=None)
    model: Mapped[str | None] = mapped_column(String(256), default=None)
    license: Mapped[str | None] = mapped_column(String(256), default=None)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    loudness_lufs: Mapped[float | None] = mapped_column(Float, default=None)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    owner: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    webhook_url: Mapped[str | None] = mapped_column(Text, default=None)
    #: When a message last said "this track may run" (Dramatiq queue); the reconciler re-sends old ones.
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    parent_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    operation: Mapped[str | None] = mapped_column(String(16), default=None)
    edit: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    __table_args__ = (
        Index("ix_tracks_status_created", "status", "created_at"),
        Index("ix_tracks_created", "created_at"),
    )


class IdempotencyRow(Base):
    """An ``Idempotency-Key`` a caller used: which body it came with and which track it made.

    ``track_id`` is empty while the first request with the key is still being answered.
    """

    __tablename__ = "idempotency_keys"

    owner: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when API keys are off
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    # the track it made, or the comma-separated tracks (up to 4 variations of 32 characters each)
    track_id: Mapped[str | None] = mapped_column(String(160), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


class WebhookDeliveryRow(Base):
    """One webhook message for a finished track, and how sending it went (one per track)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the message's webhook-id
    track_id: Mapped[str] = mapped_column(String(32), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending delivered failed refused
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utc_now, index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class JobLockRow(Base):
    """A named periodic chore and until when its current winner holds it (one winner per period).

    Nodes race with ``UPDATE ... WHERE held_until < now``: the one whose update changes the row runs
    the chore; the others skip this period. No lock is held across the chore, so a dead winner costs
    one period at most.
    """

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    held_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(128), default=None)


class RateHitRow(Base):
    """One admitted request of a rate-limited caller (an API key id, or a client address), at ``at``
    (seconds since the epoch, wall clock: every web process and node reads the same time).

    The rows of a caller inside the window are its count; older rows are removed as it calls again.
    """

    __tablename__ = "rate_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity: Mapped[str] = mapped_column(String(80))
    at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_rate_hits_identity_at", "identity", "at"),)
