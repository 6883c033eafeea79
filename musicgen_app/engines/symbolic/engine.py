"""The symbolic engine: compose a Score from the Plan, render it with FluidSynth, export its MIDI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ...controls import cut_bar
from ...formats import SAMPLE_RATE
from ...plan import Plan
from ..base import EngineResult, ProgressFn, no_progress
from .ambience import AMBIENCES
from .compose import compose
from .fluidsynth import INSTALL_HINT, check_soundfont, library_available, load_library, preload
from .loop import loop_frames, render_loop
from .midi import score_to_midi
from .render import render_score
from .score import Score

__all__ = ["ENGINE_VERSION", "LICENSE", "SymbolicEngine"]

#: Bump when the same Plan would sound different (composer or renderer changes).
ENGINE_VERSION = "symbolic-8"
LICENSE = "Royalty-free (composed by musicgen_app; FluidR3_GM SoundFont, MIT license)"
_COMPOSE_SHARE = 0.1
_RENDER_SHARE = 0.85


class SymbolicEngine:
    """Offline engine: composer + SoundFont synthesis, exact stems and MIDI.

    Parameters
    ----------
    soundfont : the General MIDI ``.sf2`` to render with.
    threads : parts rendered in parallel (one warm synth per thread, kept for the process's life).
    """

    name = "symbolic"
    version = ENGINE_VERSION
    makes_stems = True

    def __init__(self, soundfont: Path, *, threads: int = 2) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.soundfont = Path(soundfont)
        self.threads = threads

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when libfluidsynth loads and the SoundFont file exists, else why not."""
        ok, why = library_available()
        if not ok:
            return False, why
        if not self.soundfont.is_file():
            return False, f"SoundFont {self.soundfont} not found; {INSTALL_HINT}"
        return True, ""

    def warm_up(self) -> None:
        """Load the SoundFont into one warm synth per render thread, so the first job does not wait.

        Raises
        ------
        EngineUnavailable
            When libfluidsynth or the SoundFont is missing.
        """
        preload(self.soundfont, sample_rate=SAMPLE_RATE, count=self.threads)

    def generate(self, plan: Plan, *, progress: ProgressFn = no_progress) -> EngineResult:
        """Compose and render ``plan``: four stems, the score's MIDI and section markers.

        Deterministic for a plan (its ``seed`` included). ``progress`` receives monotonic fractions
        ending at 1.0.

        Raises
        ------
        EngineUnavailable
            When libfluidsynth or the SoundFont is missing (checked before composing).
        """
        load_library()
        soundfont = check_soundfont(self.soundfont)
        progress(0.0)
        rendering = lambda done: progress(_COMPOSE_SHARE + _RENDER_SHARE * done)  # noqa: E731
        if plan.loop_bars is not None:
            stems, score = render_loop(
                plan, soundfont=soundfont, sample_rate=SAMPLE_RATE, threads=self.threads, progress=rendering
            )
        else:
            score = _with_mix_facts(compose(plan), plan)
            progress(_COMPOSE_SHARE)
            stems = render_score(
                score,
                soundfont=soundfont,
                sample_rate=SAMPLE_RATE,
                progress=rendering,
                seed=plan.seed,
                threads=self.threads,
            )
        midi = score_to_midi(score)
        progress(1.0)
        return EngineResult(
            stems=stems,
            engine=self.name,
            model=soundfont.name,
            license=LICENSE,
            midi=midi,
            sections=score.section_starts_s(),
            beats=score.beat_grid(),
            notices=_notices(score),
            extra={"parts": _part_facts(score), "key": plan.key_name, **_loop_facts(plan)},
            score=score.as_dict(),
        )


def _with_mix_facts(score: Score, plan: Plan) -> Score:
    """The score with the plan's genre and brightness in ``meta`` (the mix reads them), unless set."""
    facts = {"genre": plan.genre, "brightness": f"{plan.brightness:.3f}"}
    return replace(score, meta={**facts, **score.meta})


def _loop_facts(plan: Plan) -> dict[str, Any]:
    """A loop's points, or for a track the bar its final chord starts on (where an extend continues)."""
    if plan.loop_bars is None:
        return {"ending_bar": cut_bar(plan.duration_s, plan.tempo_bpm, plan.time_signature)}
    return {
        "loop": {"bars": plan.loop_bars, "start_frame": 0, "length_frames": loop_frames(plan, SAMPLE_RATE)},
        "ending_bar": plan.loop_bars,  # a loop is kept whole: the next music starts after its last bar
    }


def _part_facts(score: Score) -> list[dict[str, Any]]:
    return [
        {
            "name": part.name,
            "instrument": part.instrument,
            "program": part.program,
            "is_drum": part.is_drum,
            "stem": part.stem,
            "notes": len(part.notes),
        }
        for part in score.parts
    ]


def _notices(score: Score) -> tuple[str, ...]:
    missing = [name for name in score.ambience if name not in AMBIENCES]
    if not missing:
        return ()
    return (f"Ambience {', '.join(missing)} is not available; available: {', '.join(AMBIENCES)}.",)
