"""Seamless loops: a whole number of bars whose end flows into its start.

The loop is composed as the body of a track of exactly ``bars`` bars (the style's progression cycles,
so its last chord leads back to its first), without the final chord a track would end on and without
any fade. It is rendered with a few seconds of room after the last bar; what rings past the end (note
tails, reverb) is then added back onto the start, as it sounds when the loop plays again, so the
seam has neither a click nor a gap.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ...controls import form_timing
from ...plan import Plan, PlannedSection, bar_seconds
from ..base import Stems
from .compose import compose
from .render import render_score
from .score import Score

__all__ = ["LOOP_SECTIONS", "loop_frames", "render_loop"]

#: Seconds rendered past the loop's end for tails to ring into (then wrapped onto the start).
_WRAP_S = 4.0
#: Sections of a loop by its length in bars: one groove, with a lift in its second half.
LOOP_SECTIONS = {4: ("hook",), 8: ("verse", "hook")}


def loop_frames(plan: Plan, sample_rate: int) -> int:
    """Frames in one pass of the loop (its bars at the exact tempo, rounded to a frame)."""
    return round(plan.loop_bars * bar_seconds(plan.tempo_bpm, plan.time_signature) * sample_rate)


def _composing_duration_s(bars: int, tempo_bpm: int, meter: tuple[int, int]) -> float:
    """The shortest track length whose form has exactly ``bars`` bars of music before its ending."""
    bar_s = bar_seconds(tempo_bpm, meter)
    duration = bars * bar_s
    while form_timing(duration, tempo_bpm, meter).body_bars < bars:
        duration += bar_s / 16
    return duration


def _sections(bars: int) -> tuple[PlannedSection, ...]:
    names = LOOP_SECTIONS.get(bars, ("hook",))
    share = bars // len(names)
    lengths = [share] * (len(names) - 1) + [bars - share * (len(names) - 1)]
    return tuple(PlannedSection(name, length) for name, length in zip(names, lengths, strict=True))


def loop_score(plan: Plan) -> Score:
    """The loop's score: ``plan.loop_bars`` bars of music, no ending chord, no fade."""
    bars = plan.loop_bars
    composing = dataclasses.replace(
        plan,
        duration_s=_composing_duration_s(bars, plan.tempo_bpm, plan.time_signature),
        sections=plan.sections or _sections(bars),
        structure=tuple(word for word in plan.structure if word not in ("fade out", "intro")),
    )
    score = compose(composing)
    end_beats = bars * score.beats_per_bar
    parts = tuple(
        dataclasses.replace(part, notes=tuple(n for n in part.notes if n.start_beat < end_beats - 1e-9))
        for part in score.parts
    )
    sections = tuple(s for s in score.sections if s.start_bar < bars)
    loop_s = bars * bar_seconds(plan.tempo_bpm, plan.time_signature)
    return dataclasses.replace(score, duration_s=loop_s + _WRAP_S, parts=parts, sections=sections)


def render_loop(
    plan: Plan, *, soundfont: Path, sample_rate: int, threads: int = 2, progress=None
) -> tuple[Stems, Score]:
    """Render the loop of ``plan`` (``plan.loop_bars`` bars): stems of exactly :func:`loop_frames`
    frames whose end flows into their start; the score returned lasts one pass."""
    score = loop_score(plan)
    # what the mix reads (as the engine gives every score it renders)
    facts = {"genre": plan.genre, "brightness": f"{plan.brightness:.3f}"}
    score = dataclasses.replace(score, meta={**facts, **score.meta})
    kwargs = {"progress": progress} if progress is not None else {}
    rendered = render_score(
        score, soundfont=soundfont, sample_rate=sample_rate, seed=plan.seed, threads=threads, **kwargs
    )
    frames = loop_frames(plan, sample_rate)
    stems = {}
    for name, audio in rendered.items():
        one = np.array(audio[:frames], dtype=np.float32)
        rest = audio[frames:]
        # what rings past the end sounds over the next pass's start: fold it back, pass by pass
        for start in range(0, rest.shape[0], frames):
            chunk = rest[start : start + frames]
            one[: chunk.shape[0]] += chunk
        stems[name] = one
    # one pass, exactly (its frames are that, rounded to a frame)
    one_pass_s = plan.loop_bars * bar_seconds(plan.tempo_bpm, plan.time_signature)
    return Stems(**stems, sample_rate=sample_rate), dataclasses.replace(score, duration_s=one_pass_s)
