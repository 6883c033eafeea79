"""The Track: a stored generation and its state, as a frozen value the adapters read."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from .errors import NotFound

if TYPE_CHECKING:
    from .audio.tags import Tags
    from .plan import Plan
    from .request import GenerationRequest

__all__ = [
    "OPERATIONS",
    "STATUSES",
    "Track",
    "TrackOutcome",
    "TrackStatus",
    "check_track_id",
    "loop_points",
    "new_track_id",
    "provenance_tags",
    "track_title",
    "utc_now",
]

STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
#: How a track was made from another (its ``parent_id``); ``None`` for a track made by generate.
OPERATIONS = ("extend", "regenerate", "loop", "variation", "remix")
TrackStatus = str
_TRACK_ID = re.compile(r"^[0-9a-f]{32}$")


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC (the only kind of time a track holds)."""
    return dt.datetime.now(dt.UTC)


def track_title(prompt: str, *, max_chars: int = 60) -> str:
    """A short human title from the prompt (first clause, trimmed on a word boundary)."""
    first = re.split(r"[.!?\n]", prompt.strip(), maxsplit=1)[0].strip() or prompt.strip()
    if len(first) <= max_chars:
        return first
    return first[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def provenance_tags(
    *,
    prompt: str,
    engine: str,
    engine_version: str,
    model: str,
    seed: int,
    license: str,
    loop_frames: int | None = None,
) -> Tags:
    """The tags every audio file of a track carries (the job's and every later encode's); a seamless
    loop's files also say where it loops (from frame 0, ``loop_frames`` long)."""
    from .audio.tags import Tags

    return Tags(
        title=track_title(prompt),
        engine=f"{engine} {engine_version}",
        model=model,
        prompt=prompt,
        seed=str(seed),
        license=license,
        loopstart="0" if loop_frames else "",
        looplength=str(loop_frames) if loop_frames else "",
    )


def loop_points(plan: dict[str, Any], sample_rate: int) -> dict[str, Any] | None:
    """A loop's points from its stored plan: ``bars``, ``start_frame``, ``length_frames``, ``length_s``;
    ``None`` when the track is not a loop."""
    from .plan import bar_seconds

    bars = plan.get("loop_bars")
    if not bars:
        return None
    num, den = (int(part) for part in str(plan.get("time_signature", "4/4")).split("/"))
    frames = round(bars * bar_seconds(plan["tempo_bpm"], (num, den)) * sample_rate)
    return {
        "bars": bars,
        "start_frame": 0,
        "length_frames": frames,
        "length_s": round(frames / sample_rate, 6),
    }


def new_track_id() -> str:
    """A fresh random track id (32 lowercase hex characters)."""
    import uuid

    return uuid.uuid4().hex


def check_track_id(track_id: str) -> str:
    """Return ``track_id`` if it has the shape of an id, else raise :class:`NotFound`.

    Called before any storage is touched, so no path or query is ever built from arbitrary input.
    """
    if not isinstance(track_id, str) or not _TRACK_ID.fullmatch(track_id):
        raise NotFound("no track with that id")
    return track_id


@dataclass(frozen=True)
class TrackOutcome:
    """What a finished job produced; every field has the name of the :class:`Track` field it fills.

    ``files`` are relative to the track's directory: ``mix`` and the stems point at the lossless master,
    ``waveform``, ``beats`` and ``midi`` at the side files.
    """

    files: dict[str, str]
    engine: str
    engine_version: str
    model: str
    license: str
    key: str
    loudness_lufs: float
    true_peak_dbtp: float
    notices: tuple[str, ...] = ()
    sections: tuple[tuple[str, float], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The outcome as ``{track field: value}``, what completing a track writes."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Track:
    """One track as stored. ``files`` maps ``mix``, the stem names, ``waveform`` and ``midi`` to paths
    relative to the track's directory; it is empty until the track is completed."""

    id: str
    status: TrackStatus
    prompt: str
    duration_s: int
    genre: str
    tempo_bpm: int
    key: str
    output_format: str
    seed: int
    engine_requested: str
    created_at: dt.datetime
    plan: dict[str, Any]
    engine: str | None = None
    engine_version: str | None = None
    model: str | None = None
    license: str | None = None
    progress: float = 0.0
    attempts: int = 0
    error: str | None = None
    notices: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    sections: tuple[tuple[str, float], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    owner: str | None = None
    webhook_url: str | None = None
    parent_id: str | None = None
    operation: str | None = None
    edit: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.operation is not None and self.operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}, got {self.operation!r}")
        if (self.parent_id is None) != (self.operation is None):
            raise ValueError("a track made from another has both parent_id and operation, else neither")

    @property
    def is_finished(self) -> bool:
        """Whether its job has ended (nothing left to run or cancel)."""
        return self.status in ("completed", "failed", "cancelled")

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"

    @classmethod
    def new(
        cls,
        request: GenerationRequest,
        plan: Plan,
        *,
        track_id: str | None = None,
        owner: str | None = None,
        parent: tuple[str, str] | None = None,
        edit: dict[str, Any] | None = None,
    ) -> Track:
        """A pending track for ``request`` as read into ``plan`` (genre, tempo, key, seed resolved), made
        by the API key named ``owner`` (``None`` when keys are off); ``parent`` is ``(parent_id,
        operation)`` for a track made from another, ``edit`` the operation's parameters."""
        return cls(
            edit=dict(edit or {}),
            parent_id=parent[0] if parent else None,
            operation=parent[1] if parent else None,
            owner=owner,
            webhook_url=request.webhook_url,
            id=track_id or new_track_id(),
            status="pending",
            prompt=request.prompt,
            # a loop lasts whole bars: its exact length is in the plan (and the track's loop points)
            duration_s=max(1, round(plan.duration_s)),
            genre=plan.genre,
            tempo_bpm=plan.tempo_bpm,
            key=plan.key_name,
            output_format=request.output_format,
            seed=plan.seed,
            engine_requested=request.engine,
            created_at=utc_now(),
            plan=plan.as_dict(),
        )

    def completed_with(self, outcome: TrackOutcome) -> Track:
        """This track once ``outcome`` is stored: completed, with the outcome's fields."""
        return replace(
            self, **outcome.fields(), status="completed", progress=1.0, error=None, completed_at=utc_now()
        )

    def tags(self) -> Tags:
        """The provenance tags every audio file of this track carries."""
        from .formats import SAMPLE_RATE

        loop = loop_points(self.plan, SAMPLE_RATE)
        return provenance_tags(
            prompt=self.prompt,
            engine=self.engine or "",
            engine_version=self.engine_version or "",
            model=self.model or "",
            seed=self.seed,
            license=self.license or "",
            loop_frames=loop["length_frames"] if loop else None,
        )
