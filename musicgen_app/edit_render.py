"""The audio of an edit job: a new track made from a finished one's stored files.

The pipeline runs an edit like any job (master, encode, side files); only where its stems come from
differs. Here: a remix re-balances the parent's lossless stems; the score, beat grid and sections are
the parent's, since the notes have not changed.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .audio.io import read_audio
from .audio.remix import db_to_gain
from .beats import BeatGrid
from .edit_source import EditSource
from .engines.base import EngineResult, ProgressFn, Stems, no_progress
from .engines.registry import EngineConfig
from .errors import GenerationFailed
from .formats import STEM_NAMES
from .plan import Plan

__all__ = ["RENDERED_FROM_PARENT", "EditSource", "edited_result", "renders_from_parent"]

#: Operations whose audio is made from the parent's stored files (a variation is an engine's job, and
#: so is a loop of a symbolic track: it is composed from the plan).
RENDERED_FROM_PARENT: tuple[str, ...] = ("remix", "extend", "regenerate")


def renders_from_parent(operation: str | None, edit: dict[str, Any]) -> bool:
    """Whether a track made by ``operation`` (with parameters ``edit``) is made from its parent's files:
    the edits above, and a loop cut from a neural track's audio (its edit says ``from_audio``)."""
    return operation in RENDERED_FROM_PARENT or (operation == "loop" and bool(edit.get("from_audio")))


def _parent_sections(source: EditSource, beats: BeatGrid) -> tuple[tuple[str, float], ...]:
    """The parent's sections as its track lists them (its beat file rounds their times)."""
    if source.parent_sections:
        return tuple(source.parent_sections)
    return tuple((s.name, s.start_s) for s in beats.sections)


def _levels(edit: dict[str, Any]) -> dict[str, float]:
    stored = edit.get("levels_db", {})
    return {
        name: float("-inf") if stored.get(name, 0.0) is None else float(stored.get(name, 0.0))
        for name in STEM_NAMES
    }


def _remixed(source: EditSource) -> EngineResult:
    levels = _levels(source.edit)
    decoded = {name: read_audio(source.path(name)) for name in STEM_NAMES}
    sample_rate = decoded[STEM_NAMES[0]][1]
    frames = min(audio.shape[0] for audio, _sr in decoded.values())
    stems = Stems(
        **{
            name: (audio[:frames] * np.float32(db_to_gain(levels[name])))
            for name, (audio, _sr) in decoded.items()
        },
        sample_rate=sample_rate,
    )
    beats = BeatGrid.from_dict(json.loads(source.path("beats").read_text()))
    midi = source.path("midi").read_bytes() if "midi" in source.parent_files else None
    said = ", ".join(f"{n} {'muted' if v == float('-inf') else f'{v:+.1f} dB'}" for n, v in levels.items())
    return EngineResult(
        stems=stems,
        engine=source.engine,
        model=source.model,
        license=source.license,
        midi=midi,
        sections=_parent_sections(source, beats),
        beats=beats,
        notices=(f"Remix of track {source.parent_id}: {said}.",),
        score=source.stored_score(),  # the same notes, so an edit of the remix starts from them
        extra={
            **_ending_bar(source),
            "stems_separated": True,
            "remix_levels_db": {n: (None if v == float("-inf") else v) for n, v in levels.items()},
        },
    )


