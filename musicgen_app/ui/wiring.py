"""The studio's events: which handler runs on which click, and how its result updates the components.

Every handler is guarded: an error a user can cause shows its message inline; anything unexpected is
logged with its traceback on the server and shown in words in the page, never as a stack trace.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr

from ..errors import MusicgenAppError
from ..formats import STEM_NAMES
from ..rate_limit import rate_identity
from . import views
from .access import StudioAccess
from .form import regenerate_body
from .handlers import Form, Step, Studio, new_seed
from .players import LinkedAudio

__all__ = ["Parts", "shared_track_id", "wire"]

log = logging.getLogger(__name__)

_UNEXPECTED = "Something went wrong on the server; the details are in its log."
_SCROLL_TO_STATUS = (
    "() => { const at = document.querySelector('#mg-status');"
    " if (at) at.scrollIntoView({behavior: 'smooth', block: 'start'}); }"
)


class Parts(SimpleNamespace):
    """The components the handlers update, as attributes (``p.prompt``, ``p.stems["bass"]``...)."""

    form: list[gr.components.Component]
    stems: dict[str, LinkedAudio]
    levels: dict[str, gr.Slider]


def shared_track_id(query: Any) -> str:
    """The track a share URL names (``?track=ID``), or ``""``; a malformed id is left to the load to
    refuse in words."""
    return str(query.get("track") or "").strip()


def _base_url(request: gr.Request | None) -> str:
    """The address the browser reached the studio at (behind a proxy, the one it forwarded), for links
    a user copies; ``""`` when unknown."""
    headers = getattr(request, "headers", None) or {}
    host = headers.get("x-forwarded-host") or headers.get("host")
    if not host:
        return ""
    scheme = (
        headers.get("x-forwarded-proto") or getattr(getattr(request, "url", None), "scheme", None) or "http"
    )
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"


def _error_update(p: Parts, exc: Exception) -> dict:
    if isinstance(exc, MusicgenAppError):
        return {p.status: views.error_html(exc.message)}
    log.exception("studio handler failed")
    return {p.status: views.error_html(_UNEXPECTED)}


def _guarded(p: Parts, fn: Callable[..., dict]) -> Callable[..., dict]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> dict:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # the page shows words; the log keeps the traceback
            return _error_update(p, exc)

    return run


def _guarded_stream(p: Parts, fn: Callable[..., AsyncIterator[dict]]) -> Callable[..., AsyncIterator[dict]]:
    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> AsyncIterator[dict]:
        try:
            async for update in fn(*args, **kwargs):
                yield update
        except Exception as exc:
            yield _error_update(p, exc)

    return run


def _history_updates(p: Parts, studio: Studio, key: str | None = None) -> dict:
    """New history rows, or skips when nothing changed since ``key`` (so the table does not flicker)."""
    rows, _ids = studio.history()
    fingerprint = "|".join(f"{row[-1]}:{row[-2]}" for row in rows)
    if key is not None and fingerprint == key:
        return {p.history: gr.skip(), p.history_key: gr.skip()}
    return {p.history: rows, p.history_key: fingerprint}


def _step_updates(p: Parts, studio: Studio, step: Step) -> dict:
    out: dict = {p.status: step.status_html}
    # Cancel is on offer only while a job runs; it acts on that job, which need not be the loaded track
    running = step.track is not None and not step.done
    out[p.cancel] = gr.Button(visible=running)
    out[p.running] = step.track.id if running else ""
    if step.track is not None:
        out[p.seed] = str(step.track.seed)  # shows the seed a random draw gave
        out[p.tempo] = step.track.tempo_bpm  # and the tempo used, also when the prompt chose it
    if step.view is not None:
        view = step.view
        out.update(
            {
                p.result: gr.Column(visible=True),
                p.title: view.title_md,
                p.mix: LinkedAudio(value=view.mix, loop=view.is_loop),
                p.share: view.share_url,
                p.family: view.family_html,
                p.compare: view.compare_html,
                p.waveform: view.waveform_html,
                p.plan: view.plan_md,
                p.downloads: view.downloads_html,
                p.remix: None,
                p.current: view.track.id,
                p.variation: gr.Button(interactive=True),
            }
        )
        # an empty stem (None: the engine left it silent) gets no player and no level
        for name in STEM_NAMES:
            source = view.stems[name]
            label = views.stem_label(view.track, name)
            out[p.stems[name]] = LinkedAudio(value=source, visible=source is not None, label=label)
            out[p.levels[name]] = gr.Slider(value=0.0, visible=source is not None)
    if step.done:
        out.update(_history_updates(p, studio))
    return out


def _outputs(p: Parts) -> list:
    return [
        p.status,
        p.result,
        p.title,
        p.mix,
        p.waveform,
        p.plan,
        p.downloads,
        p.remix,
        p.current,
        p.history,
        p.history_key,
        p.seed,
        p.tempo,
        p.variation,
        p.share,
        p.family,
        p.compare,
        p.cancel,
        p.running,
        *p.stems.values(),
        *p.levels.values(),
    ]


def wire(
    demo: gr.Blocks,
    p: Parts,
    studio: Studio,
    *,
    engine_dropdown: Callable[..., Any],
    lyrics_box: Callable[..., Any],
    access: StudioAccess,
) -> None:
    """Attach every event of the studio to its handler. Each handler acts as the user behind its request
    (``access``): with API keys on, the key the user logged in with; otherwise the studio itself."""
    outputs = _outputs(p)

    async def admit(request: gr.Request) -> None:
        """The API's rate limit on what makes a track here too (else the studio would bypass it)."""
        identity = rate_identity(access.owner_of(request), getattr(request, "client", None))
        await asyncio.to_thread(studio.service.admit, identity)

    def acting(request: gr.Request | None) -> Studio:
        return studio.for_owner(access.owner_of(request)).seen_at(_base_url(request))

    async def generate(request: gr.Request, *values: Any) -> AsyncIterator[dict]:
        mine = acting(request)
        await admit(request)
        async for step in mine.generate(Form(*values)):
            yield _step_updates(p, mine, step)

    async def open_track(mine: Studio, track_id: str) -> AsyncIterator[dict]:
        first = mine.load(track_id)
        yield _step_updates(p, mine, first)
        if not first.done:  # a job still running: follow it like a fresh one
            async for step in mine.follow(track_id):
                yield _step_updates(p, mine, step)

    async def select(request: gr.Request, event: gr.SelectData) -> AsyncIterator[dict]:
        async for update in open_track(acting(request), str((event.row_value or [""])[-1])):
            yield update

    async def open_relative(request: gr.Request, event: gr.SelectData) -> AsyncIterator[dict]:
        async for update in open_track(acting(request), str(event.value or "")):
            yield update

    async def open_shared(request: gr.Request) -> AsyncIterator[dict]:
        """``/?track=ID`` opens that track (behind API keys, only one of the user's own)."""
        track_id = shared_track_id(request.query_params)
        if not track_id:
            # a stream that yields nothing would blank every output (the tempo slider, the status...)
            yield {p.status: gr.skip()}
            return
        async for update in open_track(acting(request), track_id):
            yield update

    async def vary(request: gr.Request, current: str) -> AsyncIterator[dict]:
        mine = acting(request)
        await admit(request)
        async for step in mine.vary(current):
            yield _step_updates(p, mine, step)

    generate = _guarded_stream(p, generate)
    streaming = {"concurrency_limit": None, "show_progress": "hidden"}  # polling is cheap and async
    gen_event = p.generate.click(generate, p.form, outputs, trigger_mode="once", **streaming)
    # A variation of the loaded track keeps its key, tempo and structure (the variations route), with
    # a seed of its own; the form is left as it is, so the next Generate is the user's own again.
    var_event = p.variation.click(
        _guarded_stream(p, vary), [p.current], outputs, trigger_mode="once", **streaming
    )
    p.history.select(_guarded_stream(p, select), None, outputs, cancels=[gen_event, var_event], **streaming)
    demo.load(_guarded_stream(p, open_shared), None, outputs, **streaming)
    p.family.select(
        _guarded_stream(p, open_relative), None, outputs, cancels=[gen_event, var_event], **streaming
    )
    # Bring what a click starts into view: the progress (and then the result) sits above a long form
    # and history, so on a laptop screen it would happen out of sight.
    for trigger in (p.generate.click, p.variation.click, p.history.select):
        trigger(None, None, None, js=_SCROLL_TO_STATUS, queue=False)
    _wire_form(demo, p, studio, engine_dropdown, lyrics_box, acting)
    _wire_track_actions(p, outputs, acting)
    _wire_edits(p, outputs, acting, admit)


