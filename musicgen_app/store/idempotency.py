"""Idempotency keys (Stripe's semantics): the same key with the same body gives the same track; with
another body it is refused; keys are remembered for 24 hours.

The first request with a key reserves it (an INSERT that the primary key makes exclusive); a concurrent
second request finds the reservation and waits for the first to name its track. A request that fails
(bad input, full queue) releases its reservation, so a retry is judged afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from ..errors import ErrorDetail, InvalidRequest
from ..track import Track, utc_now
from .models import IdempotencyRow

__all__ = ["KEPT", "IdempotencyKeys", "check_key"]

KEPT = dt.timedelta(hours=24)
#: How long a second request waits for the first one with its key to make the track.
_WAIT_S = 30.0
_HEADER = "Idempotency-Key"


def check_key(key: str) -> str:
    """``key`` if it is 1-255 printable ASCII characters, else a 422 naming the header."""
    if not 1 <= len(key) <= 255 or not all(" " < c <= "~" for c in key):
        raise InvalidRequest(
            f"{_HEADER}: must be 1 to 255 printable ASCII characters without spaces",
            details=[ErrorDetail(_HEADER, "must be 1 to 255 printable ASCII characters without spaces")],
        )
    return key


def body_digest(body: Any) -> str:
    """A digest of a JSON body that ignores key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeys:
    """Reservations of idempotency keys, per API key (``owner``)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def run(
        self, owner: str | None, key: str, body: Any, make: Callable[[], Track], get: Callable[[str], Track]
    ) -> tuple[Track, bool]:
        """``(track, made_now)``: the track ``make()`` made for the first request with ``key``.

        Raises
        ------
        InvalidRequest
            The key was used with another body (422 naming the header).
        """
        tracks, made_now = self.run_many(owner, key, body, lambda: [make()], get)
        return tracks[0], made_now

    def run_many(
        self,
        owner: str | None,
        key: str,
        body: Any,
        make: Callable[[], list[Track]],
        get: Callable[[str], Track],
    ) -> tuple[list[Track], bool]:
        """As :meth:`run`, for a request that makes several tracks (variations): all of them, in order."""
        owner_name, digest = owner or "", body_digest(body)
        self._forget_expired()
        if self._reserve(owner_name, key, digest):
            try:
                tracks = make()
            except BaseException:
                self._release(owner_name, key)
                raise
            with self._sessions.begin() as session:
                session.execute(
                    update(IdempotencyRow)
                    .where((IdempotencyRow.owner == owner_name) & (IdempotencyRow.key == key))
                    .values(track_id=",".join(t.id for t in tracks))
                )
            return tracks, True
        return [get(i) for i in self._wait_for_track(owner_name, key, digest).split(",")], False

    def _reserve(self, owner: str, key: str, digest: str) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(IdempotencyRow(owner=owner, key=key, body_sha256=digest, created_at=utc_now()))
        except IntegrityError:
            return False
        return True

    def _wait_for_track(self, owner: str, key: str, digest: str) -> str:
        deadline = time.monotonic() + _WAIT_S
        while True:
            with self._sessions() as session:
                row = session.get(IdempotencyRow, {"owner": owner, "key": key})
            if row is None:  # the first request failed and let go of the key: this one may retry
                raise InvalidRequest(
                    f"{_HEADER}: the first request with this key failed; send the request again",
                    details=[ErrorDetail(_HEADER, "its first request failed; retry")],
                )
            if row.body_sha256 != digest:
                raise InvalidRequest(
                    f"{_HEADER}: this key was already used with another body",
                    details=[ErrorDetail(_HEADER, "was already used with another body")],
                )
            if row.track_id is not None:
                return row.track_id
            if time.monotonic() > deadline:
                raise InvalidRequest(
                    f"{_HEADER}: the first request with this key is still running; retry shortly",
                    details=[ErrorDetail(_HEADER, "its first request is still running")],
                )
            time.sleep(0.05)

    def _release(self, owner: str, key: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(IdempotencyRow).where((IdempotencyRow.owner == owner) & (IdempotencyRow.key == key))
            )

    def _forget_expired(self) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < utc_now() - KEPT))
