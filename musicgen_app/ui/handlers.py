"""The studio's behaviour, free of Gradio: read the form, submit and follow jobs, load, remix, delete.

:class:`Studio` wraps the same :class:`GenerationService` the API uses, so a track made here is in
``GET /v1/music`` and the other way round. Its methods return plain values (:class:`TrackView`,
:class:`Step`); ``layout.py`` turns them into component updates. Errors a user can cause arrive as
:class:`MusicgenAppError` and leave as their message in words.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..errors import MusicgenAppError, NotFound
from ..file_links import sign_link
from ..formats import STEM_NAMES
from ..request import new_seed
from ..track import Track
from ..track_files import download_name
from . import views
from .access import OwnedService
from .form import AUTO, Form
from .waveform_plot import parse_waveform, waveform_svg

if TYPE_CHECKING:
    from ..service import GenerationService

__all__ = ["AUTO", "Form", "PlayerSource", "Step", "Studio", "TrackView", "engine_statuses", "new_seed"]

log = logging.getLogger(__name__)

#: How many spans a track without sections (a model's) offers to regenerate, at least.
_SPANS = 4
#: Where links point when the browser's address is unknown (no ``Host`` header and no ``PUBLIC_URL``).
_FALLBACK_BASE = "http://localhost"
#: Most children the family of a track lists.
_FAMILY_CHILDREN = 100


def engine_statuses(service: GenerationService) -> dict[str, tuple[bool, str]]:
    """Whether each neural engine can run here, and why not; cheap (looks on disk, loads no weights)."""
    from ..engines.registry import engine_status

    statuses = {}
    for name in ("acestep", "musicgen"):
        try:
            statuses[name] = engine_status(name, service.engine_config)
        except Exception as exc:  # a broken cache or install must not break the page: say so instead
            log.warning("%s availability check failed: %s", name, exc)
            statuses[name] = (False, f"the availability check failed ({type(exc).__name__})")
    return statuses


#: A player's source: the absolute URL of a ``/v1`` file route, and the name it downloads as.
PlayerSource = tuple[str, str]


@dataclass(frozen=True)
class TrackView:
    """Everything the result panel shows for one completed track (its audio as ``/v1`` URLs)."""

    track: Track
    title_md: str
    mix: PlayerSource | None
    stems: dict[str, PlayerSource | None]
    waveform_html: str
    plan_md: str
    downloads_html: str
    share_url: str = ""
    is_loop: bool = False
    family_html: str = ""
    compare_html: str = ""


@dataclass(frozen=True)
class Step:
    """One update while a job runs: the status line, and at the end the track (and its view)."""

    status_html: str
    track: Track | None = None
    view: TrackView | None = None
    done: bool = False


class Studio:
    """The studio's actions on a :class:`GenerationService`."""

    def __init__(self, service: GenerationService, *, poll_s: float = 0.5, history_limit: int = 50) -> None:
        self.service = service
        self.poll_s = poll_s
        self.history_limit = history_limit
        self.base_url = service.settings.public_url or ""
        #: The API key this studio acts for (``None``: keys are off); its file links are signed for it.
        self.owner: str | None = getattr(service, "owner", None)

    def for_owner(self, owner: str | None) -> Studio:
        """This studio acting for the API key ``owner`` (itself when keys are off)."""
        if owner is None:
            return self
        acting = Studio(
            OwnedService(self.service, owner), poll_s=self.poll_s, history_limit=self.history_limit
        )
        acting.base_url = self.base_url
        return acting

    def seen_at(self, base_url: str) -> Studio:
        """This studio with links made absolute on ``base_url`` (the address the browser used), unless
        ``PUBLIC_URL`` already says where the server is."""
        if self.base_url or not base_url:
            return self
        seen = Studio(self.service, poll_s=self.poll_s, history_limit=self.history_limit)
        seen.base_url = base_url.rstrip("/")
        return seen

    def file_link(self, track_id: str, route: str, query: dict[str, str] | None = None) -> str:
        """The absolute URL of ``/v1/music/{track_id}/{route}`` as this studio's user may fetch it: with a
        signed link token when API keys are on (a player cannot send an ``Authorization`` header)."""
        params = dict(query or {})
        if self.owner is not None:
            params["token"] = sign_link(self.service.api_keys, self.owner, track_id)
        base = self.base_url or _FALLBACK_BASE
        tail = f"?{urlencode(params)}" if params else ""
        return f"{base}/v1/music/{track_id}/{route}{tail}"

    # -- generation ----------------------------------------------------------------------------

    async def generate(self, form: Form) -> AsyncIterator[Step]:
        """Submit ``form`` as a job and follow it until it completes or fails."""
        try:
            track = await asyncio.to_thread(self.service.submit, form.body())
        except MusicgenAppError as exc:
            yield Step(views.error_html(exc.message), done=True)
            return
        async for step in self.follow(track.id, first=track):
            yield step

    async def vary(self, track_id: str) -> AsyncIterator[Step]:
        """Make a variation of the loaded track (a new seed; its key, tempo and structure kept, as
        ``POST /v1/music/{id}/variations`` does) and follow it until it is done."""
        if not track_id:
            yield Step(views.error_html("Load or generate a track first."), done=True)
            return
        try:
            made = await asyncio.to_thread(self.service.variations, track_id, {"count": 1})
        except MusicgenAppError as exc:
            yield Step(views.error_html(exc.message), done=True)
            return
        async for step in self.follow(made[0].id, first=made[0]):
            yield step

    async def edit(self, operation: str, track_id: str, body: dict[str, Any]) -> AsyncIterator[Step]:
        """Make a new track from the loaded one (``extend``, ``loop`` or ``regenerate``, as the API's
        routes of those names do) and follow it until it is done."""
        if not track_id:
            yield Step(views.error_html("Load or generate a track first."), done=True)
            return
        try:
            made = await asyncio.to_thread(getattr(self.service, operation), track_id, body)
        except MusicgenAppError as exc:
            yield Step(views.error_html(exc.message), done=True)
            return
        async for step in self.follow(made.id, first=made):
            yield step

    def section_choices(self, track_id: str) -> list[tuple[str, int | str]]:
        """The loaded track's sections as ``(label, index)`` choices ("2 · chorus at 0:16"); for a track
        of a model, which knows no sections, equal spans of it as ``(label, "start-end")`` (seconds),
        which the model makes anew (:func:`~musicgen_app.ui.form.regenerate_body`): ACE-Step by its
        repaint, MusicGen by continuing into the span (so no span longer than it allows)."""
        if not track_id:
            return []
        try:
            track = self.service.get(track_id)
        except MusicgenAppError:
            return []
        if not track.sections and track.engine in ("acestep", "musicgen"):
            count = _SPANS
            if track.engine == "musicgen":
                from ..engines.musicgen.edit import MAX_SPAN_S

                count = max(_SPANS, math.ceil(track.duration_s / MAX_SPAN_S))
            bounds = [round(track.duration_s * i / count, 2) for i in range(count + 1)]
            return [
                (f"{index + 1} · {views.clock(start)}–{views.clock(end)}", f"{start:g}-{end:g}")
                for index, (start, end) in enumerate(itertools.pairwise(bounds))
            ]
        return [
            (f"{index + 1} · {name} at {views.clock(start)}", index)
            for index, (name, start) in enumerate(track.sections)
        ]

    async def follow(self, track_id: str, *, first: Track | None = None) -> AsyncIterator[Step]:
        """Poll a track, one :class:`Step` per poll, until it is completed, failed or cancelled."""
        track = first
        while True:
            if track is None:
                try:
                    track = await asyncio.to_thread(self.service.get, track_id)
                except NotFound:
                    yield Step(views.error_html("The track was deleted."), done=True)
                    return
            if track.is_finished:
                yield await asyncio.to_thread(self.finished, track)
                return
            yield Step(views.progress_html(track), track=track)
            track = None
            await asyncio.sleep(self.poll_s)

    def finished(self, track: Track) -> Step:
        """The last step for a track that is done: its view, or its error in words."""
        if track.status == "failed":
            message = f"The track could not be made: {track.error or 'unknown reason'}"
            return Step(views.error_html(message), track=track, done=True)
        if track.status == "cancelled":
            return Step(views.error_html("The track was cancelled."), track=track, done=True)
        try:
            view = self.view(track)
        except MusicgenAppError as exc:
            return Step(views.error_html(exc.message), track=track, done=True)
        return Step(
            views.notice_html(f"Done: {views.clock(track.duration_s)} of {track.genre}."),
            track=track,
            view=view,
            done=True,
        )

    # -- reading ---------------------------------------------------------------------------------

    def load(self, track_id: str) -> Step:
        """A stored track as a step: its view if completed, its progress or error otherwise."""
        try:
            track = self.service.get(track_id)
        except MusicgenAppError as exc:
            return Step(views.error_html(exc.message), done=True)
        if track.is_finished:
            return self.finished(track)
        return Step(views.progress_html(track), track=track)

    def view(self, track: Track) -> TrackView:
        """The result panel of a completed track."""
        silent = views.silent_stems(track)
        sources = {kind: self._source(track, kind) for kind in ("mix", *STEM_NAMES) if kind not in silent}
        token = sign_link(self.service.api_keys, self.owner, track.id) if self.owner is not None else None
        _track, parent, children = self.family(track)
        return TrackView(
            track=track,
            title_md=views.title_markdown(track),
            mix=sources["mix"],
            stems={name: sources.get(name) for name in STEM_NAMES},
            waveform_html=self.waveform_html(track),
            plan_md=views.plan_markdown(track),
            downloads_html=views.downloads_html(track, base_url=self.base_url, token=token),
            share_url=views.share_url(track.id, base_url=self.base_url),
            is_loop=bool(track.plan.get("loop_bars")),
            family_html=views.family_html(track, parent, children),
            compare_html=views.compare_html(self.compared(track, parent, children), self._mix_url),
        )

    def compared(self, track: Track, parent: Track | None, children: list[Track]) -> list[Track]:
        """The tracks to compare side by side (A/B): the original first, then its completed variations;
        for a variation, its parent and every variation of it; empty when there is nothing to compare."""
        if track.operation == "variation" and parent is not None and parent.is_completed:
            original, made = parent, self.service.children(parent.id, limit=_FAMILY_CHILDREN)
        else:
            original, made = track, children
        variations = [t for t in made if t.operation == "variation" and t.is_completed]
        return [original, *variations[: views.MAX_COMPARED - 1]] if variations else []

    def _mix_url(self, track: Track) -> str | None:
        """Where the browser fetches ``track``'s mix: its ``/v1`` audio route (signed behind API keys),
        like the studio's other players."""
        return self.file_link(track.id, "audio") if "mix" in track.files else None

    def family(self, track: Track) -> tuple[Track, Track | None, list[Track]]:
        """``track``, the track it was made from (``None``: made by generate, or gone) and the tracks made
        from it (found by ``parent_id`` in the store, however old they are)."""
        parent = None
        if track.parent_id:
            try:
                parent = self.service.get(track.parent_id)
            except MusicgenAppError:  # deleted since, or another key's: the family starts here
                parent = None
        return track, parent, self.service.children(track.id, limit=_FAMILY_CHILDREN)

    def _source(self, track: Track, kind: str) -> PlayerSource | None:
        if kind not in track.files:
            return None
        route = "audio" if kind == "mix" else f"stems/{kind}"
        return self.file_link(track.id, route), download_name(
            kind, track.prompt, track.id, f".{track.output_format}"
        )

    def waveform_html(self, track: Track) -> str:
        """The waveform plot of a completed track, or a notice saying why there is none."""
        if "waveform" not in track.files:
            return views.notice_html("This track has no waveform.")
        path = self.service.file(track.id, "waveform").path
        try:
            peaks = parse_waveform(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            log.warning("unreadable waveform for %s: %s", track.id, exc)
            return views.notice_html("The waveform of this track cannot be read.")
        return waveform_svg(
            peaks, sections=track.sections, title=f"Waveform of {track.prompt[:80]}", extend_tab=True
        )

    def history(self) -> tuple[list[list[Any]], list[str]]:
        """Rows of the newest tracks for the history table, and their ids in the same order."""
        tracks, _count = self.service.list(limit=self.history_limit)
        return views.history_rows(tracks), [t.id for t in tracks]

    def cancel(self, track_id: str) -> str:
        """Stop a pending or processing track (``POST /v1/music/{id}/cancel``); returns a status line."""
        if not track_id:
            return views.error_html("No track is being made.")
        try:
            self.service.cancel(track_id)
        except MusicgenAppError as exc:
            return views.error_html(exc.message)
        return views.notice_html("The track was cancelled.")

    def delete(self, track_id: str) -> str:
        """Delete a track and its files; returns a status line."""
        try:
            self.service.delete(track_id)
        except MusicgenAppError as exc:
            return views.error_html(exc.message)
        return views.notice_html("Track deleted.")

    # -- remix -----------------------------------------------------------------------------------

    def remix(self, track_id: str, gains_db: dict[str, float]) -> PlayerSource:
        """A WAV preview of a completed track at the given stem levels, rendered here (so a bad level or
        a missing track is said at once) and played from ``GET /v1/music/{id}/remix``, which finds it
        rendered already."""
        stored = self.service.remix_preview(track_id, gains_db)
        query = {name: f"{float(gains_db.get(name, 0.0)):g}" for name in STEM_NAMES}
        return self.file_link(track_id, "remix", query), stored.download_name
