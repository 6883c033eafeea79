"""The web application: the ``/v1`` API, and the Gradio studio mounted at ``/``, in one FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from . import __version__
from .api import build_router, install_error_handlers
from .api_docs import install_offline_docs
from .config import Settings
from .http_guard import HttpGuard
from .service import GenerationService

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, service: GenerationService | None = None) -> FastAPI:
    """Build the app for ``settings``; workers start with the app and stop with it."""
    service = service or GenerationService(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="musicgen_app",
        version=__version__,
        lifespan=lifespan,
        description="Original, royalty-free music from a text description.",
        docs_url=None,  # served offline below, not from a CDN
        redoc_url=None,
    )
    install_offline_docs(app)
    if settings.host in ("0.0.0.0", "::") and not service.api_keys.enabled:
        log.warning(
            "serving on %s with no API keys: anyone who can reach this port can make and delete tracks "
            "(set MUSICGEN_APP_API_KEYS)",
            settings.host,
        )
    app.state.service = service
    install_error_handlers(app)
    app.include_router(build_router(service))
    if settings.ui:
        _mount_ui(app, service)
    else:
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
    # last added is outermost: the host check and security headers wrap everything, the studio's too
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(HttpGuard, hosts=settings.served_hosts())
    # outermost of all: every layer (the rate limit's per-address key, the studio's too) sees the client
    # a trusted proxy names, not the proxy; uvicorn's own copy is off (app.py) so that the setting rules
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_trust())
    return app


def _mount_ui(app: FastAPI, service: GenerationService) -> None:
    try:
        from .ui import mount_studio
    except ImportError as exc:  # the studio is optional; the API works without it
        log.warning("studio not mounted: %s", exc)
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
        return
    mount_studio(app, service, path="/")
