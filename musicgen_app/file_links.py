"""Signed links to a track's files, for what cannot send an ``Authorization`` header: the studio's audio
players (``<audio src>``) and download links.

With API keys on, a link carries ``?token=KEYID.EXPIRES.MAC``: an HMAC-SHA256 over the key id, the track
id and the expiry, keyed with a secret derived from that API key. A token opens the files of one track,
as one key, until it expires; it never reveals the key, and removing the key voids every link it signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .api_keys import ApiKeys

__all__ = ["LINK_TTL_S", "sign_link", "verify_link"]

#: How long a studio page's links work: a day, longer than anyone keeps a page open without reloading.
LINK_TTL_S = 24 * 3600


def _mac(secret: bytes, owner: str, track_id: str, expires: int) -> str:
    message = f"{owner}\n{track_id}\n{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_link(
    keys: ApiKeys, owner: str, track_id: str, *, now: float | None = None, ttl_s: int = LINK_TTL_S
) -> str:
    """A token that lets its bearer read ``track_id``'s files as ``owner`` for ``ttl_s`` seconds.

    Raises
    ------
    ValueError
        ``owner`` is not the id of a configured key.
    """
    secret = keys.secret_of(owner)
    if secret is None:
        raise ValueError(f"no API key with id {owner!r}")
    expires = int(time.time() if now is None else now) + ttl_s
    return f"{owner}.{expires}.{_mac(secret, owner, track_id, expires)}"


def verify_link(keys: ApiKeys, token: str, track_id: str, *, now: float | None = None) -> str | None:
    """The key id a valid, unexpired ``token`` for ``track_id`` was signed for; else ``None``."""
    owner, _, rest = token.partition(".")
    expires_text, _, mac = rest.partition(".")
    secret = keys.secret_of(owner)
    if secret is None or not expires_text.isdigit() or len(expires_text) > 12:
        return None
    expires = int(expires_text)
    if expires < (time.time() if now is None else now):
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, owner, track_id, expires).encode()):
        return None
    return owner
