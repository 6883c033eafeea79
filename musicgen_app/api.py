"""The ``/v1`` REST routes: a thin adapter from HTTP to :class:`GenerationService`."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable
from starlette.routing import Match

from .audio.remix import MAX_GAIN_DB, MIN_GAIN_DB
from .edits import (
    EDIT_EXAMPLES,
    extend_json_schema,
    loop_json_schema,
    regenerate_json_schema,
    remix_json_schema,
    variations_json_schema,
)
from .errors import (
    ErrorDetail,
    InvalidRequest,
    MusicgenAppError,
    NotFound,
    PayloadTooLarge,
    RangeUnsatisfiable,
    Unauthorized,
    UnsupportedMediaType,
)
from .file_links import verify_link
from .formats import OUTPUT_FORMATS, STEM_NAMES
from .genres import GENRES
from .rate_limit import rate_identity
from .request import REQUEST_EXAMPLES, request_json_schema
from .schemas import TrackGenerate, TrackPublic, TracksMade, TracksPublic, error_responses
from .service import GenerationService
from .track import Track
from .track_files import TrackFile
from .track_json import url_link

__all__ = ["build_router", "install_error_handlers"]

log = logging.getLogger(__name__)


def _body_doc(schema: dict[str, Any], examples: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """OpenAPI's description of a JSON body that follows ``schema``, with named ``examples`` given as
    ``(summary, body)`` (/docs offers them in a menu, ready to send)."""
    named = {
        f"example {number}": {"summary": summary, "value": value}
        for number, (summary, value) in enumerate(examples, start=1)
    }
    content = {"application/json": {"schema": schema, "examples": named}}
    return {"requestBody": {"required": True, "content": content}}


def _summarised(bodies: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Edit bodies named by what they ask (the JSON itself, short as it is)."""
    return [(json.dumps(body, separators=(", ", ": ")), body) for body in bodies]


_BODY_DOC = _body_doc(request_json_schema(), [(ex["prompt"][:60], ex) for ex in REQUEST_EXAMPLES])
#: Deepest page a listing may ask for (a database integer; deeper is a 422, not an overflow).
MAX_OFFSET = 2**31 - 1


def _gain_query() -> Any:
    """A stem level in the query (one object per parameter: FastAPI binds a ``Query`` to one name)."""
    return Query(
        0.0,
        ge=-1000.0,
        le=MAX_GAIN_DB,
        allow_inf_nan=False,
        description=f"Level of this stem in dB, up to {MAX_GAIN_DB:+g}; at or below {MIN_GAIN_DB:g}: muted",
    )


_FORMAT_QUERY = Query(
    None,
    description=f"Serve the audio as {', '.join(OUTPUT_FORMATS)} (default: the track's own format); "
    "encoded from the lossless master on the first request, then cached.",
)