def _extended(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    """The parent's music sample for sample up to a bar line, then new sections (symbolic engine)."""
    from .engines.symbolic.extend import extend_track
    from .engines.symbolic.fluidsynth import check_soundfont, load_library
    from .engines.symbolic.midi import score_to_midi

    if source.engine != "symbolic":
        raise GenerationFailed(
            f"extend needs the symbolic engine; track {source.parent_id} is {source.engine}"
        )
    load_library()
    decoded = {name: read_audio(source.path(name)) for name in STEM_NAMES}
    sample_rate = decoded[STEM_NAMES[0]][1]
    extended = extend_track(
        source.score(),
        int(source.edit["cut_bar"]),
        plan,
        {name: audio for name, (audio, _sr) in decoded.items()},
        read_audio(source.path("mix"))[0],
        soundfont=check_soundfont(config.soundfont),
        sample_rate=sample_rate,
    )
    score = extended.score
    cut_s = extended.cut_frame / sample_rate
    return EngineResult(
        stems=extended.stems,
        engine=source.engine,
        model=source.model,
        license=source.license,
        midi=score_to_midi(score),
        sections=score.section_starts_s(),
        beats=score.beat_grid(),
        score=score.as_dict(),
        notices=(f"Extended from track {source.parent_id}: its audio is kept up to {cut_s:.3f} s.",),
        # the kept span is the parent's mastered audio: mastering again would move it
        extra={
            "stems_separated": True,
            "mastered": True,
            "kept_until_s": round(cut_s, 6),
            "ending_bar": extended.ending_bar,
        },
        mix=extended.mix,
    )


def _repainted(source: EditSource, config: EngineConfig, progress: ProgressFn) -> EngineResult:
    """New audio in a span of an ACE-Step track by the model's own ``repaint`` task; the parent's mix
    elsewhere, sample for sample (but for the crossfades at the span's edges). Stems: Demucs, as for
    any ACE-Step track (the pipeline separates the spliced mix)."""
    from .engines.acestep.repaint import splice_span
    from .engines.registry import get_engine

    engine = get_engine("acestep", config)
    if engine.model_id != source.model:  # type: ignore[attr-defined]
        raise GenerationFailed(
            f"track {source.parent_id} was made by ACE-Step model {source.model}; this server runs "
            f"{engine.model_id} and a repaint must use the model that made the track"  # type: ignore[attr-defined]
        )
    mix, sample_rate = read_audio(source.path("mix"))
    span = (float(source.edit["start_s"]), float(source.edit["end_s"]))
    new_plan = Plan.from_dict(source.edit["new_plan"])
    made = engine.repaint(mix, sample_rate, new_plan, span_s=span, progress=progress)  # type: ignore[attr-defined]
    spliced, gain_db = splice_span(mix, made, sample_rate=sample_rate, span_s=span)
    silence = np.zeros_like(spliced)
    beats = BeatGrid.from_dict(json.loads(source.path("beats").read_text()))
    return EngineResult(
        stems=Stems(vocals=silence, drums=silence, bass=silence, other=spliced, sample_rate=sample_rate),
        engine=source.engine,
        model=source.model,
        license=source.license,
        sections=tuple((s.name, s.start_s) for s in beats.sections),
        beats=beats,
        notices=(
            f"Regenerated from track {source.parent_id} by ACE-Step's repaint task: the audio differs "
            f"from {span[0]:g} s to {span[1]:g} s.",
        ),
        # the kept audio is the parent's mastered mix: mastering again would move it
        extra={
            "stems_separated": False,
            "mastered": True,
            "changed_s": list(span),
            "task_type": "repaint",
            "repaint_gain_db": round(gain_db, 2),
        },
        mix=spliced,
    )


def _regenerated(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    """New music between two bar lines of a symbolic track; its samples elsewhere (but for tails)."""
    from .engines.symbolic.fluidsynth import check_soundfont, load_library
    from .engines.symbolic.midi import score_to_midi
    from .engines.symbolic.regenerate import regenerate_span

    if source.engine != "symbolic":
        raise GenerationFailed(
            f"regenerate needs the symbolic engine; track {source.parent_id} is {source.engine}"
        )
    load_library()
    decoded = {name: read_audio(source.path(name))[0] for name in STEM_NAMES}
    mix, sample_rate = read_audio(source.path("mix"))
    parent_plan = Plan.from_dict(source.parent_plan)
    new_plan = Plan.from_dict(source.edit["new_plan"])
    made = regenerate_span(
        source.score(),
        parent_plan.seed,
        new_plan,
        (int(source.edit["start_bar"]), int(source.edit["end_bar"])),
        decoded,
        mix,
        soundfont=check_soundfont(config.soundfont),
        sample_rate=sample_rate,
    )
    beats = BeatGrid.from_dict(json.loads(source.path("beats").read_text()))
    start, stop = (round(frame / sample_rate, 6) for frame in made.changed)
    return EngineResult(
        stems=made.stems,
        engine=source.engine,
        model=source.model,
        license=source.license,
        midi=score_to_midi(made.score),
        sections=_parent_sections(source, beats),
        beats=beats,  # the same bars at the same tempo
        score=made.score.as_dict(),
        notices=(
            f"Regenerated from track {source.parent_id}: the audio differs from {start} s to {stop} s.",
        ),
        extra={**_ending_bar(source), "stems_separated": True, "mastered": True, "changed_s": [start, stop]},
        mix=made.mix,
    )


def edited_result(
    source: EditSource, plan: Plan, config: EngineConfig, *, progress: ProgressFn = no_progress
) -> EngineResult:
    """The stems (and score, beats, sections) of an edit of ``source``'s parent; ``plan`` is the
    child's. ``progress`` hears of a model's steps (the other edits are quick).

    Raises
    ------
    GenerationFailed
        When the operation is not one this module renders, or a parent file is missing.
    """
    if source.operation == "remix":
        return _remixed(source)
    if source.engine == "musicgen":
        from .edit_render_musicgen import musicgen_edited

        return musicgen_edited(source, plan, config)
    if source.operation == "extend":
        return _extended(source, plan, config)
    if source.operation == "regenerate" and source.engine == "acestep":
        return _repainted(source, config, progress)
    if source.operation == "regenerate":
        return _regenerated(source, plan, config)
    raise GenerationFailed(f"no renderer for the {source.operation} operation")


def _ending_bar(source: EditSource) -> dict[str, Any]:
    """The parent's ``ending_bar`` (where its final chord starts), for a child whose ending is its."""
    bar = source.parent_details.get("ending_bar")
    return {} if bar is None else {"ending_bar": bar}