def _wire_form(
    demo: gr.Blocks,
    p: Parts,
    studio: Studio,
    engine_dropdown: Callable[..., Any],
    lyrics_box: Callable[..., Any],
    acting: Callable[[gr.Request | None], Studio],
) -> None:
    p.auto_tempo.change(lambda auto: gr.Slider(interactive=not auto), p.auto_tempo, p.tempo)
    p.random_seed.change(lambda rand: gr.Textbox(interactive=not rand), p.random_seed, p.seed)
    p.reroll.click(lambda: (False, str(new_seed())), None, [p.random_seed, p.seed])
    history = [p.history, p.history_key, p.status]

    def refresh(request: gr.Request) -> dict:
        return _history_updates(p, acting(request))

    def tick(request: gr.Request, key: str) -> dict:
        return _history_updates(p, acting(request), key)

    p.refresh.click(_guarded(p, refresh), None, history)
    p.timer.tick(_guarded(p, tick), p.history_key, history, show_progress="hidden")
    demo.load(_guarded(p, refresh), None, history)
    # the first MusicGen check imports torch (seconds): keep it off the history's way and spinner-free
    demo.load(
        lambda engine: engine_dropdown(studio.service, engine),
        p.engine,
        [p.engine, p.lyrics, p.lyrics_on],
        show_progress="hidden",
        concurrency_limit=None,
    )
    # the lyrics box follows the engine: shown when the chosen one sings
    p.engine.change(
        lambda engine: lyrics_box(studio.service, engine),
        p.engine,
        [p.lyrics, p.lyrics_on],
        show_progress="hidden",
    )