def _error_response(exc: MusicgenAppError) -> JSONResponse:
    headers = dict(getattr(exc, "headers", None) or {})
    retry_after = getattr(exc, "retry_after_s", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse({"error": exc.as_dict()}, status_code=exc.http_status, headers=headers or None)


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

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # A bug, never the caller's fault: the reason goes to the log, the answer says nothing internal.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        body = {"error": {"code": "internal_error", "message": "internal error (logged)", "details": []}}
        return JSONResponse(body, status_code=500)


async def _read_json(request: Request, limit_bytes: int) -> Any:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        # a cross-site form or text/plain POST is a "simple" request that no CORS preflight stops
        raise UnsupportedMediaType.for_field("content-type", "must be application/json")
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


def _check_range(request: Request, size: int) -> None:
    """Refuse a bad ``Range`` as JSON (Starlette would answer in plain text); good ones it serves."""
    header = request.headers.get("range")
    if header is None:
        return
    try:
        FileResponse._parse_range_header(header, size)
    except RangeNotSatisfiable:
        raise RangeUnsatisfiable(f"range: the file has {size} bytes", size=size) from None
    except MalformedRangeHeader as exc:
        raise InvalidRequest.for_field("range", f"must be bytes=START-END ({exc.content})") from None


def _local_file(request: Request, stored: TrackFile, *, attachment: bool = False) -> FileResponse:
    """A file on this node's disk, with HTTP Range (bad ranges refused as JSON first)."""
    _check_range(request, stored.path.stat().st_size)
    return FileResponse(
        stored.path,
        media_type=stored.media_type,
        filename=stored.download_name,
        content_disposition_type="attachment" if attachment else "inline",
    )


def _remote_response(request: Request, storage: Any, stored: TrackFile, disposition: str) -> Response:
    """An S3 object: a redirect to a presigned URL, or streamed through here with HTTP Range."""
    header = f"{disposition}; filename*=utf-8''{quote(stored.download_name)}"
    size = stored.remote.size
    if storage.presign:
        url = storage.presigned_url(stored.remote, media_type=stored.media_type, disposition=header)
        return RedirectResponse(url, status_code=307)
    _check_range(request, size)
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": header}
    ranges = (
        FileResponse._parse_range_header(request.headers["range"], size) if "range" in request.headers else []
    )
    start, end, status = 0, size, 200
    if len(ranges) == 1:  # several ranges are answered whole (a server may ignore Range)
        (start, end), status = ranges[0], 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if end == start:
        return Response(b"", status_code=status, media_type=stored.media_type, headers=headers)
    chunks = storage.read_range(stored.remote, start, end)
    return StreamingResponse(chunks, status_code=status, media_type=stored.media_type, headers=headers)


def _leaf_routes(routes: list[Any]) -> list[Any]:
    """Routes with their included routers opened up (FastAPI keeps an included router as one entry)."""
    leaves = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        leaves.extend(_leaf_routes(inner.routes) if inner is not None else [route])
    return leaves


def _methods_for_path(request: Request) -> list[str]:
    """Methods the app's other routes take on this path (the catch-all itself excluded)."""
    allowed: set[str] = set()
    for route in _leaf_routes(request.app.routes):
        methods = getattr(route, "methods", None)
        if not methods or getattr(route, "name", "") == "unknown_route":
            continue
        match, _ = route.matches({**request.scope, "method": next(iter(methods))})
        if match == Match.FULL:
            allowed |= set(methods)
    return sorted(allowed)


def build_router(service: GenerationService) -> APIRouter:
    """The ``/v1`` routes and ``/healthz`` for ``service``."""
    router = APIRouter(responses=error_responses(401, 405, 421, 422, 500))
    keys = service.api_keys
    files_errors = error_responses(403, 404, 409, 416, 503)

    def caller(authorization: str | None = Header(None, include_in_schema=False)) -> str | None:
        """The API key's id (``None`` when keys are off); 401 without a valid ``Bearer`` key."""
        if not keys.enabled:
            return None
        scheme, _, presented = (authorization or "").partition(" ")
        owner = keys.identify(presented.strip()) if scheme.lower() == "bearer" else None
        if owner is None:
            raise Unauthorized("a valid API key is required: Authorization: Bearer <key>")
        return owner

    def file_caller(
        track_id: str,
        authorization: str | None = Header(None, include_in_schema=False),
        token: str | None = Query(
            None,
            max_length=200,
            description="A signed link to this track's files (what the studio's players use, as an "
            "`<audio>` element cannot send a header); with API keys on, instead of `Authorization`",
        ),
    ) -> str | None:
        """Like ``caller``, or a valid signed link token for this track (see :mod:`file_links`)."""
        if not keys.enabled or authorization is not None or token is None:
            return caller(authorization)
        owner = verify_link(keys, token, track_id)
        if owner is None:
            raise Unauthorized("the link has expired or is not valid; reload the page or use an API key")
        return owner

    owner_dependency = Depends(caller)
    file_owner = Depends(file_caller)

    async def admit(request: Request, owner: str | None) -> None:
        """The rate limit of the routes that make tracks: per API key, or per client address."""
        if service.rate_limit is not None:
            await run_in_threadpool(service.admit, rate_identity(owner, request.client))

    public_url = service.settings.public_url
    limit_bytes = service.settings.max_body_bytes

    def queued_json(request: Request, track: Track) -> dict[str, Any]:
        """A track just queued, as every 202 shows it: its public JSON through the ``TrackGenerate`` view."""
        full = service.public(track, url_link(_base_url(request, public_url), track.id))
        return TrackGenerate.model_validate(full).model_dump(mode="json")

    def queued_answer(request: Request, track: Track) -> JSONResponse:
        """202 with the queued track and its Location, the answer of every route that makes one track."""
        headers = {"Location": f"/v1/music/{track.id}"}
        return JSONResponse(queued_json(request, track), status_code=202, headers=headers)

    @router.post(
        "/v1/music/generate",
        status_code=202,
        response_model=TrackGenerate,
        openapi_extra=_BODY_DOC,
        tags=["music"],
        responses=error_responses(413, 415, 429, 503),
    )
    async def generate_music(
        request: Request,
        owner: str | None = owner_dependency,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            description="Repeat a request safely: the same key and body answer the same track (24 h)",
        ),
    ) -> JSONResponse:
        """Queue a new track; answers 202 with its Location."""
        await admit(request, owner)
        body = await _read_json(request, limit_bytes)
        submit = functools.partial(service.submit, body, owner=owner, idempotency_key=idempotency_key)
        return queued_answer(request, await run_in_threadpool(submit))

    @router.post(
        "/v1/music/plan", tags=["music"], openapi_extra=_BODY_DOC, responses=error_responses(413, 415)
    )
    async def preview_plan(request: Request, _owner: str | None = owner_dependency) -> dict[str, Any]:
        """Read a request into the plan a generation would use, without generating."""
        body = await _read_json(request, limit_bytes)
        _request, plan = await run_in_threadpool(service.plan, body)
        return plan.as_dict()

    @router.post(
        "/v1/music/{track_id}/variations",
        status_code=202,
        response_model=TracksMade,
        tags=["edit"],
        openapi_extra=_body_doc(variations_json_schema(), _summarised(EDIT_EXAMPLES["variations"])),
        responses=error_responses(403, 404, 409, 413, 415, 429, 503),
    )
    async def create_variations(
        request: Request,
        track_id: str,
        owner: str | None = owner_dependency,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            description="Repeat the request safely: the same key and body answer the same tracks (24 h)",
        ),
    ) -> JSONResponse:
        """Queue 1-4 variations of a completed track that keep its key, tempo and structure (or what
        ``keep`` names); each new track has ``parent_id`` and ``operation: variation``."""
        await admit(request, owner)
        body = await _read_json(request, limit_bytes)
        vary = functools.partial(
            service.variations, track_id, body, owner=owner, idempotency_key=idempotency_key
        )
        data = [queued_json(request, track) for track in await run_in_threadpool(vary)]
        return JSONResponse({"data": data, "count": len(data)}, status_code=202)

    def edit_route(path: str, schema: dict[str, Any], doc: str) -> None:
        """``POST /v1/music/{track_id}/<path>``: an edit that queues one new track (202 + Location)."""

        async def create_edit(
            request: Request,
            track_id: str,
            owner: str | None = owner_dependency,
            idempotency_key: str | None = Header(
                None,
                alias="Idempotency-Key",
                description="Repeat the edit safely: the same key and body answer the same new track (24 h)",
            ),
        ) -> JSONResponse:
            await admit(request, owner)
            body = await _read_json(request, limit_bytes)
            make = functools.partial(
                service.edit, path, track_id, body, owner=owner, idempotency_key=idempotency_key
            )
            return queued_answer(request, await run_in_threadpool(make))

        create_edit.__doc__ = doc
        router.add_api_route(
            f"/v1/music/{{track_id}}/{path}",
            create_edit,
            methods=["POST"],
            name=f"create_{path}",
            status_code=202,
            response_model=TrackGenerate,
            tags=["edit"],
            openapi_extra=_body_doc(schema, _summarised(EDIT_EXAMPLES[path])),
            responses=error_responses(403, 404, 409, 413, 415, 429, 503),
        )

    edit_route(
        "remix",
        remix_json_schema(),
        "Queue a remix of a completed track (stem levels, mutes) as a new track with ``operation: remix``.",
    )
    edit_route(
        "extend",
        extend_json_schema(),
        "Queue a longer copy of a completed symbolic track: unchanged sample for sample up to the bar line "
        "where its ending starts, then ``seconds`` more of new music in its key, tempo and style "
        "(``operation: extend``).",
    )
    edit_route(
        "regenerate",
        regenerate_json_schema(),
        "Queue a copy of a completed symbolic track with one section (or a span in seconds, snapped to "
        "bar lines) composed anew; elsewhere its audio is unchanged but for tails across the edges "
        "(``operation: regenerate``).",
    )
    edit_route(
        "loop",
        loop_json_schema(),
        "Queue a seamless loop of ``bars`` bars in a completed symbolic track's key, tempo and style "
        "(``operation: loop``); its loop points are in the answer's ``loop`` and in the file tags.",
    )

    @router.post(
        "/v1/music/{track_id}/cancel",
        response_model=TrackPublic,
        tags=["music"],
        responses=error_responses(403, 404, 409),
    )
    def cancel_music(request: Request, track_id: str, owner: str | None = owner_dependency) -> dict[str, Any]:
        """Stop a pending or processing track (status ``cancelled``, no files); 409 once it has ended."""
        track = service.cancel(track_id, owner=owner)
        return service.public(track, url_link(_base_url(request, public_url), track.id))

    @router.get("/v1/music", response_model=TracksPublic, tags=["music"])
    def list_music(
        request: Request,
        limit: int = Query(20, ge=1, le=100),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
        status: Literal["pending", "processing", "completed", "failed", "cancelled"] | None = None,
        owner: str | None = owner_dependency,
    ) -> dict[str, Any]:
        """Tracks, newest first (with API keys: the caller's own)."""
        tracks, count = service.list(limit=limit, offset=offset, status=status, owner=owner)
        base = _base_url(request, public_url)
        return {
            "data": [service.public(t, url_link(base, t.id)) for t in tracks],
            "count": count,
            "limit": limit,
            "offset": offset,
        }

    @router.get(
        "/v1/music/{track_id}",
        response_model=TrackPublic,
        tags=["music"],
        responses=error_responses(403, 404),
    )
    def read_music(request: Request, track_id: str, owner: str | None = owner_dependency) -> dict[str, Any]:
        """One track with its status, progress and file URLs."""
        track = service.get(track_id, owner=owner)
        return service.public(track, url_link(_base_url(request, public_url), track.id))

    @router.delete(
        "/v1/music/{track_id}", status_code=204, tags=["music"], responses=error_responses(403, 404)
    )
    def delete_music(track_id: str, owner: str | None = owner_dependency) -> Response:
        """Delete a track and its files."""
        service.delete(track_id, owner=owner)
        return Response(status_code=204)

    def _file(
        request: Request,
        track_id: str,
        kind: str,
        fmt: str | None = None,
        *,
        owner: str | None,
        attachment: bool = False,
    ) -> Response:
        stored = service.file(track_id, kind, fmt, owner=owner, local=False)
        disposition = "attachment" if attachment else "inline"
        if stored.remote is not None:
            return _remote_response(request, service.files, stored, disposition)
        return _local_file(request, stored, attachment=attachment)

    @router.get("/v1/music/{track_id}/audio", tags=["files"], responses=files_errors)
    def read_audio(
        request: Request,
        track_id: str,
        format: str | None = _FORMAT_QUERY,
        owner: str | None = file_owner,
    ) -> Response:
        """The mix, inline (HTTP Range supported)."""
        return _file(request, track_id, "mix", format, owner=owner)

    @router.get("/v1/music/{track_id}/download", tags=["files"], responses=files_errors)
    def download_audio(
        request: Request,
        track_id: str,
        format: str | None = _FORMAT_QUERY,
        owner: str | None = file_owner,
    ) -> Response:
        """The mix as an attachment with a readable file name."""
        return _file(request, track_id, "mix", format, owner=owner, attachment=True)

    @router.get("/v1/music/{track_id}/waveform", tags=["files"], responses=files_errors)
    def read_waveform(request: Request, track_id: str, owner: str | None = file_owner) -> Response:
        """Peaks in the BBC audiowaveform JSON format, version 2."""
        return _file(request, track_id, "waveform", owner=owner)

    @router.get("/v1/music/{track_id}/beats", tags=["files"], responses=files_errors)
    def read_beats(request: Request, track_id: str, owner: str | None = file_owner) -> Response:
        """The beat grid: tempo, time signature, beat and downbeat times (s), sections with start and end.

        Exact for the symbolic engine; tracked from the audio for neural engines (``estimated``)."""
        return _file(request, track_id, "beats", owner=owner)

    @router.get("/v1/music/{track_id}/stems/{stem}", tags=["files"], responses=files_errors)
    def read_stem(
        request: Request,
        track_id: str,
        stem: str,
        format: str | None = _FORMAT_QUERY,
        owner: str | None = file_owner,
    ) -> Response:
        """One of the four stems (vocals, drums, bass, other)."""
        if stem not in STEM_NAMES:
            service.get(track_id, owner=owner)  # an unknown track is a 404 first
            raise NotFound(f"no stem {stem!r}; stems are {', '.join(STEM_NAMES)}")
        return _file(request, track_id, stem, format, owner=owner)

    @router.get("/v1/music/{track_id}/midi", tags=["files"], responses=files_errors)
    def read_midi(request: Request, track_id: str, owner: str | None = file_owner) -> Response:
        """The score as a Standard MIDI File (symbolic engine)."""
        return _file(request, track_id, "midi", owner=owner, attachment=True)

    @router.get("/v1/music/{track_id}/bundle", tags=["files"], responses=files_errors)
    def download_bundle(request: Request, track_id: str, owner: str | None = file_owner) -> Response:
        """Everything in one zip: the mix and stems in the track's format, its MIDI and its beat grid."""
        stored = service.bundle(track_id, owner=owner)
        return _local_file(request, stored, attachment=True)

    @router.get("/v1/music/{track_id}/remix", tags=["files"], responses=files_errors)
    def read_remix_preview(
        request: Request,
        track_id: str,
        vocals: float = _gain_query(),
        drums: float = _gain_query(),
        bass: float = _gain_query(),
        other: float = _gain_query(),
        owner: str | None = file_owner,
    ) -> Response:
        """A WAV preview of the track at a level per stem (dB; at or below -60 mutes), rendered on the
        first request and then reused. ``POST`` on this path makes a remix as a new track instead."""
        gains = {"vocals": vocals, "drums": drums, "bass": bass, "other": other}
        stored = service.remix_preview(track_id, gains, owner=owner)
        return _local_file(request, stored)

    @router.get("/v1/music/{track_id}/webhooks", tags=["music"], responses=error_responses(403, 404))
    def read_webhooks(track_id: str, owner: str | None = owner_dependency) -> dict[str, Any]:
        """The webhook messages of a track: event, status, attempts, last answer."""
        service.get(track_id, owner=owner)
        deliveries = service.webhooks.deliveries(track_id)
        return {"data": deliveries, "count": len(deliveries)}

    @router.get("/v1/genres", tags=["meta"])
    def list_genres(_owner: str | None = owner_dependency) -> dict[str, Any]:
        """Known genres with aliases, tempo ranges and a description."""
        return {"data": [g.as_dict() for g in GENRES], "count": len(GENRES)}

    @router.api_route(
        "/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    def unknown_route(request: Request, path: str) -> Response:
        """Anything else under /v1 is ours to refuse (the studio is mounted at / and would answer): 405
        with ``Allow`` when the path exists for other methods, else 404."""
        allowed = _methods_for_path(request)
        if allowed:
            body = {
                "error": {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not allowed here; allowed: {', '.join(allowed)}",
                    "details": [],
                }
            }
            return JSONResponse(body, status_code=405, headers={"Allow": ", ".join(allowed)})
        raise NotFound("no such route under /v1; see /docs")

    @router.get("/healthz", tags=["meta"], responses=error_responses(503))
    def read_health() -> JSONResponse:
        """Liveness and what can run here: 200 when the database reads and the storage writes, else 503."""
        health = service.health()
        return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)

    return router
