"""The audio of an edit of a MusicGen track: extend, regenerate a span, loop (see
:mod:`musicgen_app.engines.musicgen.edit` for how each is made).

The parent's stems are kept wherever its samples are; the new span is split into stems by Demucs (the
mix there is what is separated, so the stems still sum to it), or left whole in ``other`` with a notice
when Demucs cannot run here. The result comes back mastered: the kept samples must not move.
"""

from __future__ import annotations

import json

import numpy as np

from .audio.io import read_audio
from .beats import BeatGrid
from .edit_source import EditSource
from .engines.base import EngineResult, Stems
from .engines.musicgen.edit import (
    CROSSFADE_S,
    EditedAudio,
    bar_line_after,
    bar_line_before,
    level_gain,
    loop_from,
    loop_length_frames,
    loop_start_frame,
    splice_extension,
    splice_span,
)
from .engines.registry import EngineConfig, get_engine
from .errors import EngineUnavailable, GenerationFailed
from .formats import STEM_NAMES
from .plan import Plan

__all__ = ["musicgen_edited"]

#: Highest sample peak a stem may have in its file (as the pipeline allows).
_STEM_PEAK_LIMIT = 0.999


def _beats(source: EditSource) -> BeatGrid:
    return BeatGrid.from_dict(json.loads(source.path("beats").read_text()))


def _under_the_ceiling(new: np.ndarray, sample_rate: int) -> np.ndarray:
    from .engines.symbolic.extend import under_the_ceiling

    silence = np.zeros_like(new)
    return under_the_ceiling(
        Stems(vocals=silence, drums=silence, bass=silence, other=new, sample_rate=sample_rate)
    ).other


def _limited(edited: EditedAudio, sample_rate: int) -> EditedAudio:
    """The changed frames kept under the true-peak ceiling: a crossfade of two recordings can peak
    above either."""
    start, stop = edited.changed
    changed = _under_the_ceiling(edited.mix[start:stop], sample_rate)
    return EditedAudio(np.concatenate([edited.mix[:start], changed, edited.mix[stop:]]), edited.changed)


def _separated(
    audio: np.ndarray, sample_rate: int, config: EngineConfig
) -> tuple[dict[str, np.ndarray], str]:
    """Demucs stems of ``audio`` (they sum to it), or all of it in ``other`` and why."""
    try:
        from .audio.separate import separate

        made = separate(audio, sample_rate, model=config.demucs_model, repo=config.demucs_repo)
        stems = {name: np.asarray(getattr(made, name), dtype=np.float32) for name in STEM_NAMES}
    except (ImportError, EngineUnavailable) as exc:
        why = f"The new music could not be separated ({exc}); it is all in the 'other' stem."
    else:
        # a stem louder than full scale could only be stored by lowering every stem, and the mix with
        # them, which would move the parent's kept samples: keep the new music whole instead
        if max(float(np.max(np.abs(a), initial=0.0)) for a in stems.values()) <= _STEM_PEAK_LIMIT:
            return stems, ""
        why = "The new music's separated stems would clip; it is all in the 'other' stem."
    silent = np.zeros_like(audio)
    return {name: silent for name in STEM_NAMES} | {"other": np.array(audio, dtype=np.float32)}, why


def _stems_around(
    source: EditSource, mix: np.ndarray, changed: tuple[int, int], sample_rate: int, config: EngineConfig
) -> tuple[Stems, str]:
    """The parent's stems outside ``changed`` frames, the separated new mix inside."""
    start, stop = changed
    new, notice = _separated(mix[start:stop], sample_rate, config)
    stems = {}
    for name in STEM_NAMES:
        parent = read_audio(source.path(name))[0]
        stems[name] = np.concatenate([parent[:start], new[name], parent[stop : mix.shape[0]]])
    return Stems(**stems, sample_rate=sample_rate), notice


def _engine(config: EngineConfig):
    return get_engine("musicgen", config)


def _played_tempo(source: EditSource) -> dict[str, object]:
    """The tempo facts of the parent: the new music continues at the tempo the model hears."""
    keys = ("measured_tempo_bpm", "tempo_locked")
    return {key: source.parent_details[key] for key in keys if key in source.parent_details}


def _result(source: EditSource, stems: Stems, mix, notices, extra, sections=()) -> EngineResult:
    return EngineResult(
        stems=stems,
        engine=source.engine,
        model=source.model,
        license=source.license,
        sections=tuple(sections),
        notices=tuple(n for n in notices if n),
        extra={"stems_separated": True, "mastered": True, **_played_tempo(source), **extra},
        mix=mix,
    )


