"""Regenerate a span of a symbolic track: new music between two bar lines, the rest unchanged.

The parent's score is the one its track keeps (or its plan composed again), and its plan with a new
seed gives the new notes (the form does not depend on the seed, so sections, chords' places and
energies line up). Notes that start inside the span come from the new score, the others from the
parent's; notes ringing across an edge keep ringing. The whole is rendered, and the result is the
parent's mastered samples before the span, the new render (at the parent's gain, stem by stem) over it
and for a short tail window after it, where the two renders are crossfaded back into the parent's
samples, which then run unchanged to the end.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ...formats import STEM_NAMES
from ...plan import Plan
from ..base import Stems
from .compose import compose
from .extend import under_the_ceiling
from .render import render_score
from .score import Score
from .splice import fade_into, matching_gains, ramp_onto

__all__ = ["TAIL_S", "RegeneratedTrack", "regenerate_span"]

#: After the span, how long the new render may differ from the parent (the tails of the new notes and
#: of the replaced ones ring this long at most before the crossfade back into the parent's samples).
TAIL_S = 2.0
#: The crossfade back into the parent's samples, at the end of the tail window.
_FADE_S = 0.25


@dataclasses.dataclass(frozen=True)
class RegeneratedTrack:
    """The child's stems and mix (mastered), its score, and the frames where it differs from the parent."""

    stems: Stems
    mix: np.ndarray
    score: Score
    changed: tuple[int, int]


def _spliced_score(parent: Score, new: Score, start_bar: int, end_bar: int) -> Score:
    bar = parent.beats_per_bar
    lo, hi = start_bar * bar - 1e-9, end_bar * bar - 1e-9
    new_parts = {part.name: part for part in new.parts}
    parts = []
    for part in parent.parts:
        outside = tuple(n for n in part.notes if not lo <= n.start_beat < hi)
        inside = new_parts.get(part.name)
        inside_notes = tuple(n for n in inside.notes if lo <= n.start_beat < hi) if inside else ()
        parts.append(
            dataclasses.replace(part, notes=tuple(sorted(outside + inside_notes, key=lambda n: n.start_beat)))
        )
    return dataclasses.replace(parent, parts=tuple(parts))


def regenerate_span(
    parent_score: Score,
    render_seed: int,
    new_plan: Plan,
    span_bars: tuple[int, int],
    parent_stems: dict[str, np.ndarray],
    parent_mix: np.ndarray,
    *,
    soundfont: Path,
    sample_rate: int,
    threads: int = 2,
) -> RegeneratedTrack:
    """The child of a regenerate: bars ``span_bars`` (start inclusive, end exclusive) composed anew
    from ``new_plan`` (the parent's with a new seed, perhaps new moods); ``parent_stems`` and
    ``parent_mix`` (mastered, as their files decode) elsewhere. ``parent_score`` is the notes the parent
    plays (its kept score: the parent may itself be an edit); ``render_seed`` seeds its ambience."""
    start_bar, end_bar = span_bars
    new_score = compose(new_plan)
    score = _spliced_score(parent_score, new_score, start_bar, end_bar)
    raw = render_score(score, soundfont=soundfont, sample_rate=sample_rate, seed=render_seed, threads=threads)
    frames = raw.frames
    bar_s = score.beats_per_bar * 60.0 / score.tempo_bpm
    start = round(start_bar * bar_s * sample_rate)
    stop = min(frames, round(end_bar * bar_s * sample_rate) + round(TAIL_S * sample_rate))
    fade = min(round(_FADE_S * sample_rate), stop - start)
    # the level is the parent's: compare the renders where they play the same notes (before the span,
    # or after it when the span starts the track)
    reference = (0, start) if start > 0 else (stop, frames)
    gains = matching_gains(parent_stems, raw, *reference, sample_rate)
    span = Stems(
        **{name: audio[start:stop] * gains[name] for name, audio in raw.items()}, sample_rate=sample_rate
    )
    span = under_the_ceiling(span)
    stems = {}
    for name in STEM_NAMES:
        kept = parent_stems[name]
        new = np.array(getattr(span, name), dtype=np.float32)
        if start > 0:
            new = ramp_onto(kept[start - 1], new)
        if stop < frames:
            new[-fade:] = fade_into(new[-fade:], kept[stop - fade : stop])
        stems[name] = np.concatenate([kept[:start], new, kept[stop:]])
    child = Stems(**stems, sample_rate=sample_rate)
    changed = child.mix()[start:stop]
    mix = np.concatenate([parent_mix[:start], changed, parent_mix[stop:]])
    return RegeneratedTrack(child, mix, score, (start, stop))
