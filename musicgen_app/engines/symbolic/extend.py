"""Extend a symbolic track: its music unchanged up to a bar line, then new sections and an ending.

The parent's score (the one its track keeps, or its plan composed again) is cut at the bar line where
its final chord starts (a loop: after its last bar), and continued by a score composed for the
remaining time in the same key, tempo, meter, style and lineup. The whole is rendered; the kept span is
then taken sample for sample from the parent's mastered stems and the new span follows at the parent's
mastering gain (found by comparing the two renders of the kept span, stem by stem so a remix keeps its
balance), so the join neither jumps in level nor clicks. Notes that ring across the bar line keep
ringing (the "tails crossing the edge").
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from ...audio.loudness import integrated_loudness_lufs
from ...audio.master import master
from ...controls import cut_bar
from ...formats import STEM_NAMES
from ...plan import Plan, PlannedSection
from ..base import Stems
from .compose import compose
from .form import plan_form
from .meter import Meter
from .render import render_score
from .score import Note, Score, Section
from .splice import matching_gains, ramp_onto
from .styles import style_for

__all__ = ["ExtendedTrack", "extend_track", "under_the_ceiling"]


@dataclasses.dataclass(frozen=True)
class ExtendedTrack:
    """The child's stems (mastered), its mix, its score, where the parent's samples end and the bar
    where the child's own final chord starts (an extend of it continues from there)."""

    stems: Stems
    mix: np.ndarray
    score: Score
    cut_frame: int
    ending_bar: int


def _continuation_plan(child: Plan, cut_s: float) -> Plan:
    """The plan of the new music: the child's, for the time after the cut, without an intro."""
    rest = dataclasses.replace(child, duration_s=child.duration_s - cut_s, sections=())
    style = style_for(rest.genre)
    form = plan_form(
        style.form,
        duration_s=rest.duration_s,
        tempo_bpm=rest.tempo_bpm,
        meter=Meter(*rest.time_signature),
        energy=rest.energy,
        structure=rest.structure,
    )
    # the track is under way: what would open it (an intro) becomes a contrast section instead
    planned = tuple(
        PlannedSection("bridge" if s.name == "intro" else s.name, s.bars, s.energy) for s in form.sections
    )
    return dataclasses.replace(rest, sections=planned)


def _shifted(notes: tuple[Note, ...], beats: float) -> tuple[Note, ...]:
    return tuple(Note(n.start_beat + beats, n.duration_beats, n.pitch, n.velocity, n.bend) for n in notes)


def _joined_score(parent: Score, new: Score, cut: int, child: Plan) -> Score:
    cut_beats = cut * parent.beats_per_bar
    new_parts = {part.name: part for part in new.parts}
    parts = []
    for part in parent.parts:
        kept = tuple(n for n in part.notes if n.start_beat < cut_beats - 1e-9)
        later = _shifted(new_parts.pop(part.name).notes, cut_beats) if part.name in new_parts else ()
        parts.append(dataclasses.replace(part, notes=kept + later))
    parts += [dataclasses.replace(p, notes=_shifted(p.notes, cut_beats)) for p in new_parts.values()]
    sections = [s for s in parent.sections if s.start_bar < cut]
    sections += [Section(s.name, s.start_bar + cut, s.bars, s.energy) for s in new.sections]
    return dataclasses.replace(
        parent,
        duration_s=child.duration_s,
        parts=tuple(parts),
        sections=tuple(sections),
        meta={**parent.meta, **new.meta},
    )


def extend_track(
    parent_score: Score,
    cut: int,
    child_plan: Plan,
    parent_stems: dict[str, np.ndarray],
    parent_mix: np.ndarray,
    *,
    soundfont: Path,
    sample_rate: int,
    threads: int = 2,
) -> ExtendedTrack:
    """The child of an extend: ``parent_stems`` and ``parent_mix`` (mastered, ``(frames, 2)`` each, as
    their files decode) kept up to bar ``cut``, then new music to ``child_plan.duration_s``.

    ``parent_score`` is the notes the parent plays (its kept score: the parent may itself be an edit);
    ``child_plan`` carries the parent's key, tempo, meter, genre and lineup and the new seed.
    """
    cut_s = cut * parent_score.beats_per_bar * 60.0 / parent_score.tempo_bpm
    new_score = compose(_continuation_plan(child_plan, cut_s))
    score = _joined_score(parent_score, new_score, cut, child_plan)
    raw = render_score(
        score, soundfont=soundfont, sample_rate=sample_rate, seed=child_plan.seed, threads=threads
    )
    cut_frame = round(cut_s * sample_rate)
    gains = matching_gains(parent_stems, raw, 0, cut_frame, sample_rate)
    tail = Stems(
        **{name: audio[cut_frame:] * gains[name] for name, audio in raw.items()}, sample_rate=sample_rate
    )
    tail = under_the_ceiling(tail)
    stems = {}
    for name in STEM_NAMES:
        kept = parent_stems[name][:cut_frame]
        new = np.array(getattr(tail, name), dtype=np.float32)
        if kept.shape[0]:
            # the two renders differ by a hair at the join (filters and the limiter see different
            # futures): ramp that step away over a few milliseconds instead of clicking
            new = ramp_onto(kept[-1], new)
        stems[name] = np.concatenate([kept, new])
    child = Stems(**stems, sample_rate=sample_rate)
    mix = np.concatenate([parent_mix[:cut_frame], child.mix()[cut_frame:]])
    rest = cut_bar(child_plan.duration_s - cut_s, child_plan.tempo_bpm, child_plan.time_signature)
    return ExtendedTrack(child, mix, score, cut_frame, cut + rest)


def under_the_ceiling(tail: Stems) -> Stems:
    """The new span limited to the true-peak ceiling at its own loudness (no level change unless a
    peak would pass the ceiling)."""
    loudness = integrated_loudness_lufs(tail.mix(), tail.sample_rate)
    if not math.isfinite(loudness) or loudness <= -70.0:
        return tail
    return master(tail, target_lufs=loudness).stems
