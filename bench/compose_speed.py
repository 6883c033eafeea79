"""Seconds ``compose()`` takes for 30 s and 300 s tracks, over every genre at its default tempo.

    python bench/compose_speed.py [--durations 30 300] [--repeat 3] [--json PATH]

For each duration: the median over genres of the best of ``--repeat`` runs, and the slowest genre.
Target: well under 0.2 s for 300 s. Run it under ``flock /tmp/musicgen_bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.genres import GENRES
from musicgen_app.plan import Plan


def _plan(genre, duration_s: float) -> Plan:
    return Plan(
        prompt="bench",
        genre=genre.id,
        tempo_bpm=genre.default_tempo,
        key="D",
        mode="minor",
        duration_s=duration_s,
        seed=1234,
        time_signature=genre.time_signature,
        vocals=True,
    )


def _best_of(plan: Plan, repeat: int) -> tuple[float, int]:
    best, notes = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        score = compose(plan)
        best = min(best, time.perf_counter() - start)
        notes = sum(len(p.notes) for p in score.parts)
    return best, notes


def measure(durations: list[float], repeat: int) -> list[dict]:
    rows = []
    for duration_s in durations:
        timings = {g.id: _best_of(_plan(g, duration_s), repeat) for g in GENRES}
        slowest = max(timings, key=lambda k: timings[k][0])
        rows.append(
            {
                "duration_s": duration_s,
                "median_s": statistics.median(t for t, _ in timings.values()),
                "max_s": timings[slowest][0],
                "slowest_genre": slowest,
                "median_notes": statistics.median(n for _, n in timings.values()),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=float, nargs="+", default=[30.0, 300.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = measure(args.durations, args.repeat)
    print(f"{'duration_s':>10} {'median_s':>9} {'max_s':>7} {'slowest genre':>15} {'notes':>7}")
    for r in rows:
        print(
            f"{r['duration_s']:>10.0f} {r['median_s']:>9.3f} {r['max_s']:>7.3f} "
            f"{r['slowest_genre']:>15} {r['median_notes']:>7.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.platform(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
