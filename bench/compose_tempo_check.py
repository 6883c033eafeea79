"""Does a beat tracker hear the plan's tempo in the composed music? One 30 s render per genre.

    python bench/compose_tempo_check.py [--genres lo-fi jazz] [--duration 30] [--no-drums] [--json PATH]

Each genre is composed at its default tempo, rendered with the symbolic engine (FluidSynth), and the
mix's beats tracked with ``librosa.beat.beat_track``. A genre passes when the tempo of the tracked
beats is within 2 % of the plan's tempo, or of half or double it. ``--no-drums`` excludes the kit, to check
that the other parts keep a pulse. Run it under ``flock /tmp/musicgen_bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import librosa
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.beats import tempo_from_beats
from musicgen_app.engines.symbolic.engine import SymbolicEngine
from musicgen_app.genres import GENRES, genre_by_id
from musicgen_app.plan import Plan

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RATIOS = (1.0, 0.5, 2.0)


def estimate_bpm(mix: np.ndarray, sr: int) -> tuple[float, float]:
    """(tempo from the tracked beats' spacing, librosa's global tempo estimate).

    librosa's estimate comes in bins (117.5 and 123.0 around 120 at 22.05 kHz), so the spacing of the
    beats it tracks, fitted over the whole track, is the finer measure of what it locked onto.
    """
    mono = librosa.resample(mix.mean(axis=1), orig_sr=sr, target_sr=22_050)
    tempo, beats = librosa.beat.beat_track(y=mono, sr=22_050, units="time")
    global_bpm = float(np.atleast_1d(tempo)[0])
    found = tempo_from_beats(beats)
    return (global_bpm if found is None else found), global_bpm


def check(engine: SymbolicEngine, genre_id: str, duration_s: float, no_drums: bool) -> dict:
    genre = genre_by_id(genre_id)
    plan = Plan(
        prompt="tempo check",
        genre=genre_id,
        tempo_bpm=genre.default_tempo,
        key="A",
        mode="minor",
        duration_s=duration_s,
        seed=11,
        time_signature=genre.time_signature,
        excluded=("drums",) if no_drums else (),
    )
    result = engine.generate(plan)
    found, global_bpm = estimate_bpm(result.stems.mix(), result.stems.sample_rate)
    error = min(abs(found / (plan.tempo_bpm * r) - 1.0) for r in RATIOS)
    return {
        "genre": genre_id,
        "tempo_bpm": plan.tempo_bpm,
        "found_bpm": round(found, 2),
        "librosa_bpm": round(global_bpm, 2),
        "error": round(error, 4),
        "ok": error <= 0.02,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genres", nargs="+", default=[g.id for g in GENRES])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--no-drums", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    engine = SymbolicEngine(SOUNDFONT, threads=2)
    rows = []
    print(f"{'genre':>14} {'tempo':>6} {'found':>7} {'librosa':>7} {'error':>6}  ok")
    for genre_id in args.genres:
        row = check(engine, genre_id, args.duration, args.no_drums)
        rows.append(row)
        print(
            f"{row['genre']:>14} {row['tempo_bpm']:>6} {row['found_bpm']:>7.1f} "
            f"{row['librosa_bpm']:>7.1f} {row['error']:>6.3f}  "
            f"{'yes' if row['ok'] else 'NO'}",
            flush=True,
        )
    print(f"passed {sum(r['ok'] for r in rows)}/{len(rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
