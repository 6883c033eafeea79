"""Webhooks: when a track with a ``webhook_url`` is completed or failed, POST it there, signed.

Signed per the Standard Webhooks spec: headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` = ``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}`` with the secret
(``whsec_`` + base64 of its bytes). The database is the outbox: a dispatcher thread turns finished tracks
into deliveries (one per track, whichever process sees it first) and sends the ones that are due, with
backoff, for 24 hours. Before each attempt the target's host is resolved and every address checked: no
private, loopback or link-local target unless allowed, and the request goes to the address that was
checked (no second DNS answer can redirect it).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from ..errors import InvalidRequest
from ..store.models import TrackRow, WebhookDeliveryRow
from ..track import Track, utc_now

__all__ = ["WebhookDispatcher", "WebhookPolicy", "load_secret", "sign"]

log = logging.getLogger(__name__)

#: Wait before each retry; after the last, every 2 h until the message is a day old.
_BACKOFF_S = (5, 30, 120, 600, 1800, 3600)
_EVERY_S_AFTER = 7200
_GIVE_UP_AFTER = dt.timedelta(hours=24)
_TIMEOUT_S = 10.0
_POLL_S = 1.0


def load_secret(setting: str, data_dir: Path) -> bytes:
    """The signing key: from the setting (``whsec_`` + base64), else kept in ``data_dir/webhook_secret``
    (made once, readable by this user only), so signatures stay verifiable across restarts."""
    text = setting.strip()
    if not text:
        path = data_dir / "webhook_secret"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
            path.chmod(0o600)
            log.info("made a webhook signing secret in %s", path)
        text = path.read_text().strip()
    try:
        return base64.b64decode(text.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise ValueError("MUSICGEN_APP_WEBHOOK_SECRET: must be whsec_ followed by base64") from None


def sign(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class WebhookPolicy:
    """Which targets may be called."""

    allow_http: bool = False
    allow_private: bool = False

    def check_url(self, url: str) -> None:
        """At submit: the scheme (the address is checked again at every send)."""
        if urlsplit(url).scheme != "https" and not self.allow_http:
            raise InvalidRequest.for_field(
                "webhook_url", "must be https (http needs MUSICGEN_APP_WEBHOOK_ALLOW_HTTP on the server)"
            )

    def address_for(self, host: str, port: int) -> str:
        """The address to connect to, resolved now; refuses private targets unless allowed.

        Raises
        ------
        PermissionError
            With the reason, when a resolved address is not public (or nothing resolves).
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise PermissionError(f"{host} does not resolve ({exc.strerror})") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
        if not self.allow_private:
            for address in addresses:
                if not address.is_global or address.is_multicast:
                    raise PermissionError(f"{host} resolves to a non-public address ({address})")
        return str(addresses[0])


