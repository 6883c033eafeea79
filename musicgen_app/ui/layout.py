"""The studio's Gradio Blocks: the form, the result panel, the remix desk and the history.

Components are laid out here and wired to :class:`~musicgen_app.ui.handlers.Studio`, which holds the
behaviour. Track files are served by Gradio straight from the track store (``gr.set_static_paths``), so
nothing is copied into Gradio's cache; downloads go through the ``/v1`` API for readable file names.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..errors import MusicgenAppError
from ..formats import (
    MAX_DURATION_S,
    MAX_TEMPO_BPM,
    MIN_DURATION_S,
    MIN_TEMPO_BPM,
    OUTPUT_FORMATS,
    STEM_NAMES,
)
from ..genres import GENRES
from ..remix import MAX_GAIN_DB, MIN_GAIN_DB
from ..request import MAX_SEED
from . import views
from .handlers import AUTO, Form, Step, Studio, musicgen_status, new_seed
from .theme import PROGRESS_CSS

if TYPE_CHECKING:
    from ..service import GenerationService

__all__ = ["EXAMPLE_PROMPTS_PATH", "build_ui", "load_example_prompts"]

log = logging.getLogger(__name__)

EXAMPLE_PROMPTS_PATH = Path(__file__).resolve().parents[2] / "assets" / "example_prompts.json"
_HISTORY_REFRESH_S = 5.0


def load_example_prompts(path: Path = EXAMPLE_PROMPTS_PATH) -> list[tuple[str, str]]:
    """``(title, prompt)`` pairs from the assets file; none when it is missing (e.g. a wheel install)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("no example prompts (%s)", exc)
        return []
    return [(str(e.get("title") or e["prompt"][:30]), str(e["prompt"])) for e in entries if e.get("prompt")]


def engine_choices(service: GenerationService) -> list[tuple[str, str]]:
    """Engine choices, the MusicGen one saying whether its weights can be had here."""
    ok, why = musicgen_status(service)
    model = service.settings.musicgen_model
    musicgen = f"MusicGen ({model}): ready" if ok else f"MusicGen: unavailable ({why})"
    return [
        ("Auto: MusicGen when available, else symbolic", AUTO),
        ("Symbolic: offline, royalty-free, exact stems and MIDI", "symbolic"),
        (musicgen, "musicgen"),
    ]


class _Parts(SimpleNamespace):
    """The components the handlers update, as attributes (``p.prompt``, ``p.stems["bass"]``...)."""

    form: list[gr.components.Component]
    stems: dict[str, gr.Audio]
    levels: dict[str, gr.Slider]


def _form_panel(p: _Parts, examples: list[tuple[str, str]]) -> None:
    p.prompt = gr.Textbox(
        label="Describe the music",
        lines=3,
        max_length=2000,
        elem_id="mg-prompt",
        placeholder="e.g. chill lo-fi beat with jazzy Rhodes piano and rain",
    )
    if examples:
        gr.Examples(
            [[prompt] for _, prompt in examples],
            inputs=[p.prompt],
            label="Example prompts",
            example_labels=[title for title, _ in examples],
            examples_per_page=10,
        )
    genres = [("Auto (from the prompt)", AUTO)] + [(g.name, g.id) for g in GENRES]
    with gr.Row():
        p.genre = gr.Dropdown(genres, value=AUTO, label="Genre", elem_id="mg-genre")
        p.engine = gr.Dropdown([("Auto", AUTO)], value=AUTO, label="Engine", elem_id="mg-engine")
    with gr.Row(equal_height=True):
        p.auto_tempo = gr.Checkbox(True, label="Auto tempo", elem_id="mg-auto-tempo", scale=0, min_width=120)
        p.tempo = gr.Slider(
            MIN_TEMPO_BPM,
            MAX_TEMPO_BPM,
            100,
            step=1,
            label="Tempo (BPM)",
            interactive=False,
            elem_id="mg-tempo",
        )
    p.duration = gr.Slider(
        MIN_DURATION_S, MAX_DURATION_S, 30, step=1, label="Duration (seconds)", elem_id="mg-duration"
    )
    p.format = gr.Radio(list(OUTPUT_FORMATS), value="mp3", label="Output format", elem_id="mg-format")
    with gr.Row(equal_height=True):
        p.random_seed = gr.Checkbox(
            True, label="Random seed", elem_id="mg-random-seed", scale=0, min_width=120
        )
        p.seed = gr.Number(
            None, label="Seed", precision=0, minimum=0, maximum=MAX_SEED, interactive=False, elem_id="mg-seed"
        )
        p.reroll = gr.Button("Re-roll", size="sm", scale=0, min_width=90, elem_id="mg-reroll")
    with gr.Row():
        p.generate = gr.Button("Generate", variant="primary", elem_id="mg-generate")
        p.variation = gr.Button("Variation (new seed)", elem_id="mg-variation")
    p.status = gr.HTML("", elem_id="mg-status", js_on_load=None, css_template=PROGRESS_CSS)
    p.form = [p.prompt, p.genre, p.auto_tempo, p.tempo, p.duration, p.format, p.random_seed, p.seed, p.engine]


