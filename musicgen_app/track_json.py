"""The public face of a track: one table of fields, read by the REST answer, the CLI manifest and the
OpenAPI schema alike. Adding a field to what callers see is one row here (and its test).

Links are the one thing that differs: the API gives absolute URLs of its routes, the CLI's manifest
paths relative to the manifest. Both go through :func:`track_json` with their own ``link``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .formats import OUTPUT_FORMATS, SAMPLE_RATE, STEM_NAMES
from .track import Track, loop_points
from .track_files import MASTER_FORMAT, SIDE_FILES, encoded_file

__all__ = ["PUBLIC_FIELDS", "Link", "PublicField", "file_link", "track_json", "url_link"]

#: ``link(route)`` -> where the file behind ``route`` (``audio``, ``stems/drums``...) can be fetched.
Link = Callable[[str], str]
#: The file each route serves.
_ROUTE_KIND = {"audio": "mix", "download": "mix", **{f"stems/{s}": s for s in STEM_NAMES}} | {
    kind: kind for kind in SIDE_FILES
}


@dataclass(frozen=True)
class View:
    """What a field's value is read from."""

    track: Track
    link: Link
    ready: dict[str, list[str]]

    def url(self, route: str) -> str | None:
        """The link of ``route`` once the track is completed and has that file, else ``None``."""
        done = self.track.is_completed and _ROUTE_KIND[route] in self.track.files
        return self.link(route) if done else None


@dataclass(frozen=True)
class PublicField:
    """One field of the public track: its name, its type for the schema, what it means, its value."""

    name: str
    annotation: Any
    description: str
    value: Callable[[View], Any]
    in_generate: bool = False


