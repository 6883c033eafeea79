"""The studio's Gradio Blocks: the form, the result panel, the remix desk and the history.

Components are laid out here and wired to :class:`~musicgen_app.ui.handlers.Studio`, which holds the
behaviour. Every player and download takes its file from the ``/v1`` file routes (``LinkedAudio``), so
nothing is copied into Gradio's cache and no answer of the studio names a path on the server.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from ..audio.remix import MAX_GAIN_DB, MIN_GAIN_DB
from ..controls import SECTION_NAMES, TIME_SIGNATURES
from ..formats import OUTPUT_FORMATS, STEM_NAMES
from ..genres import GENRES
from ..instruments import INSTRUMENTS
from ..request import MAX_DURATION_S, MAX_LYRICS_CHARS, MAX_TEMPO_BPM, MIN_DURATION_S, MIN_TEMPO_BPM
from . import views
from .access import StudioAccess
from .engines import engine_choice, lyrics_shown
from .form import PLANNER_HEADERS
from .handlers import AUTO, Studio, engine_statuses
from .players import LinkedAudio
from .theme import COMPARE_JS, FAMILY_CLICK_JS, PROGRESS_CSS, SECTION_CLICK_JS
from .wiring import Parts, wire

if TYPE_CHECKING:
    from ..service import GenerationService

__all__ = ["EXAMPLE_PROMPTS_PATH", "build_ui", "engine_dropdown", "load_example_prompts", "lyrics_box"]

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


def engine_dropdown(service: GenerationService, engine: str = AUTO) -> tuple[gr.Dropdown, gr.Textbox, bool]:
    """The engine choices with each neural engine's availability and the reason (checked on each page
    load), and the lyrics box shown when the chosen engine sings."""
    statuses = engine_statuses(service)
    settings = service.settings
    choice = engine_choice(
        statuses,
        order=service.engine_config.engine_order,
        models={"acestep": settings.acestep_model, "musicgen": settings.musicgen_model},
        configured=settings.engine,
    )
    shown = lyrics_shown(engine, statuses, configured=settings.engine)
    return gr.Dropdown(choices=list(choice.choices), info=choice.info), gr.Textbox(visible=shown), shown


def lyrics_box(service: GenerationService, engine: str) -> tuple[gr.Textbox, bool]:
    """The lyrics box for the chosen ``engine``: shown when it sings."""
    shown = lyrics_shown(engine, engine_statuses(service), configured=service.settings.engine)
    return gr.Textbox(visible=shown), shown


def _form_panel(p: Parts, examples: list[tuple[str, str]]) -> None:
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
        p.format = gr.Radio(list(OUTPUT_FORMATS), value="mp3", label="Output format", elem_id="mg-format")
    engines = [
        ("Auto", AUTO),
        ("Symbolic (offline)", "symbolic"),
        ("MusicGen", "musicgen"),
        ("ACE-Step", "acestep"),
    ]
    p.engine = gr.Dropdown(engines, value=AUTO, label="Engine", elem_id="mg-engine")
    # shown once the page load has looked for an engine that sings (engine_dropdown)
    p.lyrics = gr.Textbox(
        "",
        label="Lyrics (sung; section tags such as [verse] and [chorus] on their own lines)",
        lines=6,
        max_length=MAX_LYRICS_CHARS,
        placeholder="[verse]\nCity lights are calling me\n\n[chorus]\nSing it loud",
        visible=False,
        elem_id="mg-lyrics",
    )
    p.lyrics_on = gr.State(False)
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
    with gr.Row(equal_height=True):
        p.random_seed = gr.Checkbox(
            True, label="Random seed", elem_id="mg-random-seed", scale=0, min_width=120
        )
        # A text box, not a number: Gradio shows an empty number as 0, which reads as "seed 0". Empty
        # (placeholder "random") while the seed is random; a track fills in the seed it used.
        p.seed = gr.Textbox(
            "",
            label="Seed",
            placeholder="random",
            max_lines=1,
            interactive=False,
            elem_id="mg-seed",
        )
        p.reroll = gr.Button("Re-roll", size="sm", scale=0, min_width=90, elem_id="mg-reroll")
    _advanced_panel(p)
    with gr.Row():
        p.generate = gr.Button("Generate", variant="primary", elem_id="mg-generate")
        # a variation of nothing would be a plain Generate: enabled once a track is loaded
        p.variation = gr.Button("Variation (same key and tempo)", interactive=False, elem_id="mg-variation")
    gr.Markdown(
        "Enter or Ctrl+Enter generates; Shift+Enter starts a new line; Space plays or pauses the mix.",
        elem_classes="mg-hint",
    )
    p.form = [
        *(p.prompt, p.genre, p.auto_tempo, p.tempo, p.duration, p.format, p.random_seed, p.seed, p.engine),
        *(p.key, p.time_signature, p.instruments, p.exclude, p.structure, p.loop_on, p.lyrics, p.lyrics_on),
    ]


def _advanced_panel(p: Parts) -> None:
    """The composition controls of the request (key, meter, lineup, sections) and the loop switch; left
    empty, the prompt decides them as before."""
    names = [inst.name for inst in INSTRUMENTS]
    with gr.Accordion(
        "Advanced: key, time signature, instruments, sections", open=False, elem_id="mg-advanced"
    ):
        with gr.Row():
            p.key = gr.Textbox(
                "", label="Key", placeholder="from the prompt, e.g. F# minor", max_lines=1, elem_id="mg-key"
            )
            meters = [("Auto (from the prompt)", AUTO)] + [(m, m) for m in TIME_SIGNATURES]
            p.time_signature = gr.Dropdown(
                meters, value=AUTO, label="Time signature", elem_id="mg-time-signature"
            )
        p.instruments = gr.Dropdown(
            names, value=[], multiselect=True, label="Instruments", elem_id="mg-instruments"
        )
        p.exclude = gr.Dropdown(names, value=[], multiselect=True, label="Leave out", elem_id="mg-exclude")
        p.structure = gr.Dataframe(
            headers=PLANNER_HEADERS,
            datatype=["str", "number", "number", "number"],
            value=[["", None, None, None]],
            type="array",
            row_count=1,
            column_count=len(PLANNER_HEADERS),
            interactive=True,
            label=f"Sections (one row each; bars or seconds; names: {', '.join(SECTION_NAMES)})",
            elem_id="mg-structure",
        )
        p.loop_on = gr.Checkbox(
            False, label="Seamless loop (whole bars, end flows into start)", elem_id="mg-loop-on"
        )


def _result_panel(p: Parts) -> None:
    # progress and errors sit on top of the result, where the eye goes after Generate
    p.status = gr.HTML(views.welcome_html(), elem_id="mg-status", js_on_load=None, css_template=PROGRESS_CSS)
    p.cancel = gr.Button("Cancel", variant="stop", size="sm", visible=False, elem_id="mg-cancel")
    with gr.Column(visible=False, elem_id="mg-result") as p.result:
        p.title = gr.Markdown(elem_id="mg-title")
        p.share = gr.Textbox(
            label="Link to this track", interactive=False, buttons=["copy"], elem_id="mg-share"
        )
        p.family = gr.HTML("", elem_id="mg-family", js_on_load=FAMILY_CLICK_JS)
        p.mix = LinkedAudio(label="Mix", interactive=False, elem_id="mg-player", buttons=["download"])
        p.waveform = gr.HTML("", elem_id="mg-waveform", js_on_load=SECTION_CLICK_JS)
        # the original and its variations side by side, A/B at the same position
        p.compare = gr.HTML("", elem_id="mg-compare", js_on_load=COMPARE_JS)
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
            p.remix = LinkedAudio(
                label="Remix (WAV)",
                interactive=False,
                elem_id="mg-remix-player",
                buttons=["download"],
            )
        _edit_panel(p)
        with gr.Row(equal_height=True):
            p.downloads = gr.HTML("", elem_id="mg-downloads", js_on_load=None, scale=4)
            p.delete = gr.Button(
                "Delete track", variant="stop", size="sm", scale=0, min_width=120, elem_id="mg-delete"
            )
        with gr.Accordion("Plan", open=True):
            p.plan = gr.Markdown(elem_id="mg-plan")


def _edit_panel(p: Parts) -> None:
    """New tracks made from the loaded one (the API's extend, regenerate and loop): the original stays."""
    with gr.Accordion(
        "Edit: extend, regenerate a section, loop", open=False, elem_id="mg-edit"
    ) as p.edit_panel:
        with gr.Row(equal_height=True):
            p.extend_s = gr.Slider(
                5, 60, 15, step=1, label="Extend by (seconds)", elem_id="mg-extend-seconds"
            )
            p.extend = gr.Button("Extend", scale=0, min_width=120, elem_id="mg-extend")
        with gr.Row(equal_height=True):
            p.section = gr.Dropdown([], label="Section", elem_id="mg-section")
            p.regenerate = gr.Button("Regenerate section", scale=0, min_width=120, elem_id="mg-regenerate")
        with gr.Row(equal_height=True):
            p.loop_bars = gr.Dropdown([4, 8, 16], value=4, label="Loop length (bars)", elem_id="mg-loop-bars")
            p.loop = gr.Button("Make a seamless loop", scale=0, min_width=120, elem_id="mg-loop")


def _stem_player(name: str) -> LinkedAudio:
    return LinkedAudio(
        label=name.capitalize(),
        interactive=False,
        elem_id=f"mg-stem-{name}",
        buttons=["download"],
    )


def _history_panel(p: Parts) -> None:
    with gr.Accordion("History: click a row to load its track", open=True):
        p.history = gr.Dataframe(
            headers=views.HISTORY_HEADERS,
            value=[],
            interactive=False,
            wrap=True,
            max_height=520,
            column_widths=views.HISTORY_WIDTHS,
            elem_id="mg-history",
        )
        p.refresh = gr.Button("Refresh", size="sm", elem_id="mg-refresh")
    p.history_key = gr.State("")
    p.timer = gr.Timer(_HISTORY_REFRESH_S)


def build_ui(service: GenerationService, *, access: StudioAccess | None = None) -> gr.Blocks:
    """The studio for ``service``: mount it with :func:`mount_studio` (or ``gr.mount_gradio_app``).

    ``access`` scopes each user to the API key they logged in with; without it, to the service's keys
    (so behind keys the studio needs the login that :func:`mount_studio` sets up)."""
    access = access or StudioAccess(service.api_keys)
    studio = Studio(service)
    p = Parts(form=[], stems={}, levels={})
    # delete_cache: whatever Gradio still keeps in its temp dir goes after an hour (checked hourly); the
    # players stream from /v1 and uploads are refused, so that is next to nothing
    with gr.Blocks(title="musicgen studio", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "## musicgen studio\nOriginal music from a text description. "
            "Every track is also in the REST API at [`/v1/music`](/docs)."
        )
        p.current = gr.State("")
        p.running = gr.State("")  # the job being followed, for Cancel
        with gr.Row():
            with gr.Column(scale=2, min_width=360):
                _form_panel(p, load_example_prompts())
            with gr.Column(scale=3, min_width=420):
                _result_panel(p)
        _history_panel(p)
        wire(demo, p, studio, engine_dropdown=engine_dropdown, lyrics_box=lyrics_box, access=access)
    return demo
