"""Mount the studio on a FastAPI app: the one place that hands Gradio the theme and the CSS.

Gradio 6 takes the theme and CSS in ``launch()``/``mount_gradio_app`` rather than in ``Blocks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr
from fastapi import FastAPI

from .access import StudioAccess
from .guard import StudioGuard
from .layout import build_ui
from .theme import STUDIO_CSS, STUDIO_JS, studio_theme

if TYPE_CHECKING:
    from ..service import GenerationService

__all__ = ["mount_studio"]


def mount_studio(app: FastAPI, service: GenerationService, *, path: str = "/") -> FastAPI:
    """Mount the studio for ``service`` on ``app`` at ``path``, with its theme and CSS."""
    access = StudioAccess(service.api_keys)
    # before Gradio's routes: no uploads, no Range through Gradio's file route (see ui/guard.py)
    app.add_middleware(StudioGuard, prefix=path.rstrip("/"))
    login = {"auth": access.login, "auth_message": "Log in with an API key as the password."}
    return gr.mount_gradio_app(
        app,
        build_ui(service, access=access),
        path=path,
        **(login if access.enabled else {}),
        theme=studio_theme(),
        css=STUDIO_CSS,
        js=STUDIO_JS,
        footer_links=[],  # the API to use is /v1 (linked at the top), not the studio's internal Gradio one
        ssr_mode=False,
    )
