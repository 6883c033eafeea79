"""Seconds per audio-stage step on synthetic stereo: meters, master, encode (each format), waveform.

    python bench/audio_stage.py [--durations 30 300] [--repeat 3] [--json PATH]

Stems are synthetic (tones, noise hits, a pad) at very different levels, hot enough that the limiter
works. Each figure is the best of ``--repeat`` runs after one warm-up (the first call in a process
also compiles the true-peak kernel, reported separately as ``cold_true_peak``). Run it under
``flock /tmp/musicgen_bench.lock`` so it does not share the CPU with other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from musicgen_app.audio.encode import encode_audio, mp3_encoder
from musicgen_app.audio.loudness import integrated_loudness_lufs, true_peak_dbtp
from musicgen_app.audio.master import master
from musicgen_app.audio.tags import Tags
from musicgen_app.audio.waveform import waveform_json
from musicgen_app.engines.base import Stems
from musicgen_app.formats import OUTPUT_FORMATS, SAMPLE_RATE

TAGS = Tags(
    title="bench", engine="bench", model="synthetic", prompt="synthetic stems", seed=0, license="none"
)


def synthetic_stems(duration_s: int, seed: int = 0) -> Stems:
    rng = np.random.default_rng(seed)
    t = np.arange(duration_s * SAMPLE_RATE) / SAMPLE_RATE
    both = np.ones((1, 2))
    vocals = 0.02 * np.sin(2 * np.pi * 330 * t * (1 + 0.005 * np.sin(2 * np.pi * 5 * t)))[:, None] * both
    drums = 1.5 * np.exp(-(t % 0.25) * 40)[:, None] * rng.standard_normal((len(t), 2))
    bass = 0.4 * np.sin(2 * np.pi * 55 * t)[:, None] * both
    other = 0.05 * np.sin(2 * np.pi * 196 * t)[:, None] * both + 0.01 * rng.standard_normal((len(t), 2))
    return Stems(*(part.astype(np.float32) for part in (vocals, drums, bass, other)))


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    fn()  # warm-up: caches, page faults, compiled kernels
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _encoder(audio: np.ndarray, path: Path, fmt: str) -> Callable[[], object]:
    return lambda: encode_audio(audio, SAMPLE_RATE, path, fmt, tags=TAGS)


def _job_encoder(stems: Stems, out_dir: Path) -> Callable[[], object]:
    """Mix and four stems as mp3, two at a time, as the pipeline encodes a job."""
    jobs = [("mix", stems.mix()), *stems.items()]

    def run() -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            encoders = [_encoder(audio, out_dir / f"job_{name}.mp3", "mp3") for name, audio in jobs]
            futures = [pool.submit(encoder) for encoder in encoders]
            for future in futures:
                future.result()

    return run


def measure(duration_s: int, repeat: int, out_dir: Path) -> dict[str, float]:
    stems = synthetic_stems(duration_s)
    mix = stems.mix()
    result = master(stems)
    mastered_mix = result.stems.mix()
    row = {
        "loudness": best_of(repeat, lambda: integrated_loudness_lufs(mix, SAMPLE_RATE)),
        "true_peak": best_of(repeat, lambda: true_peak_dbtp(mix, SAMPLE_RATE)),
        "master": best_of(repeat, lambda: master(stems)),
    }
    for fmt in OUTPUT_FORMATS:
        path = out_dir / f"mix.{fmt}"
        row[f"encode_{fmt}"] = best_of(repeat, _encoder(mastered_mix, path, fmt))
        row[f"size_kbit_s_{fmt}"] = path.stat().st_size * 8 / duration_s / 1000
    row["encode_job_mp3_5_files_2_threads"] = best_of(repeat, _job_encoder(result.stems, out_dir))
    row["waveform"] = best_of(repeat, lambda: waveform_json(mastered_mix, SAMPLE_RATE))
    row["master_loudness_lufs"] = result.loudness_lufs
    row["master_true_peak_dbtp"] = result.true_peak_dbtp
    row["master_limiter_reduction_db"] = result.limiter_reduction_db
    return row


def cold_true_peak_s() -> float:
    """The first true-peak call of a process (loads or compiles the numba kernel)."""
    start = time.perf_counter()
    true_peak_dbtp(np.zeros((1000, 2), dtype=np.float32), SAMPLE_RATE)
    return time.perf_counter() - start


def print_table(results: dict[str, dict[str, float]]) -> None:
    durations = list(results)
    print(f"{'step':<30}" + "".join(f"{d + ' s':>12}" for d in durations))
    for key in results[durations[0]]:
        cells = "".join(f"{results[d][key]:>12.3f}" for d in durations)
        print(f"{key:<30}{cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    cold = cold_true_peak_s()
    with tempfile.TemporaryDirectory() as tmp:
        results = {str(d): measure(d, args.repeat, Path(tmp)) for d in args.durations}
    print(f"mp3 encoder: {mp3_encoder()}; cold true-peak call: {cold:.3f} s")
    print_table(results)
    if args.json:
        report = {
            "machine": {
                "python": platform.python_version(),
                "cpu": platform.processor(),
                "mp3": mp3_encoder(),
            },
            "cold_true_peak_s": cold,
            "seconds": results,
        }
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
