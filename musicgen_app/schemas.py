"""REST schema families (pydantic): what ``/v1`` accepts and answers, for validation docs and OpenAPI."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .formats import (
    MAX_DURATION_S,
    MAX_PROMPT_CHARS,
    MAX_TEMPO_BPM,
    MIN_DURATION_S,
    MIN_TEMPO_BPM,
)
from .request import MAX_SEED

__all__ = ["ErrorBody", "StemUrls", "TrackCreate", "TrackGenerate", "TrackPublic", "TracksPublic"]


class TrackCreate(BaseModel):
    """The body of ``POST /v1/music/generate`` (documentation; the rules live in ``request.py``)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS, description="What to make")
    duration: int = Field(30, ge=MIN_DURATION_S, le=MAX_DURATION_S, description="Seconds")
    genre: str | None = Field(None, description="A genre id or alias (GET /v1/genres)")
    tempo: int | None = Field(None, ge=MIN_TEMPO_BPM, le=MAX_TEMPO_BPM, description="BPM")
    output_format: Literal["mp3", "wav", "flac", "ogg"] = "mp3"
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    engine: Literal["auto", "symbolic", "musicgen"] = "auto"


class StemUrls(BaseModel):
    vocals: str | None
    drums: str | None
    bass: str | None
    other: str | None


class TrackGenerate(BaseModel):
    """MusicTrack (Generate): the answer to a generate request."""

    id: str
    status: Literal["pending", "processing", "completed", "failed"]
    audio_url: str | None
    duration: int
    genre: str
    tempo: int
    prompt: str
    created_at: dt.datetime


class TrackPublic(TrackGenerate):
    """MusicTrack (Full): everything about a track. URLs are null until it is completed."""

    download_url: str | None
    waveform_url: str | None
    midi_url: str | None
    stems: StemUrls
    output_format: str
    seed: int
    engine: str | None
    engine_requested: str
    model: str | None
    key: str
    progress: float
    error: str | None
    notices: list[str]
    completed_at: dt.datetime | None
    license: str | None
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    sections: list[dict[str, Any]]
    plan: dict[str, Any]
    details: dict[str, Any] = Field(
        default_factory=dict, description="What the engine reports (parts, measured tempo, windows...)"
    )


class TracksPublic(BaseModel):
    data: list[TrackPublic]
    count: int
    limit: int
    offset: int


class ErrorBody(BaseModel):
    error: dict[str, Any]
