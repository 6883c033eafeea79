"""Who is using the studio, when the server has API keys: a login with a key, and that key's tracks only.

The login is Gradio's own page: any user name, and an API key as the password. A user name stays bound to
the key it first logged in with (another key cannot take it over). Each event then acts through a view of
the service scoped to that key, exactly as the API does for a ``Bearer`` key.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..errors import Unauthorized

if TYPE_CHECKING:
    from ..api_keys import ApiKeys
    from ..service import GenerationService

__all__ = ["OwnedService", "StudioAccess"]


class OwnedService:
    """``service`` as one API key sees it: every read and write scoped to ``owner``."""

    def __init__(self, service: GenerationService, owner: str) -> None:
        self._service, self.owner = service, owner

    def submit(self, body: dict[str, Any]):
        return self._service.submit(body, owner=self.owner)

    def get(self, track_id: str):
        return self._service.get(track_id, owner=self.owner)

    def list(self, **kwargs: Any):
        return self._service.list(**kwargs, owner=self.owner)

    def children(self, track_id: str, **kwargs: Any):
        return self._service.children(track_id, **kwargs, owner=self.owner)

    def delete(self, track_id: str) -> None:
        self._service.delete(track_id, owner=self.owner)

    def variations(self, track_id: str, body: Any):
        return self._service.variations(track_id, body, owner=self.owner)

    def remix(self, track_id: str, body: Any):
        return self._service.remix(track_id, body, owner=self.owner)

    def extend(self, track_id: str, body: Any):
        return self._service.extend(track_id, body, owner=self.owner)

    def regenerate(self, track_id: str, body: Any):
        return self._service.regenerate(track_id, body, owner=self.owner)

    def loop(self, track_id: str, body: Any):
        return self._service.loop(track_id, body, owner=self.owner)

    def cancel(self, track_id: str):
        return self._service.cancel(track_id, owner=self.owner)

    def file(self, track_id: str, kind: str, fmt: str | None = None):
        return self._service.file(track_id, kind, fmt, owner=self.owner)

    def bundle(self, track_id: str):
        return self._service.bundle(track_id, owner=self.owner)

    def remix_preview(self, track_id: str, gains_db: dict[str, float]):
        return self._service.remix_preview(track_id, gains_db, owner=self.owner)

    def __getattr__(self, name: str) -> Any:  # settings, files, encoded...: not scoped, read-only use
        return getattr(self._service, name)


class StudioAccess:
    """Logins of the studio (when ``keys`` are on) and the key behind each user name."""

    def __init__(self, keys: ApiKeys) -> None:
        self.keys = keys
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.keys.enabled

    def login(self, username: str, password: str) -> bool:
        """Gradio's ``auth`` callable: the password must be an API key."""
        owner = self.keys.identify(password)
        if owner is None or not username:
            return False
        with self._lock:
            bound = self._owners.setdefault(username, owner)
        return bound == owner

    def owner_of(self, request: Any) -> str | None:
        """The key id of the user behind a Gradio request (``None`` when keys are off)."""
        if not self.enabled:
            return None
        username = getattr(request, "username", None)
        owner = self._owners.get(username) if username else None
        if owner is None:
            raise Unauthorized("log in to the studio with an API key")
        return owner