def _result_panel(p: _Parts) -> None:
    with gr.Column(visible=False, elem_id="mg-result") as p.result:
        p.title = gr.Markdown(elem_id="mg-title")
        p.mix = gr.Audio(
            label="Mix", type="filepath", interactive=False, elem_id="mg-player", buttons=["download"]
        )
        p.waveform = gr.HTML("", elem_id="mg-waveform", js_on_load=None)
        with gr.Accordion("Stems", open=True):
            with gr.Row():
                for name in STEM_NAMES[:2]:
                    p.stems[name] = _stem_player(name)
            with gr.Row():
                for name in STEM_NAMES[2:]:
                    p.stems[name] = _stem_player(name)
        with gr.Accordion("Remix: a level per stem", open=False, elem_id="mg-remix"):
            with gr.Row():
                for name in STEM_NAMES:
                    p.levels[name] = gr.Slider(
                        MIN_GAIN_DB,
                        MAX_GAIN_DB,
                        0.0,
                        step=0.5,
                        label=f"{name.capitalize()} (dB)",
                        info=f"{MIN_GAIN_DB:g} = mute",
                        elem_id=f"mg-level-{name}",
                    )
            with gr.Row():
                p.render_remix = gr.Button("Render remix", elem_id="mg-render-remix")
                p.reset_levels = gr.Button("Reset levels", elem_id="mg-reset-levels")
            p.remix = gr.Audio(
                label="Remix (WAV)",
                type="filepath",
                interactive=False,
                elem_id="mg-remix-player",
                buttons=["download"],
            )
        p.downloads = gr.HTML("", elem_id="mg-downloads", js_on_load=None)
        with gr.Accordion("Plan", open=True):
            p.plan = gr.Markdown(elem_id="mg-plan")
        p.delete = gr.Button("Delete this track", variant="stop", size="sm", elem_id="mg-delete")


def _stem_player(name: str) -> gr.Audio:
    return gr.Audio(
        label=name.capitalize(),
        type="filepath",
        interactive=False,
        elem_id=f"mg-stem-{name}",
        buttons=["download"],
    )


def _history_panel(p: _Parts) -> None:
    with gr.Accordion("History", open=True):
        p.history = gr.Dataframe(
            headers=views.HISTORY_HEADERS,
            value=[],
            interactive=False,
            wrap=True,
            max_height=360,
            elem_id="mg-history",
        )
        p.refresh = gr.Button("Refresh", size="sm", elem_id="mg-refresh")
    p.history_key = gr.State("")
    p.timer = gr.Timer(_HISTORY_REFRESH_S)


def build_ui(service: GenerationService) -> gr.Blocks:
    """The studio for ``service``: mount it with :func:`mount_studio` (or ``gr.mount_gradio_app``)."""
    gr.set_static_paths([service.files.root])
    studio = Studio(service)
    p = _Parts(form=[], stems={}, levels={})
    with gr.Blocks(title="musicgen studio", analytics_enabled=False) as demo:
        gr.Markdown(
            "## musicgen studio\nOriginal music from a text description. "
            "Every track is also in the REST API at [`/v1/music`](/docs)."
        )
        p.p.current = gr.State("")
        with gr.Row():
            with gr.Column(scale=2, min_width=360):
                _form_panel(p, load_example_prompts())
            with gr.Column(scale=3, min_width=420):
                _result_panel(p)
        _history_panel(p)
        _wire(demo, p, studio)
    return demo


# -- wiring ----------------------------------------------------------------------------------------


def _history_updates(p: _Parts, studio: Studio, key: str | None = None) -> dict:
    rows, _ids = studio.history()
    fingerprint = "|".join(f"{r[-1]}:{r[-2]}" for r in rows)
    if key is not None and fingerprint == key:
        return {}
    return {p.history: rows, p.history_key: fingerprint}


