"""REST answer schemas (pydantic) for OpenAPI, built from the same tables the answers are built from.

The request body's schema is :func:`musicgen_app.request.request_json_schema` (the validation rules
themselves); the track's is :data:`musicgen_app.track_json.PUBLIC_FIELDS` (the mapping itself). Nothing
here restates a field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from .track_json import PUBLIC_FIELDS

__all__ = ["ErrorBody", "TrackGenerate", "TrackPublic", "TracksMade", "TracksPublic", "error_responses"]


def _model(name: str, doc: str, *, generate_only: bool) -> type[BaseModel]:
    fields: dict[str, Any] = {
        f.name: (f.annotation, Field(description=f.description))
        for f in PUBLIC_FIELDS
        if f.in_generate or not generate_only
    }
    return create_model(name, __doc__=doc, **fields)


TrackGenerate = _model(
    "TrackGenerate", "MusicTrack (Generate): the answer to a generate request.", generate_only=True
)
TrackPublic = _model(
    "TrackPublic",
    "MusicTrack (Full): everything about a track. URLs are null until it is completed.",
    generate_only=False,
)


class TracksMade(BaseModel):
    """New tracks an edit queued (variations), in the generate answer's shape."""

    data: list[TrackGenerate]  # type: ignore[valid-type]
    count: int


class TracksPublic(BaseModel):
    data: list[TrackPublic]  # type: ignore[valid-type]
    count: int
    limit: int
    offset: int


class ErrorDetailModel(BaseModel):
    field: str = Field(description="The field, header or parameter that broke a rule")
    rule: str = Field(description="The rule, in words")


class ErrorModel(BaseModel):
    code: str = Field(description="Stable machine code: invalid_request, not_found, queue_full...")
    message: str = Field(description="What went wrong, in words")
    details: list[ErrorDetailModel] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorModel

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "error": {
                        "code": "invalid_request",
                        "message": "duration: must be from 5 to 300, got 301",
                        "details": [{"field": "duration", "rule": "must be from 5 to 300, got 301"}],
                    }
                }
            ]
        }
    }


_MEANINGS = {
    401: "No valid API key (when keys are on)",
    403: "The track belongs to another API key",
    404: "No such track, file or route",
    405: "Method not allowed here (Allow lists the methods)",
    409: "The track is not completed yet",
    413: "Body too large",
    415: "The body is not application/json",
    416: "Range outside the file",
    421: "This server does not answer for that Host",
    422: "A field, header or parameter broke a rule (each is named in details)",
    429: "Rate limit reached (Retry-After)",
    500: "A bug (logged); the answer says nothing internal",
    503: "Queue full, disk full, encoder or engine unavailable (Retry-After where it helps)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for ``statuses``, each with the real error shape."""
    return {status: {"model": ErrorBody, "description": _MEANINGS[status]} for status in statuses}
