"""The track repository: every read and write of track rows, including the job-queue operations.

The queue lives in the same table: a job is a track whose status is ``pending``, or ``processing`` with an
expired lease (its worker died). Claiming is a single UPDATE, atomic in SQLite and safe across processes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import sessionmaker

from ..errors import NotFound
from ..track import Track, TrackOutcome
from .models import TrackRow, utc_now

__all__ = ["TrackRepository"]

_TRACK_FIELDS = [f for f in Track.__dataclass_fields__ if f not in ("notices", "sections")]


def _json_safe(value: Any) -> Any:
    """Engine facts as plain JSON values (numpy scalars become numbers, anything else its text)."""

    def fallback(item: Any) -> Any:
        return item.item() if hasattr(item, "item") else str(item)

    return json.loads(json.dumps(value, default=fallback))


def _outcome_values(outcome: TrackOutcome) -> dict[str, Any]:
    """The row's columns for what a job produced (tuples as JSON lists)."""
    values = outcome.fields()
    values["notices"] = list(outcome.notices)
    values["sections"] = [list(section) for section in outcome.sections]
    values["details"] = _json_safe(outcome.details)
    return values


def _to_track(row: TrackRow) -> Track:
    values: dict[str, Any] = {name: getattr(row, name) for name in _TRACK_FIELDS}
    values["notices"] = tuple(row.notices or ())
    values["sections"] = tuple((str(n), float(t)) for n, t in (row.sections or ()))
    values["files"] = dict(row.files or {})
    values["details"] = dict(row.details or {})
    return Track(**values)