def _wire_track_actions(p: Parts, outputs: list, acting: Callable[[gr.Request | None], Studio]) -> None:
    levels = list(p.levels.values())

    def remix(request: gr.Request, current: str, *gains: float) -> dict:
        if not current:
            return {p.status: views.error_html("Load or generate a track first.")}
        source = acting(request).remix(current, dict(zip(STEM_NAMES, gains, strict=True)))
        return {p.remix: source, p.status: views.notice_html("Remix ready.")}

    remix = _guarded(p, remix)
    p.render_remix.click(remix, [p.current, *levels], [p.remix, p.status], concurrency_limit=2)
    for slider in levels:
        slider.release(
            remix, [p.current, *levels], [p.remix, p.status], trigger_mode="always_last", concurrency_limit=2
        )
    p.reset_levels.click(lambda: [0.0] * len(levels), None, levels)

    players = [p.mix, p.remix, *p.stems.values()]

    def release() -> dict:
        return {player: None for player in players}

    def delete(request: gr.Request, current: str) -> dict:
        if not current:
            return {p.status: views.error_html("No track is loaded.")}
        mine = acting(request)
        return {
            p.status: mine.delete(current),
            p.result: gr.Column(visible=False),
            p.current: "",
            p.variation: gr.Button(interactive=False),
            **_history_updates(p, mine),
        }

    # The players let go of the track's URLs first, and only then is it deleted: a player still fetching
    # its stem (the browser loads audio in ranges, slowly under load) would otherwise ask for a file that
    # is gone (404s). A failed delete (the track was already gone) leaves them empty too, which is right.
    p.delete.click(release, None, players, queue=False).then(_guarded(p, delete), [p.current], outputs)

    def cancel(request: gr.Request, running: str) -> dict:
        # the job's own stream then sees it cancelled, says so and hides this button
        return {p.status: acting(request).cancel(running)}

    p.cancel.click(_guarded(p, cancel), [p.running], [p.status], concurrency_limit=None)


def _wire_edits(
    p: Parts,
    outputs: list,
    acting: Callable[[gr.Request | None], Studio],
    admit: Callable[[gr.Request], Awaitable[None]],
) -> None:
    """Extend, regenerate a section and loop: each makes a new track from the loaded one and follows
    it like a fresh generation; the sections to pick from follow the loaded track."""

    def follow_edit(operation: str, body: Callable[..., dict]) -> Callable[..., AsyncIterator[dict]]:
        async def run(request: gr.Request, current: str, *values: Any) -> AsyncIterator[dict]:
            mine = acting(request)
            await admit(request)
            async for step in mine.edit(operation, current, body(*values)):
                yield _step_updates(p, mine, step)

        return _guarded_stream(p, run)

    streaming = {"concurrency_limit": None, "show_progress": "hidden", "trigger_mode": "once"}
    p.extend.click(
        follow_edit("extend", lambda seconds: {"seconds": int(seconds)}),
        [p.current, p.extend_s],
        outputs,
        **streaming,
    )
    p.regenerate.click(
        follow_edit("regenerate", regenerate_body),
        [p.current, p.section],
        outputs,
        **streaming,
    )
    p.loop.click(
        follow_edit("loop", lambda bars: {"bars": int(bars)}), [p.current, p.loop_bars], outputs, **streaming
    )
    for trigger in (p.extend.click, p.regenerate.click, p.loop.click):
        trigger(None, None, None, js=_SCROLL_TO_STATUS, queue=False)

    def sections(request: gr.Request, current: str) -> gr.Dropdown:
        choices = acting(request).section_choices(current)
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    p.current.change(sections, [p.current], [p.section], show_progress="hidden")

    def pick_section(event: gr.SelectData) -> dict:
        # a click on the waveform's section picks it for Regenerate, with the Edit panel opened on it; a
        # click on its end opens the panel on Extend (the page then puts the focus on that button)
        if int(event.index) < 0:
            return {p.section: gr.skip(), p.edit_panel: gr.Accordion(open=True)}
        return {p.section: gr.Dropdown(value=int(event.index)), p.edit_panel: gr.Accordion(open=True)}

    p.waveform.select(pick_section, None, [p.section, p.edit_panel], show_progress="hidden")
