"""Prompt understanding speed: interpret() per prompt, warm, with and without the embedding fallback.

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/prompt_speed.py [--rounds 20]
        [--file PATH] [--threads N] [--json PATH]

``lexicon`` runs every prompt with the lexical fallback only (no model: what a request costs when the
prompt names its genre, and the floor on machines without the model). ``embedding`` runs every prompt
with the real all-MiniLM-L6-v2 fallback and its cache cleared before each call, so prompts that name
no confident genre pay for one sentence encoding; ``embedding (fallback only)`` is that subset.
Cold figures: importing ``musicgen_app.prompt``, the first read, and loading the model with its genre
embeddings. The target is a median and p95 of at most 20 ms per prompt once warm.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TARGET_MS = 20.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time_prompts(prompts, matcher, rounds: int, *, clear: bool) -> dict[str, list[float]]:
    from musicgen_app.prompt import interpret
    from musicgen_app.request import GenerationRequest

    times: dict[str, list[float]] = {p: [] for p in prompts}
    for _ in range(rounds):
        for prompt in prompts:
            if clear:
                matcher.clear_cache()
            start = time.perf_counter()
            interpret(GenerationRequest(prompt=prompt), seed=0, matcher=matcher)
            times[prompt].append((time.perf_counter() - start) * 1000)
    return times


def _row(name: str, times: list[float]) -> dict[str, float | str | int]:
    median, p95 = statistics.median(times), _percentile(times, 0.95)
    return {"case": name, "calls": len(times), "median_ms": round(median, 3), "p95_ms": round(p95, 3),
            "max_ms": round(max(times), 3), "meets_target": p95 <= TARGET_MS}  # fmt: skip


def _cold() -> tuple[dict[str, float], object]:
    start = time.perf_counter()
    import musicgen_app.prompt as prompt_package

    imported = time.perf_counter()
    prompt_package.read_prompt("warm-up: lofi at 80 bpm, no drums")
    first_read = time.perf_counter()
    matcher = prompt_package.GenreMatcher()
    loaded = matcher.warm_up()
    model_loaded = time.perf_counter()
    cold = {
        "import_ms": round((imported - start) * 1000, 1),
        "first_read_ms": round((first_read - imported) * 1000, 1),
        "model_load_s": round(model_loaded - first_read, 2),
        "model_loaded": loaded,
        "torch_imported_by_package": "torch" in sys.modules and not loaded,
    }
    return cold, matcher


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_file = Path(__file__).resolve().parents[2] / "shared" / "prompts" / "dev_prompts.jsonl"
    parser.add_argument("--file", type=Path, default=default_file)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    cold, matcher = _cold()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from musicgen_app.prompt import GenreMatcher, read_prompt

    lines = args.file.read_text(encoding="utf-8").splitlines()
    prompts = [json.loads(line)["prompt"] for line in lines if line.strip()]
    fallback = [p for p in prompts if read_prompt(p).genre is None or read_prompt(p).genre_weak]
    load_before = os.getloadavg()[0]
    lexicon = _time_prompts(prompts, GenreMatcher(None), args.rounds, clear=False)
    embedding = _time_prompts(prompts, matcher, args.rounds, clear=True)
    rows = [
        _row("lexicon", [t for ts in lexicon.values() for t in ts]),
        _row("embedding", [t for ts in embedding.values() for t in ts]),
        _row("embedding (fallback only)", [t for p in fallback for t in embedding[p]]),
    ]
    _print(rows, cold, len(prompts), len(fallback))
    if args.json:
        result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
                  "cpu_count": os.cpu_count(), "load_avg": [load_before, os.getloadavg()[0]],
                  "prompts": len(prompts), "fallback_prompts": len(fallback), "rounds": args.rounds,
                  "torch_threads": _torch_threads(), "cold": cold, "rows": rows}  # fmt: skip
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _torch_threads() -> int | None:
    if "torch" not in sys.modules:
        return None
    return sys.modules["torch"].get_num_threads()


def _print(rows: list[dict], cold: dict, n_prompts: int, n_fallback: int) -> None:
    print(f"{n_prompts} prompts, {n_fallback} need the genre fallback; torch threads {_torch_threads()}")
    print(f"cold: {cold}")
    print(f"{'case':<28}{'calls':>7}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}  <= {TARGET_MS:.0f} ms")
    for row in rows:
        ok = "yes" if row["meets_target"] else "no"
        print(f"{row['case']:<28}{row['calls']:>7}{row['median_ms']:>11.2f}{row['p95_ms']:>9.2f}"
              f"{row['max_ms']:>9.2f}  {ok}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
