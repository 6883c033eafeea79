"""What the studio shows, as plain strings built from :class:`Track` values (no Gradio here).

Progress and errors are small HTML fragments; the plan and the title are Markdown; the history is rows.
Every piece of user text goes through :func:`html.escape` before it lands in HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from ..formats import STEM_NAMES
from ..pipeline import STAGES
from ..track import Track

__all__ = [
    "HISTORY_HEADERS",
    "HISTORY_WIDTHS",
    "MAX_COMPARED",
    "clock",
    "compare_html",
    "downloads_html",
    "error_html",
    "family_html",
    "history_rows",
    "notice_html",
    "plan_markdown",
    "progress_html",
    "share_url",
    "silent_stems",
    "stage_label",
    "stem_label",
    "title_markdown",
    "welcome_html",
]

HISTORY_HEADERS = ["Created (UTC)", "Prompt", "Genre", "BPM", "Length", "Engine", "Status", "ID"]
#: Column widths: the prompt gets the room, the id stays whole (it is what a row loads).
HISTORY_WIDTHS = ["12%", "34%", "9%", "6%", "7%", "8%", "10%", "14%"]

# The pipeline's stages, latest first, so the first one the progress has reached names the stage.
_STAGES = tuple(reversed(STAGES))
_PROMPT_CHARS = 60


def clock(seconds: float) -> str:
    """``m:ss`` for a duration in seconds."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def stage_label(track: Track) -> str:
    """The stage a track is in, in words."""
    if track.status == "pending":
        return "Waiting in the queue"
    if track.status == "completed":
        return "Done"
    if track.status == "failed":
        return "Failed"
    return next(label for start, label in _STAGES if track.progress >= start)


def progress_html(track: Track) -> str:
    """A progress bar with the stage and the percentage, for a pending or processing track."""
    percent = round(100 * min(max(track.progress, 0.0), 1.0))
    label = html.escape(f"{stage_label(track)} — {percent}%")
    return (
        f'<div class="mg-progress" data-status="{track.status}" data-progress="{percent}">'
        f'<div class="mg-progress-label">{label}</div>'
        f'<div class="mg-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{percent}" aria-label="{label}"><div class="mg-bar-fill" style="width: {percent}%">'
        f"</div></div></div>"
    )


def welcome_html() -> str:
    """What the result column says before any track is loaded."""
    return notice_html(
        "Your track appears here. Describe the music (or pick an example), then press Generate; "
        "tracks you made before are in the history below."
    )


def error_html(message: str) -> str:
    """An inline error in words (the error's message, never a stack trace)."""
    return f'<div class="mg-error" role="alert"><strong>Error:</strong> {html.escape(message)}</div>'


def notice_html(message: str) -> str:
    """A neutral one-line status message."""
    return f'<div class="mg-notice" role="status">{html.escape(message)}</div>'


def title_markdown(track: Track) -> str:
    """Heading for a loaded track: its prompt, then the facts that identify it."""
    engine = track.engine or track.engine_requested
    return (
        f"### {_md_escape(track.prompt)}\n"
        f"{track.genre} · {track.tempo_bpm} BPM · {track.key} · {clock(track.duration_s)} · "
        f"{engine} · seed {track.seed} · `{track.id}`"
    )


def _md_escape(text: str) -> str:
    """``text`` as literal Markdown: its syntax characters backslashed, then ``<``, ``>`` and ``&`` as
    entities. In that order: escaping ``#`` after ``html.escape`` broke its ``&#x27;`` into visible text,
    and quotes need no entity in Markdown at all."""
    escaped = text.replace("\n", " ")
    for char in "\\`*_[]#|":
        escaped = escaped.replace(char, f"\\{char}")
    return html.escape(escaped, quote=False)


def _join(values: Any) -> str:
    items = [str(v) for v in (values or ())]
    return ", ".join(items) if items else "—"


def plan_markdown(track: Track) -> str:
    """The resolved plan, the engine that ran, the seed, the license and any notices, as a table."""
    plan = track.plan or {}
    rows = [
        ("Genre", track.genre),
        ("Tempo", f"{track.tempo_bpm} BPM"),
        ("Key", track.key),
        ("Time signature", plan.get("time_signature", "4/4")),
        ("Instruments", _join(plan.get("instruments"))),
        ("Moods", _join(plan.get("moods"))),
        ("Energy", f"{plan['energy']:.2f}" if "energy" in plan else "—"),
        ("Engine", _engine_text(track)),
        ("Seed", str(track.seed)),
        ("Loudness", _loudness_text(track)),
        ("License", track.license or "—"),
    ]
    table = "| Setting | Value |\n|---|---|\n" + "\n".join(f"| {k} | {_md_escape(str(v))} |" for k, v in rows)
    notices = "".join(f"\n> {_md_escape(n)}\n" for n in track.notices)
    return table + ("\n\n**Notices**\n" + notices if notices else "")


def _engine_text(track: Track) -> str:
    if track.engine is None:
        return f"{track.engine_requested} (requested)"
    version = track.engine_version or track.engine
    name = version if version.startswith(track.engine) else f"{track.engine} {version}"
    return f"{name} ({track.model})" if track.model else name


def _loudness_text(track: Track) -> str:
    if track.loudness_lufs is None:
        return "—"
    peak = f", true peak {track.true_peak_dbtp:.1f} dBTP" if track.true_peak_dbtp is not None else ""
    return f"{track.loudness_lufs:.1f} LUFS{peak}"


