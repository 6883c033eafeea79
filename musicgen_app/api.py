"""The ``/v1`` REST routes: a thin adapter from HTTP to :class:`GenerationService`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import (
    ErrorDetail,
    InvalidRequest,
    MusicgenAppError,
    NotFound,
    PayloadTooLarge,
    QueueFull,
)
from .formats import OUTPUT_FORMATS, STEM_NAMES
from .genres import GENRES
from .request import request_json_schema
from .schemas import TrackGenerate, TrackPublic, TracksPublic
from .service import GenerationService
from .track_json import Link

__all__ = ["build_router", "install_error_handlers", "url_link"]

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": request_json_schema()}},
    }
}
_FORMAT_QUERY = Query(
    None,
    description=f"Serve the audio as {', '.join(OUTPUT_FORMATS)} (default: the track's own format); "
    "encoded from the lossless master on the first request, then cached.",
)


def _error_response(exc: MusicgenAppError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, QueueFull) else None
    return JSONResponse({"error": exc.as_dict()}, status_code=exc.http_status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as ``{"error": {"code", "message", "details"}}``; one place maps statuses."""

    @app.exception_handler(MusicgenAppError)
    async def _app_error(_request: Request, exc: MusicgenAppError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            ErrorDetail(".".join(str(p) for p in e["loc"][1:]) or "request", e["msg"]) for e in exc.errors()
        ]
        message = "; ".join(f"{d.field}: {d.rule}" for d in details)
        return _error_response(InvalidRequest(message, details=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail), "details": []}}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _read_json(request: Request, limit_bytes: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit_bytes:
        raise PayloadTooLarge(
            f"body: must be at most {limit_bytes} bytes",
            details=[ErrorDetail("body", f"must be at most {limit_bytes} bytes")],
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise PayloadTooLarge(
                f"body: must be at most {limit_bytes} bytes",
                details=[ErrorDetail("body", f"must be at most {limit_bytes} bytes")],
            )
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except (ValueError, RecursionError) as exc:  # bad JSON, too many digits, nesting too deep
        raise InvalidRequest.for_field("body", f"must be valid JSON ({exc})") from None


def _base_url(request: Request, public_url: str | None) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


def url_link(base: str, track_id: str) -> Link:
    """Links as absolute URLs of this API's file routes."""
    return lambda route: f"{base}/v1/music/{track_id}/{route}"


def build_router(service: GenerationService) -> APIRouter:
    """The ``/v1`` routes and ``/healthz`` for ``service``."""
    router = APIRouter()
    public_url = service.settings.public_url
    limit_bytes = service.settings.max_body_bytes

    @router.post(
        "/v1/music/generate",
        status_code=202,
        response_model=TrackGenerate,
        openapi_extra=_BODY_DOC,
        tags=["music"],
    )
    async def generate_music(request: Request) -> JSONResponse:
        """Queue a new track; answers 202 with its Location."""
        body = await _read_json(request, limit_bytes)
        track = await run_in_threadpool(service.submit, body)
        full = service.public(track, url_link(_base_url(request, public_url), track.id))
        answer = TrackGenerate.model_validate(full).model_dump(mode="json")
        return JSONResponse(answer, status_code=202, headers={"Location": f"/v1/music/{track.id}"})

    @router.post("/v1/music/plan", tags=["music"], openapi_extra=_BODY_DOC)
    async def preview_plan(request: Request) -> dict[str, Any]:
        """Read a request into the plan a generation would use, without generating."""
        body = await _read_json(request, limit_bytes)
        _request, plan = await run_in_threadpool(service.plan, body)
        return plan.as_dict()

    @router.get("/v1/music", response_model=TracksPublic, tags=["music"])
    def list_music(
        request: Request,
        limit: int = Query(20, ge=1, le=100),
        offset: int = Query(0, ge=0),
        status: str | None = None,
    ) -> dict[str, Any]:
        """Tracks, newest first."""
        tracks, count = service.list(limit=limit, offset=offset, status=status)
        base = _base_url(request, public_url)
        return {
            "data": [service.public(t, url_link(base, t.id)) for t in tracks],
            "count": count,
            "limit": limit,
            "offset": offset,
        }

    @router.get("/v1/music/{track_id}", response_model=TrackPublic, tags=["music"])
    def read_music(request: Request, track_id: str) -> dict[str, Any]:
        """One track with its status, progress and file URLs."""
        track = service.get(track_id)
        return service.public(track, url_link(_base_url(request, public_url), track.id))

    @router.delete("/v1/music/{track_id}", status_code=204, tags=["music"])
    def delete_music(track_id: str) -> Response:
        """Delete a track and its files."""
        service.delete(track_id)
        return Response(status_code=204)

    def _file(track_id: str, kind: str, fmt: str | None = None, *, attachment: bool = False) -> FileResponse:
        stored = service.file(track_id, kind, fmt)
        disposition = "attachment" if attachment else "inline"
        return FileResponse(
            stored.path,
            media_type=stored.media_type,
            filename=stored.download_name,
            content_disposition_type=disposition,
        )

    @router.get("/v1/music/{track_id}/audio", tags=["files"])
    def read_audio(track_id: str, format: str | None = _FORMAT_QUERY) -> FileResponse:
        """The mix, inline (HTTP Range supported)."""
        return _file(track_id, "mix", format)

    @router.get("/v1/music/{track_id}/download", tags=["files"])
    def download_audio(track_id: str, format: str | None = _FORMAT_QUERY) -> FileResponse:
        """The mix as an attachment with a readable file name."""
        return _file(track_id, "mix", format, attachment=True)

    @router.get("/v1/music/{track_id}/waveform", tags=["files"])
    def read_waveform(track_id: str) -> FileResponse:
        """Peaks in the BBC audiowaveform JSON format, version 2."""
        return _file(track_id, "waveform")

    @router.get("/v1/music/{track_id}/beats", tags=["files"])
    def read_beats(track_id: str) -> FileResponse:
        """The beat grid: tempo, time signature, beat and downbeat times (s), sections with start and end.

        Exact for the symbolic engine; tracked from the audio for neural engines (``estimated``)."""
        return _file(track_id, "beats")

    @router.get("/v1/music/{track_id}/stems/{stem}", tags=["files"])
    def read_stem(track_id: str, stem: str, format: str | None = _FORMAT_QUERY) -> FileResponse:
        """One of the four stems (vocals, drums, bass, other)."""
        if stem not in STEM_NAMES:
            service.get(track_id)  # an unknown track is a 404 first
            raise NotFound(f"no stem {stem!r}; stems are {', '.join(STEM_NAMES)}")
        return _file(track_id, stem, format)

    @router.get("/v1/music/{track_id}/midi", tags=["files"])
    def read_midi(track_id: str) -> FileResponse:
        """The score as a Standard MIDI File (symbolic engine)."""
        return _file(track_id, "midi", attachment=True)

    @router.get("/v1/genres", tags=["meta"])
    def list_genres() -> dict[str, Any]:
        """Known genres with aliases, tempo ranges and a description."""
        return {"data": [g.as_dict() for g in GENRES], "count": len(GENRES)}

    @router.api_route(
        "/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    def unknown_route(path: str) -> None:
        """Anything else under /v1 is ours to refuse (the studio is mounted at / and would answer)."""
        raise NotFound("no such route under /v1; see /docs")

    @router.get("/healthz", tags=["meta"])
    def read_health() -> dict[str, Any]:
        """Liveness and what can run here."""
        return service.health()

    return router
