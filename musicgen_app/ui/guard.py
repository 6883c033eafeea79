"""What the studio's own Gradio routes may be asked, as one ASGI middleware in front of them.

- Uploads: the studio has no upload field, yet Gradio's upload route exists on every Gradio app (it kept
  whatever it was sent in the temp dir, readable back). Here it is refused outright (403, JSON): nothing is
  stored, so there is nothing to limit or remove afterwards.
- Gradio's file route answers a ``Range`` header by copying every request header into its answer (Cookie
  and Host included) and fails with a 500 on ``bytes=0-1,2-3``. The studio's players no longer use it
  (they play the ``/v1`` file routes), so a ``Range`` sent to it is dropped: the file comes whole (200),
  which HTTP allows a server to answer to any range request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["StudioGuard"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Gradio's upload routes, under the mount path.
_UPLOADS = ("/upload", "/gradio_api/upload")
#: Gradio's file routes (``/file=PATH``, and the older ``/file/PATH``), under the mount path.
_FILES = ("/file=", "/file/", "/gradio_api/file=", "/gradio_api/file/")


class StudioGuard:
    """The middleware for a studio mounted at ``prefix`` (``""`` for the root)."""

    def __init__(self, app: ASGIApp, *, prefix: str = "") -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        path = scope["path"][len(self.prefix) :]
        if path.rstrip("/") in _UPLOADS:
            await _refuse_upload(send)
            return
        if path.startswith(_FILES):
            headers = [(name, value) for name, value in scope.get("headers", ()) if name != b"range"]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


async def _refuse_upload(send: Send) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "forbidden",
                "message": "the studio takes no uploads",
                "details": [{"field": "files", "rule": "the studio has no upload field"}],
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