def _extended(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    mix, sr = read_audio(source.path("mix"))
    fade = round(CROSSFADE_S * sr)
    # the crossfade runs over the parent's own samples after the bar line
    cut_s = bar_line_before(_beats(source).downbeats_s, (mix.shape[0] - fade) / sr)
    cut = round(cut_s * sr)
    if cut <= 0:
        raise GenerationFailed(f"track {source.parent_id} has no bar line to continue from")
    total = round(plan.duration_s * sr)
    heard, new = _engine(config).continue_audio(plan, mix[:cut], new_s=(total - cut) / sr + 0.1)
    new = _under_the_ceiling(new * np.float32(level_gain(mix[cut - heard.shape[0] : cut], heard)), sr)
    edited = _limited(splice_extension(mix, cut, new, total, fade), sr)
    stems, notice = _stems_around(source, edited.mix, edited.changed, sr, config)
    kept_s = round(cut / sr, 6)
    notices = (f"Extended from track {source.parent_id}: its audio is kept up to {kept_s:.3f} s.", notice)
    return _result(source, stems, edited.mix, notices, {"kept_until_s": kept_s})


def _regenerated(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    mix, sr = read_audio(source.path("mix"))
    duration_s = mix.shape[0] / sr
    downbeats = _beats(source).downbeats_s
    start = round(bar_line_before(downbeats, float(source.edit["start_s"])) * sr)
    stop = round(bar_line_after(downbeats, float(source.edit["end_s"]), duration_s) * sr)
    fade = round(CROSSFADE_S * sr)
    new_plan = Plan.from_dict(source.edit["new_plan"])
    _heard, new = _engine(config).continue_audio(
        new_plan, mix[:start], new_s=(stop - start + fade) / sr + 0.1
    )
    # the new span takes the level of the music it replaces
    new = _under_the_ceiling(new * np.float32(level_gain(mix[start:stop], new[: stop - start])), sr)
    edited = _limited(splice_span(mix, start, stop, new, fade), sr)
    stems, notice = _stems_around(source, edited.mix, edited.changed, sr, config)
    changed_s = [round(frame / sr, 6) for frame in edited.changed]
    notices = (
        f"Regenerated from track {source.parent_id}: the audio differs from {changed_s[0]} s to "
        f"{changed_s[1]} s (crossfades at both ends).",
        notice,
    )
    sections = [(name, start_s) for name, start_s in source.parent_sections]
    return _result(source, stems, edited.mix, notices, {"changed_s": changed_s}, sections)


def _looped(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    from .engines.musicgen.tempo_lock import time_stretch

    mix, sr = read_audio(source.path("mix"))
    played_bpm = float(source.edit["source_tempo_bpm"])
    rate = plan.tempo_bpm / played_bpm
    fade = round(CROSSFADE_S * sr)
    length = loop_length_frames(plan.loop_bars, plan.tempo_bpm, plan.time_signature, sr)
    # the bars at the whole BPM the loop is tagged with: stretched by a fraction of a percent
    audio = time_stretch(mix, sr, rate) if abs(rate - 1.0) > 1e-6 else mix
    downbeats = tuple(d / rate for d in _beats(source).downbeats_s)
    start = loop_start_frame(downbeats, length, fade, audio.shape[0], sr)
    one = loop_from(audio, start, length, fade)
    silence = np.zeros_like(one)
    stems = Stems(vocals=silence, drums=silence, bass=silence, other=one, sample_rate=sr)
    extra = {
        "stems_separated": False,  # the pipeline separates the loop (a stretch does not keep stem sums)
        "tempo_locked": True,  # stretched to its tempo
        "measured_tempo_bpm": round(played_bpm, 2),
        "loop": {"bars": plan.loop_bars, "start_frame": 0, "length_frames": length},
        "loop_from_s": round(start * rate / sr, 6),  # where in the parent (before the stretch)
        "tempo_stretch_rate": round(rate, 6),
    }
    notice = (
        f"Loop of {plan.loop_bars} bars cut from track {source.parent_id} at {start * rate / sr:.3f} s, "
        f"its {played_bpm:.2f} BPM stretched to {plan.tempo_bpm} BPM; its tail is crossfaded into its head."
    )
    return EngineResult(
        stems=stems,
        engine=source.engine,
        model=source.model,
        license=source.license,
        notices=(notice,),
        extra=extra,
    )


def musicgen_edited(source: EditSource, plan: Plan, config: EngineConfig) -> EngineResult:
    """The stems and mix of an extend, regenerate or loop of the MusicGen track ``source``.

    Raises
    ------
    GenerationFailed
        For another operation, a parent without bar lines to cut at, or a model failure.
    """
    made = {"extend": _extended, "regenerate": _regenerated, "loop": _looped}.get(source.operation)
    if made is None:
        raise GenerationFailed(f"no MusicGen renderer for the {source.operation} operation")
    return made(source, plan, config)
