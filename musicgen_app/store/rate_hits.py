"""The rate limit's sliding window, kept in the database every web process and node already shares.

A caller's admitted requests are rows; a request is admitted when fewer than the limit's count of them
fall inside the window. The count and the insert are one statement (``INSERT ... SELECT ... WHERE count <
limit``), after the caller's expired rows are deleted in the same transaction: on SQLite that delete takes
the database's single write lock first, so the count that follows is the newest one; on PostgreSQL a
transaction-scoped advisory lock per caller serialises the check (READ COMMITTED would let two inserts see
the same count). So N processes together admit at most ``count`` per window, never N times it.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session, sessionmaker

from ..rate_limit import RateLimit
from .models import RateHitRow

__all__ = ["RateHits"]


def _lock_key(identity: str) -> int:
    """A signed 64-bit advisory-lock key for ``identity`` (PostgreSQL's lock space is one bigint)."""
    return int.from_bytes(hashlib.sha256(b"rate:" + identity.encode()).digest()[:8], "big", signed=True)


class RateHits:
    """Admits or refuses requests against a :class:`RateLimit`, per caller, across processes."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._swept_at = float("-inf")

    def admit(self, identity: str, limit: RateLimit, *, now: float | None = None) -> float | None:
        """Count one request of ``identity``: ``None`` when admitted, else the seconds until it would be.

        ``now`` is seconds since the epoch (default: the wall clock, which all nodes share).
        """
        now = time.time() if now is None else now
        since = now - limit.period_s
        if now - self._swept_at >= limit.period_s:
            self._sweep(since)
            self._swept_at = now
        with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(identity)})
            session.execute(
                delete(RateHitRow).where((RateHitRow.identity == identity) & (RateHitRow.at <= since))
            )
            if self._insert_if_under(session, identity, now, since, limit.count):
                return None
            oldest = session.execute(
                select(func.min(RateHitRow.at)).where(
                    (RateHitRow.identity == identity) & (RateHitRow.at > since)
                )
            ).scalar_one_or_none()
        return max((oldest if oldest is not None else now) + limit.period_s - now, 0.0)

    def _sweep(self, since: float) -> None:
        """Forget every caller's expired hits (at most once a window per process): a caller that never
        calls again would otherwise leave its rows behind for good."""
        with self._sessions.begin() as session:
            session.execute(delete(RateHitRow).where(RateHitRow.at <= since))

    def count(self) -> int:
        """Rows kept (all callers): what the sweep keeps bounded."""
        with self._sessions() as session:
            return session.execute(select(func.count()).select_from(RateHitRow)).scalar_one()

    @staticmethod
    def _insert_if_under(session: Session, identity: str, now: float, since: float, count: int) -> bool:
        table = RateHitRow.__table__
        inside = (
            select(func.count())
            .select_from(table)
            .where((table.c.identity == identity) & (table.c.at > since))
            .scalar_subquery()
        )
        row = select(
            literal(identity, type_=table.c.identity.type).label("identity"),
            literal(now, type_=table.c.at.type).label("at"),
        ).where(inside < count)
        statement = insert(table).from_select(["identity", "at"], row).returning(table.c.id)
        return session.execute(statement).scalar_one_or_none() is not None