#: A stem whose peak stays under this is empty (e.g. the vocals of an instrumental): no player for it.
SILENT_STEM_DBFS = -80.0


def stem_label(track: Track, name: str) -> str:
    """A stem's name for people; the vocals of a track whose words were sung say so (an engine that
    sings made them, Demucs split them off)."""
    if name == "vocals" and track.details.get("sung"):
        return "Vocals (sung lyrics)"
    return name.capitalize()


def silent_stems(track: Track) -> set[str]:
    """Stems the engine left empty, from the peaks the job measured (none known: none silent)."""
    peaks = track.details.get("stem_peak_dbfs") or {}
    return {name for name, peak in peaks.items() if isinstance(peak, int | float) and peak < SILENT_STEM_DBFS}


def downloads_html(track: Track, *, base_url: str = "", token: str | None = None) -> str:
    """Download links for the mix, the stems, the MIDI file, the waveform and all of them in one zip,
    through the ``/v1`` API (with a signed link ``token`` when API keys are on)."""
    root = f"{base_url.rstrip('/')}/v1/music/{track.id}"
    query = f"?{urlencode({'token': token})}" if token else ""
    links = [("Mix", f"{root}/download", "mix")]
    silent = silent_stems(track)
    links += [
        (stem_label(track, name), f"{root}/stems/{name}", name) for name in STEM_NAMES if name not in silent
    ]
    links += [("MIDI", f"{root}/midi", "midi"), ("Waveform JSON", f"{root}/waveform", "waveform")]
    items = [
        f'<a class="mg-download" href="{html.escape(url + query)}" download data-kind="{kind}">{label}</a>'
        for label, url, kind in links
        if kind in track.files
    ]
    if "mix" in track.files:
        bundle = html.escape(f"{root}/bundle{query}")
        items.append(f'<a class="mg-download" href="{bundle}" download data-kind="bundle">All (zip)</a>')
    return f'<nav class="mg-downloads" aria-label="Downloads">{" ".join(items)}</nav>'


def share_url(track_id: str, *, base_url: str = "") -> str:
    """The studio's address that opens ``track_id`` (``/?track=ID``); absolute when ``base_url`` is given."""
    return f"{base_url.rstrip('/')}/?track={track_id}"


def _track_link(track: Track, label: str) -> str:
    words = track.prompt if len(track.prompt) <= _PROMPT_CHARS else track.prompt[:_PROMPT_CHARS] + "…"
    href = html.escape(share_url(track.id))
    return (
        f'<li><a class="mg-family-link" data-track="{track.id}" href="{href}">{html.escape(label)}</a> '
        f"{html.escape(words)} · {track.status} · <code>{track.id[:8]}</code></li>"
    )


def family_html(track: Track, parent: Track | None, children: Sequence[Track]) -> str:
    """The loaded track's family: what it was made from and what was made from it, each a link that
    opens that track; empty when it has neither."""
    items = []
    if parent is not None:
        items.append(_track_link(parent, f"Made from ({track.operation})"))
    elif track.parent_id:
        items.append(f"<li>Made from a track that is gone ({html.escape(str(track.operation))})</li>")
    items += [_track_link(child, f"{str(child.operation).capitalize()}") for child in children]
    if not items:
        return ""
    return f'<nav class="mg-family" aria-label="Family of this track"><ul>{"".join(items)}</ul></nav>'


#: Most tracks the A/B comparison plays side by side (the original and up to four variations).
MAX_COMPARED = 5
_SIDES = "ABCDE"


def compare_html(tracks: Sequence[Track], mix_url: Callable[[Track], str | None]) -> str:
    """Players side by side for an original (A) and its variations (B, C...), each with a Play button
    that switches to it at the position the one playing had reached (see ``COMPARE_JS``); empty when
    there is nothing to compare."""
    columns = []
    for side, track in zip(_SIDES, tracks[:MAX_COMPARED], strict=False):
        url = mix_url(track)
        if url is None:
            continue
        what = "original" if side == "A" else f"variation, seed {track.seed}"
        columns.append(
            f'<div class="mg-ab-side" data-side="{side}" data-track="{track.id}">'
            f'<button type="button" class="mg-ab-play" data-side="{side}" aria-pressed="false">'
            f"Play {side}</button> <span>{side}: {what} · <code>{track.id[:8]}</code></span>"
            f'<audio class="mg-ab-audio" data-side="{side}" controls preload="auto" '
            f'src="{html.escape(url)}"></audio></div>'
        )
    if len(columns) < 2:
        return ""
    return (
        '<section class="mg-compare" aria-label="Compare the original and its variations">'
        f'<div class="mg-ab-grid">{"".join(columns)}</div></section>'
    )


def history_rows(tracks: Sequence[Track]) -> list[list[Any]]:
    """One row per track for the history table (columns :data:`HISTORY_HEADERS`)."""
    rows = []
    for track in tracks:
        prompt = track.prompt if len(track.prompt) <= _PROMPT_CHARS else track.prompt[:_PROMPT_CHARS] + "…"
        status = track.status if track.status != "processing" else f"processing {track.progress:.0%}"
        rows.append(
            [
                track.created_at.strftime("%Y-%m-%d %H:%M"),
                prompt,
                track.genre,
                track.tempo_bpm,
                clock(track.duration_s),
                track.engine or track.engine_requested,
                status,
                track.id,
            ]
        )
    return rows
