"""API keys: who may call the API, and which tracks are whose.

Keys come from ``MUSICGEN_APP_API_KEYS``: comma-separated keys, or ``@path`` to a file of one key per
line (``#`` comments allowed). Only their SHA-256 digests are kept; a presented key is hashed and compared
in constant time with each. A key's public name is its id (``key_`` and 12 hex digits of its digest): it
is what a track records as its owner and what logs may show; the key itself is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ApiKeys", "key_id"]

#: Keys shorter than this are refused at start: they could be guessed.
MIN_KEY_CHARS = 16


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def key_id(key: str) -> str:
    """The public name of ``key``."""
    return "key_" + _digest(key).hex()[:12]


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys, as ``(digest, id)`` pairs. Empty: the API is open (the local default)."""

    entries: tuple[tuple[bytes, str], ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.entries)

    @classmethod
    def parse(cls, setting: str) -> ApiKeys:
        """Read the setting's value (keys, or ``@path``).

        Raises
        ------
        ValueError
            For a key shorter than :data:`MIN_KEY_CHARS` or an unreadable key file (the message names the
            setting, never the key).
        """
        setting = setting.strip()
        if setting.startswith("@"):
            path = Path(setting[1:]).expanduser()
            try:
                lines = path.read_text().splitlines()
            except OSError as exc:
                raise ValueError(f"MUSICGEN_APP_API_KEYS: cannot read {path} ({exc.strerror})") from None
            keys = [line.split("#", 1)[0].strip() for line in lines]
        else:
            keys = [part.strip() for part in setting.split(",")]
        keys = [key for key in keys if key]
        for index, key in enumerate(keys, 1):
            if len(key) < MIN_KEY_CHARS:
                raise ValueError(
                    f"MUSICGEN_APP_API_KEYS: key {index} has fewer than {MIN_KEY_CHARS} characters"
                )
        return cls(tuple((_digest(key), key_id(key)) for key in dict.fromkeys(keys)))

    def identify(self, presented: str | None) -> str | None:
        """The id of the key ``presented``, or ``None`` when it is not one of them."""
        if not presented:
            return None
        digest = _digest(presented)
        found = None
        for known, name in self.entries:  # every entry is compared: the time says nothing about which
            if hmac.compare_digest(digest, known):
                found = name
        return found

    def secret_of(self, owner: str) -> bytes | None:
        """A secret only the server and the holder of key ``owner`` can derive (for signing that key's file
        links); ``None`` for an unknown id. It changes with the key, so dropping a key voids its links."""
        for digest, name in self.entries:
            if name == owner:
                return hmac.new(digest, b"musicgen_app file links", hashlib.sha256).digest()
        return None
