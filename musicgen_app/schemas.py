"""REST answer schemas (pydantic) for OpenAPI, built from the same tables the answers are built from.

The request body's schema is :func:`musicgen_app.request.request_json_schema` (the validation rules
themselves); the track's is :data:`musicgen_app.track_json.PUBLIC_FIELDS` (the mapping itself). Nothing
here restates a field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from .track_json import PUBLIC_FIELDS

__all__ = ["ErrorBody", "TrackGenerate", "TrackPublic", "TracksPublic"]


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


class TracksPublic(BaseModel):
    data: list[TrackPublic]  # type: ignore[valid-type]
    count: int
    limit: int
    offset: int


class ErrorBody(BaseModel):
    error: dict[str, Any]