class WebhookDispatcher:
    """The outbox worker: one daemon thread per process; safe to run in many processes at once."""

    def __init__(
        self,
        sessions: sessionmaker,
        *,
        secret: bytes,
        policy: WebhookPolicy,
        public_json: Callable[[Track], dict[str, Any]],
        to_track: Callable[[TrackRow], Track],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._sessions, self._secret, self._policy = sessions, secret, policy
        self._public_json, self._to_track = public_json, to_track
        self._transport = transport
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="musicgen-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_TIMEOUT_S + 2)

    def deliveries(self, track_id: str) -> list[dict[str, Any]]:
        """What was sent for a track, for ``GET /v1/music/{id}/webhooks``."""
        with self._sessions() as session:
            rows = session.scalars(select(WebhookDeliveryRow).where(WebhookDeliveryRow.track_id == track_id))
            return [
                {
                    "id": row.id,
                    "event": row.event,
                    "url": row.url,
                    "status": row.status,
                    "attempts": row.attempts,
                    "last_status_code": row.last_status_code,
                    "last_error": row.last_error,
                    "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
                    "created_at": row.created_at,
                    "delivered_at": row.delivered_at,
                }
                for row in rows
            ]

    def run_once(self) -> None:
        """Queue deliveries for newly finished tracks, then send what is due (the loop's one step)."""
        self._queue_finished()
        for delivery_id in self._claim_due():
            self._send(delivery_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database may be briefly unavailable: try again next round
                log.exception("webhook dispatch failed")
            self._stop.wait(_POLL_S)

    def _queue_finished(self) -> None:
        queued = select(WebhookDeliveryRow.track_id)
        with self._sessions() as session:
            finished = session.execute(
                select(TrackRow.id, TrackRow.status, TrackRow.webhook_url).where(
                    TrackRow.webhook_url.is_not(None)
                    & TrackRow.status.in_(("completed", "failed"))
                    & TrackRow.id.not_in(queued)
                )
            ).all()
        for track_id, status, url in finished:
            try:
                with self._sessions.begin() as session:
                    session.add(
                        WebhookDeliveryRow(
                            id=f"msg_{uuid.uuid4().hex}",
                            track_id=track_id,
                            event=f"track.{status}",
                            url=url,
                            next_attempt_at=utc_now(),
                        )
                    )
            except IntegrityError:
                pass  # another process queued it first

    def _claim_due(self) -> list[str]:
        """Ids of due deliveries this process now holds (their next attempt pushed out as a lease)."""
        now = utc_now()
        with self._sessions() as session:
            due = session.execute(
                select(WebhookDeliveryRow.id, WebhookDeliveryRow.next_attempt_at)
                .where((WebhookDeliveryRow.status == "pending") & (WebhookDeliveryRow.next_attempt_at <= now))
                .limit(20)
            ).all()
        claimed = []
        for delivery_id, at in due:
            lease = update(WebhookDeliveryRow).where(
                (WebhookDeliveryRow.id == delivery_id) & (WebhookDeliveryRow.next_attempt_at == at)
            )
            with self._sessions.begin() as session:
                lease = lease.values(next_attempt_at=now + dt.timedelta(seconds=_TIMEOUT_S * 6))
                if session.execute(lease).rowcount == 1:
                    claimed.append(delivery_id)
        return claimed

    def _send(self, delivery_id: str) -> None:
        with self._sessions() as session:
            delivery = session.get(WebhookDeliveryRow, delivery_id)
            track_row = session.get(TrackRow, delivery.track_id) if delivery else None
            if delivery is None:
                return
            track = self._to_track(track_row) if track_row is not None else None
        if track is None:
            self._finish(delivery_id, "failed", error="the track was deleted before it could be sent")
            return
        timestamp = int(time.time())
        body = json.dumps(
            {"type": delivery.event, "timestamp": utc_now().isoformat(), "data": self._public_json(track)},
            default=str,
            separators=(",", ":"),
        ).encode()
        headers = {
            "content-type": "application/json",
            "user-agent": "musicgen_app-webhooks",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self._secret, delivery.id, timestamp, body),
        }
        try:
            code = self._post(delivery.url, body, headers)
        except PermissionError as exc:
            self._finish(delivery_id, "refused", error=str(exc))
            return
        except (ValueError, UnicodeError, httpx.InvalidURL) as exc:  # a name no resolver or client takes
            self._finish(delivery_id, "refused", error=f"the URL cannot be called ({type(exc).__name__})")
            return
        except httpx.HTTPError as exc:
            self._retry_later(delivery, f"{type(exc).__name__}: {exc}"[:300], None)
            return
        if 200 <= code < 300:
            self._finish(delivery_id, "delivered", status_code=code)
        else:
            self._retry_later(delivery, f"answered {code}", code)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:  # a port out of range
            raise PermissionError(f"the URL cannot be called ({exc})") from None
        address = self._policy.address_for(host, port)
        # connect to the address that was checked; the name still goes in Host and in TLS (SNI, cert)
        literal = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{literal}:{port}").geturl()
        headers = {**headers, "host": parts.netloc.rsplit("@", 1)[-1]}
        with httpx.Client(timeout=_TIMEOUT_S, follow_redirects=False, transport=self._transport) as client:
            answer = client.post(target, content=body, headers=headers, extensions={"sni_hostname": host})
        return answer.status_code

    def _retry_later(self, delivery: WebhookDeliveryRow, error: str, status_code: int | None) -> None:
        attempts = delivery.attempts + 1
        wait_s = _BACKOFF_S[attempts - 1] if attempts <= len(_BACKOFF_S) else _EVERY_S_AFTER
        next_at = utc_now() + dt.timedelta(seconds=wait_s)
        if next_at - delivery.created_at > _GIVE_UP_AFTER:
            self._finish(
                delivery.id, "failed", status_code=status_code, error=f"gave up after a day: {error}"
            )
            return
        with self._sessions.begin() as session:
            session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery.id)
                .values(
                    attempts=attempts, next_attempt_at=next_at, last_status_code=status_code, last_error=error
                )
            )

    def _finish(
        self, delivery_id: str, status: str, *, status_code: int | None = None, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "last_status_code": status_code, "last_error": error}
        if status == "delivered":
            values["delivered_at"] = utc_now()
        with self._sessions.begin() as session:
            session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery_id)
                .values(attempts=WebhookDeliveryRow.attempts + 1, **values)
            )
