"""What every HTTP answer of the app obeys, as one ASGI middleware (no framework needed to read it).

- Hosts: only the names the server is for are served (``Settings.served_hosts``); any other ``Host``
  header is a 421 in JSON. A web page cannot then reach a local install through DNS rebinding.
- HEAD works wherever GET does on the API (monitors use it): it runs as GET and the body is dropped.
- Security headers on every answer: no MIME sniffing, no referrer leaks, and framing only by the app
  itself and Hugging Face (which shows Spaces in a frame).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["SECURITY_HEADERS", "HttpGuard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "frame-ancestors 'self' https://huggingface.co https://*.hf.space",
}
#: Paths whose GET routes also answer HEAD here (the studio's own routes are Gradio's business).
_API_PREFIXES = ("/v1/", "/healthz")


def _host_name(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):  # [::1]:7860
                return host[1 : host.find("]")] if "]" in host else host
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


class HttpGuard:
    """The middleware; ``hosts`` of ``None`` serves any host."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None and _host_name(scope) not in self.hosts:
            await _refuse_host(send, _host_name(scope))
            return
        head = scope["method"] == "HEAD" and scope["path"].startswith(_API_PREFIXES)
        if head:
            scope = {**scope, "method": "GET"}

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, guarded_send)


async def _refuse_host(send: Send, host: str) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "host_not_allowed",
                "message": f"this server does not answer for host {host!r} (MUSICGEN_APP_ALLOWED_HOSTS)",
                "details": [{"field": "host", "rule": "must be a host this server is configured for"}],
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": 421, "headers": headers})
    await send({"type": "http.response.body", "body": body})
