"""Demucs separation speed on this CPU: compute seconds per second of audio, over settings.

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/demucs_cpu.py [--seconds 30]
        [--threads 1 2] [--workers 0 2] [--segments 7.8 5] [--overlaps 0.25 0.1 0] [--repeat 2]
        [--json PATH]

The network is the published ``htdemucs`` architecture (HTDemucs, 4 sources, channels 48, depth 4,
bottom_channels 512, dconv_mode 3, 5 transformer layers, segment 39/5 s, 42.0 M parameters) with
random weights: speed does not depend on the weights' values. It is saved in demucs' own format
and separated through ``musicgen_app.audio.separate.separate``, so the figures include loading
through the real loader (once, before timing), normalisation, segmenting and the stems' sum.

Columns: ``segs`` segments run (``demucs segs``: what ``apply_model(split=True)`` would run for
the same settings); ``s/s`` wall-clock seconds per second of audio, best of ``--repeat`` (below 1
is faster than realtime, ``xRT`` is its inverse); ``cpu s/s`` process CPU time per second of
audio, less sensitive to other load on a shared machine; ``load`` the 1-minute load average
before the run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import demucs
from demucs.htdemucs import HTDemucs
from demucs.states import get_state, save_with_checksum

from musicgen_app.audio.separate import separate

SR = 44_100
SIGNATURE = "bench042"
#: The published htdemucs (955717e8) hyper-parameters, as demucs' training grid (grids/mmi.py) and
#: the released checkpoint's kwargs give them; everything else is HTDemucs' default.
HTDEMUCS_KWARGS = {
    "channels": 48,
    "depth": 4,
    "nfft": 4096,
    "bottom_channels": 512,
    "dconv_mode": 3,
    "t_layers": 5,
    "t_dropout": 0.02,
    "segment": Fraction(39, 5),
    "samplerate": SR,
}
HEADER = (
    f"{'threads':>7} {'workers':>7} {'segment':>7} {'overlap':>7} {'segs':>4} {'demucs segs':>11} "
    f"{'s/s':>6} {'cpu s/s':>7} {'xRT':>5} {'load':>5}"
)


@dataclass(frozen=True)
class Run:
    threads: int
    workers: int
    segment_s: float
    overlap: float
    audio_s: float
    segments: int
    demucs_segments: int
    wall_s: float
    cpu_s: float
    load: float

    @property
    def s_per_s(self) -> float:
        return self.wall_s / self.audio_s

    def row(self) -> str:
        return (
            f"{self.threads:>7} {self.workers:>7} {self.segment_s:>7.2f} {self.overlap:>7.2f} "
            f"{self.segments:>4} {self.demucs_segments:>11} {self.s_per_s:>6.2f} "
            f"{self.cpu_s / self.audio_s:>7.2f} {1 / self.s_per_s:>5.2f} {self.load:>5.1f}"
        )


def build_repo(directory: Path) -> int:
    """Save a random-weight htdemucs in ``directory``; returns its parameter count."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = HTDemucs(["drums", "bass", "other", "vocals"], **HTDEMUCS_KWARGS).eval()
    args, kwargs = model._init_args_kwargs
    package = {"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": get_state(model, None)}
    save_with_checksum(package, directory / f"{SIGNATURE}.th")
    return sum(p.numel() for p in model.parameters())


def bench_mix(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    tones = 0.2 * np.sin(2 * np.pi * 55 * t) + 0.1 * np.sin(2 * np.pi * 440 * t)
    noise = 0.05 * rng.standard_normal((t.size, 2))
    return (tones[:, None] + noise).astype(np.float32)


def measure(mix: np.ndarray, repo: Path, *, repeat: int, **settings: float) -> Run:
    """Best of ``repeat`` separations with ``settings`` (threads, workers, segment_s, overlap)."""
    torch.set_num_threads(int(settings["threads"]))
    load = os.getloadavg()[0]
    best: tuple[float, float, int] | None = None
    for _ in range(repeat):
        counted: list[float] = []
        wall, cpu = time.perf_counter(), time.process_time()
        separate(
            mix,
            SR,
            model=SIGNATURE,
            repo=repo,
            overlap=settings["overlap"],
            segment_s=settings["segment_s"],
            workers=int(settings["workers"]),
            progress=counted.append,
        )
        timing = (time.perf_counter() - wall, time.process_time() - cpu, len(counted))
        best = timing if best is None or timing[0] < best[0] else best
    segment_frames = int(settings["segment_s"] * SR)
    stride = int((1 - settings["overlap"]) * segment_frames)
    return Run(
        threads=int(settings["threads"]),
        workers=int(settings["workers"]),
        segment_s=settings["segment_s"],
        overlap=settings["overlap"],
        audio_s=mix.shape[0] / SR,
        segments=best[2],
        demucs_segments=len(range(0, mix.shape[0], stride)),
        wall_s=round(best[0], 2),
        cpu_s=round(best[1], 2),
        load=round(load, 2),
    )


def machine() -> dict[str, object]:
    cpu = platform.processor()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "demucs": demucs.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--segments", type=float, nargs="+", default=[7.8, 5.0])
    parser.add_argument("--overlaps", type=float, nargs="+", default=[0.25, 0.1, 0.0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per setting; the best counts")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    mix = bench_mix(args.seconds)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        parameters = build_repo(repo)
        print(f"htdemucs architecture, {parameters / 1e6:.1f} M parameters, {args.seconds:g} s of audio")
        # Load through the real loader and warm up, so no measured run is charged for it.
        load_s = time.perf_counter()
        separate(mix[: SR // 2], SR, model=SIGNATURE, repo=repo)
        load_s = round(time.perf_counter() - load_s, 2)
        print(f"loading and one 0.5 s separation: {load_s} s")
        print(HEADER)
        grid = itertools.product(args.threads, args.workers, args.segments, args.overlaps)
        for threads, workers, segment_s, overlap in grid:
            settings = {"threads": threads, "workers": workers, "segment_s": segment_s, "overlap": overlap}
            runs.append(measure(mix, repo, repeat=args.repeat, **settings))
            print(runs[-1].row(), flush=True)
    print("\nfastest first:\n" + HEADER)
    for run in sorted(runs, key=lambda run: run.wall_s):
        print(run.row())
    if args.json:
        report = {
            "bench": "demucs_cpu",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python", *sys.argv]),
            "machine": machine(),
            "parameters": parameters,
            "load_and_first_segment_s": load_s,
            "runs": [{**asdict(run), "s_per_s": round(run.s_per_s, 3)} for run in runs],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
