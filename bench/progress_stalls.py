"""How steadily a job's progress moves: the longest time it shows one whole percent, per stage.

    python bench/progress_stalls.py [--duration 180] [--format mp3] [--json PATH]

Runs one symbolic job (``produce_track``) and records every progress report with its time. The studio shows
whole percents, so a "stall" is the longest time between two changes of ``round(100 * progress)``.
Run it under ``flock /tmp/musicgen_bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.config import load_settings
from musicgen_app.pipeline import STAGES, JobSpec, produce_track
from musicgen_app.prompt import interpret
from musicgen_app.request import parse_request

PROMPT = "Chill lo-fi beat with jazzy Rhodes piano, soft drums, and rain ambiance"


def trace_job(duration_s: int, fmt: str) -> tuple[float, list[tuple[float, float]]]:
    request = parse_request({"prompt": PROMPT, "duration": duration_s, "output_format": fmt, "seed": 3})
    plan = interpret(request, seed=3)
    spec = JobSpec("bench", plan.as_dict(), fmt, "symbolic", load_settings().engine_config())
    reports: list[tuple[float, float]] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        produce_track(spec, Path(out), progress=lambda f: reports.append((time.monotonic() - start, f)))
    return time.monotonic() - start, reports


def longest_holds(total_s: float, reports: list[tuple[float, float]]) -> dict[str, float]:
    """Per stage label: the longest time one whole percent stayed on screen."""
    holds: dict[str, float] = {label: 0.0 for _, label in STAGES}
    shown, since = 0, 0.0
    for at, fraction in [*reports, (total_s, 1.0)]:
        percent = round(100 * fraction)
        if percent != shown:
            label = next(lab for start, lab in reversed(STAGES) if shown / 100 >= start)
            holds[label] = max(holds[label], at - since)
            shown, since = percent, at
    return holds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=180)
    parser.add_argument("--format", default="mp3")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    total_s, reports = trace_job(args.duration, args.format)
    holds = longest_holds(total_s, reports)
    print(f"{args.duration} s track, {args.format}: job {total_s:.2f} s, {len(reports)} progress reports")
    print("| stage | longest at one whole percent |\n|---|---|")
    for label, hold in holds.items():
        print(f"| {label} | {hold:.2f} s |")
    if args.json:
        figures = {"duration_s": args.duration, "job_s": round(total_s, 3), "holds_s": holds}
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