def _step_updates(p: _Parts, studio: Studio, step: Step) -> dict:
    out: dict = {p.status: step.status_html}
    if step.view is not None:
        view = step.view
        out.update(
            {
                p.result: gr.Column(visible=True),
                p.title: view.title_md,
                p.mix: view.mix_path,
                p.waveform: view.waveform_html,
                p.plan: view.plan_md,
                p.downloads: view.downloads_html,
                p.remix: None,
                p.current: view.track.id,
            }
        )
        out.update({p.stems[name]: view.stem_paths[name] for name in STEM_NAMES})
        out.update({p.levels[name]: 0.0 for name in STEM_NAMES})
    if step.done:
        out.update(_history_updates(p, studio))
    return out


def _outputs(p: _Parts) -> list:
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
        *p.stems.values(),
        *p.levels.values(),
    ]


def _wire(demo: gr.Blocks, p: _Parts, studio: Studio) -> None:
    outputs = _outputs(p)

    async def generate(*values: Any):
        async for step in studio.generate(Form(*values)):
            out = _step_updates(p, studio, step)
            if step.track is not None:
                out[p.seed] = step.track.seed  # show the seed a random draw gave
            yield out

    async def select(event: gr.SelectData):
        track_id = str((event.row_value or [""])[-1])
        first = studio.load(track_id)
        yield _step_updates(p, studio, first)
        if not first.done:
            async for step in studio.follow(track_id):
                yield _step_updates(p, studio, step)

    gen_event = p.generate.click(
        generate, p.form, outputs, trigger_mode="once", concurrency_limit=None, show_progress="hidden"
    )
    var_event = p.variation.click(
        lambda current: _variation_form(p, studio, current), [p.current], p.form
    ).then(generate, p.form, outputs, concurrency_limit=None, show_progress="hidden")
    p.history.select(
        select, None, outputs, cancels=[gen_event, var_event], concurrency_limit=None, show_progress="hidden"
    )
    _wire_form(demo, p, studio)
    _wire_track_actions(p, studio, outputs)


def _wire_form(demo: gr.Blocks, p: _Parts, studio: Studio) -> None:
    p.auto_tempo.change(lambda auto: gr.Slider(interactive=not auto), p.auto_tempo, p.tempo)
    p.random_seed.change(lambda rand: gr.Number(interactive=not rand), p.random_seed, p.seed)
    p.reroll.click(lambda: (False, new_seed()), None, [p.random_seed, p.seed])
    p.refresh.click(lambda: _history_updates(p, studio), None, [p.history, p.history_key])
    p.timer.tick(
        lambda key: _history_updates(p, studio, key),
        p.history_key,
        [p.history, p.history_key],
        show_progress="hidden",
    )
    demo.load(
        lambda: {
            **_history_updates(p, studio),
            p.engine: gr.Dropdown(choices=engine_choices(studio.service), value=AUTO),
        },
        None,
        [p.history, p.history_key, p.engine],
    )


def _wire_track_actions(p: _Parts, studio: Studio, outputs: list) -> None:
    levels = list(p.levels.values())

    def remix(current: str, *gains: float):
        if not current:
            return {p.status: views.error_html("Load or generate a track first.")}
        try:
            path = studio.remix(current, dict(zip(STEM_NAMES, gains, strict=True)))
        except MusicgenAppError as exc:
            return {p.status: views.error_html(exc.message)}
        return {p.remix: str(path), p.status: views.notice_html("Remix ready.")}

    p.render_remix.click(remix, [p.current, *levels], [p.remix, p.status], concurrency_limit=2)
    for slider in levels:
        slider.release(
            remix, [p.current, *levels], [p.remix, p.status], trigger_mode="always_last", concurrency_limit=2
        )
    p.reset_levels.click(lambda: [0.0] * len(levels), None, levels)

    def delete(current: str):
        if not current:
            return {p.status: views.error_html("No track is loaded.")}
        return {
            p.status: studio.delete(current),
            p.result: gr.Column(visible=False),
            p.current: "",
            **_history_updates(p, studio),
        }

    p.delete.click(delete, [p.current], outputs)


def _variation_form(p: _Parts, studio: Studio, current: str) -> dict:
    """The loaded track's settings with a fresh fixed seed (or the form as it is, with one)."""
    out = {p.random_seed: False, p.seed: new_seed()}
    if not current:
        return out
    try:
        track = studio.service.get(current)
    except MusicgenAppError:
        return out
    return {
        **out,
        p.prompt: track.prompt,
        p.genre: track.genre,
        p.auto_tempo: False,
        p.tempo: track.tempo_bpm,
        p.duration: track.duration_s,
        p.format: track.output_format,
        p.engine: track.engine_requested,
    }