class TrackRepository:
    """Reads and writes tracks. Methods open their own short transactions."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def add(self, track: Track) -> Track:
        """Insert a new pending track."""
        with self._sessions.begin() as session:
            session.add(
                TrackRow(
                    **{name: getattr(track, name) for name in _TRACK_FIELDS},
                    notices=list(track.notices),
                    sections=list(track.sections),
                )
            )
        return self.get(track.id)

    def get(self, track_id: str) -> Track:
        with self._sessions() as session:
            row = session.get(TrackRow, track_id)
            if row is None:
                raise NotFound(f"no track with id {track_id}")
            return _to_track(row)

    def list(self, *, limit: int, offset: int, status: str | None = None) -> tuple[list[Track], int]:
        """Tracks newest first, and the total count."""
        with self._sessions() as session:
            query = select(TrackRow)
            count_query = select(func.count()).select_from(TrackRow)
            if status:
                query = query.where(TrackRow.status == status)
                count_query = count_query.where(TrackRow.status == status)
            rows = session.scalars(
                query.order_by(TrackRow.created_at.desc(), TrackRow.id).limit(limit).offset(offset)
            ).all()
            return [_to_track(r) for r in rows], session.scalar(count_query) or 0

    def delete(self, track_id: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(TrackRow, track_id)
            if row is None:
                raise NotFound(f"no track with id {track_id}")
            session.delete(row)

    def count_waiting(self) -> int:
        with self._sessions() as session:
            query = select(func.count()).select_from(TrackRow).where(TrackRow.status == "pending")
            return session.scalar(query) or 0

    # -- queue operations ------------------------------------------------------------------------

    def claim_next(self, worker_id: str, *, lease_s: float, max_attempts: int) -> Track | None:
        """Atomically take the oldest runnable job for ``worker_id``; ``None`` when there is none."""
        now = utc_now()
        runnable = (
            select(TrackRow.id)
            .where(
                (
                    (TrackRow.status == "pending")
                    | ((TrackRow.status == "processing") & (TrackRow.lease_expires_at < now))
                )
                & (TrackRow.attempts < max_attempts)
            )
            .order_by(TrackRow.created_at, TrackRow.id)
            .limit(1)
            .scalar_subquery()
        )
        claim = (
            update(TrackRow)
            .where(TrackRow.id == runnable)
            .values(
                status="processing",
                lease_owner=worker_id,
                progress=0.0,
                lease_expires_at=now + dt.timedelta(seconds=lease_s),
                attempts=TrackRow.attempts + 1,
                started_at=now,
                updated_at=now,
            )
            .returning(TrackRow.id)
        )
        with self._sessions.begin() as session:
            claimed = session.execute(claim).scalar_one_or_none()
        return None if claimed is None else self.get(claimed)

    def expire_leases(self, is_dead_owner: Callable[[str], bool]) -> int:
        """End now the leases of jobs whose worker is known to be dead; returns how many.

        Without this a job interrupted by a restart waits for its lease to run out before it is retried.
        """
        with self._sessions() as session:
            held = session.execute(
                select(TrackRow.id, TrackRow.lease_owner).where(TrackRow.status == "processing")
            ).all()
        expired = 0
        for track_id, owner in held:
            if owner and is_dead_owner(owner):
                stmt = (
                    update(TrackRow)
                    .where((TrackRow.id == track_id) & (TrackRow.lease_owner == owner))
                    .values(lease_expires_at=utc_now() - dt.timedelta(seconds=1))
                )
                with self._sessions.begin() as session:
                    expired += session.execute(stmt).rowcount or 0
        return expired

    def fail_exhausted(self, *, max_attempts: int) -> int:
        """Mark jobs that were interrupted ``max_attempts`` times as failed; returns how many."""
        now = utc_now()
        stmt = (
            update(TrackRow)
            .where(
                (TrackRow.status == "processing")
                & (TrackRow.lease_expires_at < now)
                & (TrackRow.attempts >= max_attempts)
            )
            .values(
                status="failed",
                lease_owner=None,
                lease_expires_at=None,
                updated_at=now,
                error=f"the job was interrupted {max_attempts} times (worker crash or restart)",
            )
        )
        with self._sessions.begin() as session:
            return session.execute(stmt).rowcount or 0

    def _update_leased(self, track_id: str, worker_id: str, **values: Any) -> bool:
        """Update a job only while ``worker_id`` still holds it (a stale worker changes nothing)."""
        stmt = (
            update(TrackRow)
            .where(
                (TrackRow.id == track_id)
                & (TrackRow.lease_owner == worker_id)
                & (TrackRow.status == "processing")
            )
            .values(updated_at=utc_now(), **values)
        )
        with self._sessions.begin() as session:
            return (session.execute(stmt).rowcount or 0) == 1

    def heartbeat(self, track_id: str, worker_id: str, *, lease_s: float) -> bool:
        expires = utc_now() + dt.timedelta(seconds=lease_s)
        return self._update_leased(track_id, worker_id, lease_expires_at=expires)

    def set_progress(self, track_id: str, worker_id: str, progress: float) -> bool:
        return self._update_leased(track_id, worker_id, progress=round(min(max(progress, 0.0), 1.0), 4))

    def complete(self, track_id: str, worker_id: str, outcome: TrackOutcome) -> bool:
        """Store ``outcome`` and mark the track completed, if ``worker_id`` still holds it."""
        return self._update_leased(
            track_id,
            worker_id,
            status="completed",
            progress=1.0,
            lease_owner=None,
            lease_expires_at=None,
            completed_at=utc_now(),
            error=None,
            **_outcome_values(outcome),
        )

    def fail(self, track_id: str, worker_id: str, error: str) -> bool:
        return self._update_leased(
            track_id,
            worker_id,
            status="failed",
            lease_owner=None,
            lease_expires_at=None,
            error=error,
            files={},
        )

    def release(self, track_id: str, worker_id: str) -> bool:
        """Give a job back to the queue (to be retried) without waiting for its lease to expire."""
        return self._update_leased(
            track_id,
            worker_id,
            status="pending",
            lease_owner=None,
            lease_expires_at=None,
            progress=0.0,
        )

    def ping(self) -> bool:
        with self._sessions() as session:
            return session.execute(text("SELECT 1")).scalar() == 1