PUBLIC_FIELDS: tuple[PublicField, ...] = (
    PublicField("id", str, "Track id (32 hex characters).", lambda v: v.track.id, True),
    PublicField(
        "status",
        str,
        "pending, processing, completed, failed or cancelled.",
        lambda v: v.track.status,
        True,
    ),
    PublicField(
        "audio_url",
        str | None,
        "The mix, inline (HTTP Range); ?format=mp3|wav|flac|ogg serves any format.",
        lambda v: v.url("audio"),
        True,
    ),
    PublicField(
        "duration", int, "Seconds (exact; a loop's, rounded: see loop).", lambda v: v.track.duration_s, True
    ),
    PublicField("genre", str, "The genre used (resolved).", lambda v: v.track.genre, True),
    PublicField("tempo", int, "Beats per minute used (resolved).", lambda v: v.track.tempo_bpm, True),
    PublicField("prompt", str, "The prompt as given (trimmed).", lambda v: v.track.prompt, True),
    PublicField(
        "created_at", dt.datetime, "When it was asked for (UTC).", lambda v: v.track.created_at, True
    ),
    PublicField(
        "parent_id",
        str | None,
        "The track this one was made from (extend, variation, remix...); null for a generated track.",
        lambda v: v.track.parent_id,
        True,
    ),
    PublicField(
        "operation",
        str | None,
        "How it was made from its parent: extend, regenerate, loop, variation or remix; null if generated.",
        lambda v: v.track.operation,
        True,
    ),
    PublicField(
        "loop",
        dict[str, Any] | None,
        "A seamless loop's points: bars, start_frame, length_frames, length_s (44.1 kHz); else null.",
        lambda v: loop_points(v.track.plan, SAMPLE_RATE),
    ),
    PublicField(
        "edit",
        dict[str, Any],
        "What the operation was asked to do (a remix's levels, a variation's kept aspects...); {} if none.",
        lambda v: v.track.edit,
    ),
    PublicField(
        "download_url",
        str | None,
        "The mix as an attachment; ?format= as for audio_url.",
        lambda v: v.url("download"),
    ),
    PublicField(
        "waveform_url", str | None, "Peaks (BBC audiowaveform JSON v2).", lambda v: v.url("waveform")
    ),
    PublicField(
        "beats_url",
        str | None,
        "Beat grid: tempo, meter, beat and downbeat times, sections.",
        lambda v: v.url("beats"),
    ),
    PublicField("midi_url", str | None, "The score as MIDI (symbolic engine).", lambda v: v.url("midi")),
    PublicField(
        "stems",
        dict[str, str | None],
        "vocals, drums, bass, other; ?format= as for audio_url.",
        lambda v: {name: v.url(f"stems/{name}") for name in STEM_NAMES},
    ),
    PublicField(
        "output_format",
        str,
        "The format asked for: what audio_url and the stems serve without ?format=.",
        lambda v: v.track.output_format,
    ),
    PublicField(
        "formats",
        list[str],
        "Formats every audio file can be fetched in (encoded from the lossless master on first request).",
        lambda v: list(OUTPUT_FORMATS) if v.track.is_completed else [],
    ),
    PublicField(
        "encoded",
        dict[str, list[str]],
        "Per audio file (mix and stems), the formats already encoded and served at once.",
        lambda v: v.ready,
    ),
    PublicField("seed", int, "Same request, seed and engine version: same audio.", lambda v: v.track.seed),
    PublicField("engine", str | None, "The engine that made it.", lambda v: v.track.engine),
    PublicField(
        "engine_requested", str, "The engine asked for (auto, ...).", lambda v: v.track.engine_requested
    ),
    PublicField("model", str | None, "What made the audio (SoundFont, model id).", lambda v: v.track.model),
    PublicField("key", str, "Key and mode, e.g. D minor.", lambda v: v.track.key),
    PublicField("progress", float, "0..1 while it is made.", lambda v: v.track.progress),
    PublicField("error", str | None, "Why it failed, for a failed track.", lambda v: v.track.error),
    PublicField(
        "notices", list[str], "Things worth knowing (fallbacks...).", lambda v: list(v.track.notices)
    ),
    PublicField(
        "completed_at", dt.datetime | None, "When it was completed (UTC).", lambda v: v.track.completed_at
    ),
    PublicField("license", str | None, "The license the audio carries.", lambda v: v.track.license),
    PublicField(
        "loudness_lufs", float | None, "Integrated loudness of the mix.", lambda v: v.track.loudness_lufs
    ),
    PublicField("true_peak_dbtp", float | None, "True peak of the mix.", lambda v: v.track.true_peak_dbtp),
    PublicField(
        "sections",
        list[dict[str, Any]],
        "Section markers: name and start in seconds.",
        lambda v: [{"name": n, "start_s": t} for n, t in v.track.sections],
    ),
    PublicField("plan", dict[str, Any], "How the prompt was read (every decision).", lambda v: v.track.plan),
    PublicField(
        "details",
        dict[str, Any],
        "What the engine reports (parts, measured tempo, windows...).",
        lambda v: v.track.details,
    ),
)


def track_json(track: Track, link: Link, *, ready: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The public track, every field of :data:`PUBLIC_FIELDS` in order.

    ``link`` turns a route into a URL (or a relative path); it is only asked for files the completed
    track has. ``ready`` lists, per audio file, the formats already encoded (see ``store/encoded.py``).
    """
    view = View(track, link, ready or {})
    return {f.name: f.value(view) for f in PUBLIC_FIELDS}


def url_link(base: str, track_id: str) -> Link:
    """Links as absolute URLs of the API's file routes under ``base``."""
    return lambda route: f"{base}/v1/music/{track_id}/{route}"


def file_link(track: Track) -> Link:
    """Links as paths inside the track's directory, in the track's own format (the CLI's manifest)."""

    def link(route: str) -> str:
        kind = _ROUTE_KIND[route]
        if kind in SIDE_FILES:
            return track.files[kind]
        if track.output_format == MASTER_FORMAT:
            return track.files[kind]
        return encoded_file(kind, track.output_format)

    return link
