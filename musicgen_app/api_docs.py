"""The API's own documentation pages, served offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc``.

FastAPI's defaults load both from a CDN, so with no internet (or a strict proxy) ``/docs`` is a blank
page. The same assets ship inside the ``fastapi-offline`` wheel (Swagger UI 5, ReDoc; MIT); they are
served from it under ``/docs-assets``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "PARAMETER_EXAMPLES", "install_offline_docs"]

ASSETS_PATH = "/docs-assets"

#: An example for every parameter a route takes, by name, so that each route in /docs can be tried with
#: a click (a test checks that no /v1 parameter goes without one).
PARAMETER_EXAMPLES: dict[str, object] = {
    "track_id": "3f9c2a7be41d4c0f9a8e5b6d7c1e2f30",
    "stem": "drums",
    "format": "wav",
    "limit": 20,
    "offset": 0,
    "status": "completed",
    "Idempotency-Key": "4b1f0c3e-order-1234",
    "token": "key_5e2a9c07d1b3.1767225600.dXNlIHlvdXIgb3duIGxpbmsgZnJvbSB0aGUgc3R1ZGlv",
    "vocals": 0.0,
    "drums": -6.0,
    "bass": 0.0,
    "other": -60.0,
}


def _with_parameter_examples(schema: dict) -> dict:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in PARAMETER_EXAMPLES:
                    parameter.setdefault("example", PARAMETER_EXAMPLES[parameter["name"]])
    return schema


def _assets_dir() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed (it carries the docs' assets)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_offline_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc`` to an app made with ``docs_url=None``."""
    app.mount(ASSETS_PATH, StaticFiles(directory=_assets_dir()), name="docs-assets")
    title = f"{app.title} API"
    build_schema = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = _with_parameter_examples(build_schema())
        return app.openapi_schema

    app.openapi = openapi

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            # no badge fetched from validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
