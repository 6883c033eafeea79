"""The track repository: every read and write of track rows, including the job-queue operations.

The queue lives in the same table: a job is a track whose status is ``pending``, or ``processing`` with an
expired lease (its worker died). Claiming is a single UPDATE, atomic in SQLite and safe across processes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Text, cast, func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InsufficientStorage, NotFound, QueueFull
from ..track import Track, TrackOutcome
from .models import JobLockRow, TrackRow, utc_now

__all__ = ["TrackRepository", "row_to_track"]

_TRACK_FIELDS = [f for f in Track.__dataclass_fields__ if f not in ("notices", "sections")]
#: Any fixed number: names the advisory lock that serialises queue-limit checks on PostgreSQL.
_QUEUE_LOCK_KEY = 0x6D75_7369


def _is_disk_full(exc: OperationalError) -> bool:
    text_ = str(exc.orig).lower()
    return "disk is full" in text_ or "no space left" in text_ or "could not extend file" in text_


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


def _runnable(now: dt.datetime, max_attempts: int) -> Any:
    """A job a worker may take: pending, or processing with an expired lease, with attempts left."""
    return (
        (TrackRow.status == "pending")
        | ((TrackRow.status == "processing") & (TrackRow.lease_expires_at < now))
    ) & (TrackRow.attempts < max_attempts)


def row_to_track(row: TrackRow) -> Track:
    values: dict[str, Any] = {name: getattr(row, name) for name in _TRACK_FIELDS}
    values["notices"] = tuple(row.notices or ())
    values["sections"] = tuple((str(n), float(t)) for n, t in (row.sections or ()))
    values["files"] = dict(row.files or {})
    values["details"] = dict(row.details or {})
    values["edit"] = dict(row.edit or {})
    return Track(**values)


class TrackRepository:
    """Reads and writes tracks. Methods open their own short transactions."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def add(self, track: Track, *, max_waiting: int | None = None) -> Track:
        """Insert a new pending track; with ``max_waiting``, only while fewer tracks than that are pending.

        The count and the insert are one statement (``INSERT ... SELECT ... WHERE count < max``), which a
        database runs atomically, so concurrent submits can never push the queue past its limit; on
        PostgreSQL a transaction-scoped advisory lock serialises the check as well (READ COMMITTED would
        let two inserts see the same count).

        Raises
        ------
        QueueFull
            When ``max_waiting`` tracks are already pending.
        InsufficientStorage
            When the database cannot grow (disk full).
        """
        values = {name: getattr(track, name) for name in _TRACK_FIELDS}
        values.update(notices=list(track.notices), sections=list(track.sections), updated_at=utc_now())
        try:
            with self._sessions.begin() as session:
                if max_waiting is None:
                    session.add(TrackRow(**values))
                    added = True
                else:
                    added = self._insert_if_room(session, values, max_waiting)
        except OperationalError as exc:
            if _is_disk_full(exc):
                raise InsufficientStorage("the server is out of disk space; try again later") from None
            raise
        if not added:
            raise QueueFull(f"{max_waiting} tracks are already waiting; try again shortly")
        return self.get(track.id)

    @staticmethod
    def _insert_if_room(session: Session, values: dict[str, Any], max_waiting: int) -> bool:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _QUEUE_LOCK_KEY})
        table = TrackRow.__table__
        waiting = select(func.count()).select_from(table).where(table.c.status == "pending").scalar_subquery()
        row = [literal(value, type_=table.c[name].type).label(name) for name, value in values.items()]
        statement = (
            insert(table)
            .from_select(list(values), select(*row).where(waiting < max_waiting))
            .returning(table.c.id)
        )
        # RETURNING, not rowcount: psycopg does not report a row count for INSERT ... SELECT here
        return session.execute(statement).scalar_one_or_none() is not None

    def get(self, track_id: str) -> Track:
        with self._sessions() as session:
            row = session.get(TrackRow, track_id)
            if row is None:
                raise NotFound(f"no track with id {track_id}")
            return row_to_track(row)

    def list(
        self, *, limit: int, offset: int, status: str | None = None, owner: str | None = None
    ) -> tuple[list[Track], int]:
        """Tracks newest first, and the total count; only ``owner``'s when given."""
        with self._sessions() as session:
            query = select(TrackRow)
            count_query = select(func.count()).select_from(TrackRow)
            if status:
                query = query.where(TrackRow.status == status)
                count_query = count_query.where(TrackRow.status == status)
            if owner is not None:
                query = query.where(TrackRow.owner == owner)
                count_query = count_query.where(TrackRow.owner == owner)
            rows = session.scalars(
                query.order_by(TrackRow.created_at.desc(), TrackRow.id).limit(limit).offset(offset)
            ).all()
            return [row_to_track(r) for r in rows], session.scalar(count_query) or 0

    def children(self, parent_id: str, *, limit: int, owner: str | None = None) -> list[Track]:
        """The tracks made from ``parent_id``, oldest first (at most ``limit``; the ``parent_id`` index
        finds them however many tracks the store holds); only ``owner``'s when given."""
        with self._sessions() as session:
            query = select(TrackRow).where(TrackRow.parent_id == parent_id)
            if owner is not None:
                query = query.where(TrackRow.owner == owner)
            rows = session.scalars(query.order_by(TrackRow.created_at, TrackRow.id).limit(limit)).all()
            return [row_to_track(r) for r in rows]

    def delete(self, track_id: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(TrackRow, track_id)
            if row is None:
                raise NotFound(f"no track with id {track_id}")
            session.delete(row)

    def cancel(self, track_id: str) -> bool:
        """Mark a pending or processing track ``cancelled`` (its worker's next write fails, and it drops
        its work); ``False`` when the track's job had already ended."""
        stmt = (
            update(TrackRow)
            .where((TrackRow.id == track_id) & TrackRow.status.in_(("pending", "processing")))
            .values(status="cancelled", lease_owner=None, lease_expires_at=None, updated_at=utc_now())
        )
        with self._sessions.begin() as session:
            return (session.execute(stmt).rowcount or 0) == 1

    def count_waiting(self) -> int:
        with self._sessions() as session:
            query = select(func.count()).select_from(TrackRow).where(TrackRow.status == "pending")
            return session.scalar(query) or 0

    # -- queue operations ------------------------------------------------------------------------

    def claim_next(self, worker_id: str, *, lease_s: float, max_attempts: int) -> Track | None:
        """Atomically take the oldest runnable job for ``worker_id``; ``None`` when there is none.

        On PostgreSQL the candidate row is picked ``FOR UPDATE SKIP LOCKED``: concurrent claimers each
        take another row instead of queueing on the same one (SQLite has one writer at a time anyway).
        """
        runnable = (
            select(TrackRow.id)
            .where(_runnable(utc_now(), max_attempts))
            .order_by(TrackRow.created_at, TrackRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return self._claim(TrackRow.id == runnable, worker_id, lease_s)

    def claim(self, track_id: str, worker_id: str, *, lease_s: float, max_attempts: int) -> Track | None:
        """Take the job of ``track_id`` if it is runnable (pending, or its lease expired); else ``None``.

        Idempotent for a message delivered twice: the second claim finds the row held or finished.
        """
        runnable = (
            select(TrackRow.id)
            .where((TrackRow.id == track_id) & _runnable(utc_now(), max_attempts))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return self._claim(TrackRow.id == runnable, worker_id, lease_s)

    def _claim(self, where: Any, worker_id: str, lease_s: float) -> Track | None:
        now = utc_now()
        claim = (
            update(TrackRow)
            .where(where)
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

    def mark_enqueued(self, track_ids: list[str]) -> None:
        """Note that a message for each of ``track_ids`` was just sent."""
        if not track_ids:
            return
        stmt = update(TrackRow).where(TrackRow.id.in_(track_ids)).values(enqueued_at=utc_now())
        with self._sessions.begin() as session:
            session.execute(stmt)

    def needing_a_message(self, *, older_than_s: float, max_attempts: int, limit: int = 500) -> list[str]:
        """Ids of tracks that may wait for a message that will never come, oldest first.

        Pending tracks whose last message is older than ``older_than_s`` (or that never had one: a web
        node died between insert and send), and jobs whose lease expired (their worker died).
        """
        now = utc_now()
        cutoff = now - dt.timedelta(seconds=older_than_s)
        not_sent_lately = (TrackRow.enqueued_at < cutoff) | (
            TrackRow.enqueued_at.is_(None) & (TrackRow.created_at < cutoff)
        )
        query = (
            select(TrackRow.id)
            .where(_runnable(now, max_attempts) & not_sent_lately)
            .order_by(TrackRow.created_at, TrackRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return list(session.scalars(query).all())

    def try_lead(self, chore: str, holder: str, *, period_s: float) -> bool:
        """Whether ``holder`` wins ``chore`` for the next ``period_s`` (one winner per period, any node)."""
        now = utc_now()
        take = (
            update(JobLockRow)
            .where((JobLockRow.name == chore) & (JobLockRow.held_until < now))
            .values(held_until=now + dt.timedelta(seconds=period_s), holder=holder)
        )
        with self._sessions.begin() as session:
            if (session.execute(take).rowcount or 0) == 1:
                return True
            if session.get(JobLockRow, chore) is not None:
                return False
        try:  # the first period ever: the row does not exist yet; the insert decides
            with self._sessions.begin() as session:
                held = now + dt.timedelta(seconds=period_s)
                session.add(JobLockRow(name=chore, held_until=held, holder=holder))
        except IntegrityError:
            return False
        return True

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

    def check(self) -> str | None:
        """``None`` when the tracks table can really be read (every page of it), else what went wrong.

        ``SELECT 1`` would answer on a database whose pages are corrupt; counting and reading the newest
        rows walks the table and its index.
        """
        try:
            with self._sessions() as session:
                session.scalar(select(func.count()).select_from(TrackRow))
                session.scalars(select(TrackRow).order_by(TrackRow.created_at.desc()).limit(5)).all()
                session.scalar(select(func.sum(func.length(cast(TrackRow.plan, Text)))).select_from(TrackRow))
        except Exception as exc:  # any failure to read is the answer, not a crash of the health check
            return f"the database cannot be read ({type(exc).__name__})"
        return None

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(TrackRow)) or 0
