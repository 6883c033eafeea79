"""Seconds per stage of one symbolic job, and its realtime factor, for 30 s and 300 s tracks.

    python bench/pipeline.py [--durations 30 300] [--format mp3] [--prompt TEXT] [--repeat N] [--json PATH]

Stages, each timed alone: plan, compose, render (FluidSynth, all parts, effects, reverb), master, the
lossless masters (five 24-bit FLAC files), the mix in the requested format, waveform, MIDI. Then:

- ``job wall``: ``produce_track`` as a render process runs it (the encoders overlap), and ``job cpu``:
  its CPU seconds (every thread and the encoder process), which bounds it on two cores (wall >= cpu / 2);
- ``claim->completed``: a real service (database, worker thread, warm render process) from the moment a
  worker claims the track to the moment it is stored completed, read from the track's own timestamps;
- ``first stem as wav``: once completed, the first request of a stem in a format other than the
  requested one (decoded from its master and encoded while the caller waits).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.audio.encode import MASTER_BITS, as_master_pcm, encode_audio
from musicgen_app.audio.master import master
from musicgen_app.audio.tags import Tags
from musicgen_app.audio.waveform import waveform_json
from musicgen_app.config import DEFAULT_SOUNDFONT
from musicgen_app.engines.registry import EngineConfig
from musicgen_app.engines.symbolic.compose import compose
from musicgen_app.engines.symbolic.midi import score_to_midi
from musicgen_app.engines.symbolic.render import render_score
from musicgen_app.pipeline import JobSpec, produce_track
from musicgen_app.prompt.interpret import interpret
from musicgen_app.request import parse_request

PROMPT = "Chill lo-fi beat with jazzy Rhodes piano, soft drums, and rain ambiance"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def stage_times(duration_s: int, fmt: str, out: Path, prompt: str = PROMPT) -> dict[str, float]:
    request = parse_request({"prompt": prompt, "duration": duration_s, "output_format": fmt})
    plan, t_plan = timed(interpret, request, seed=7)
    score, t_compose = timed(compose, plan)
    stems, t_render = timed(render_score, score, soundfont=DEFAULT_SOUNDFONT)
    mastered, t_master = timed(master, stems)
    tags = Tags(
        title="bench",
        engine="symbolic",
        model="FluidR3_GM",
        prompt=prompt,
        seed="7",
        license="royalty-free",
    )
    mix = mastered.stems.mix()
    start = time.perf_counter()
    for name, audio in [("mix", mix), *mastered.stems.items()]:
        # the 24-bit writer rounds the floats exactly as as_master_pcm would (see pipeline._write_audio)
        encode_audio(audio, 44_100, out / f"{name}.flac", "flac", tags=tags, bits_per_sample=MASTER_BITS)
    t_masters = time.perf_counter() - start
    _, t_mix = timed(lambda: encode_audio(as_master_pcm(mix), 44_100, out / f"mix.{fmt}", fmt, tags=tags))
    _, t_wave = timed(waveform_json, mastered.stems.mix(), 44_100)
    _, t_midi = timed(score_to_midi, score)
    return {
        "plan": t_plan,
        "compose": t_compose,
        "render": t_render,
        "master": t_master,
        "flac_masters": t_masters,
        "encode_mix": t_mix,
        "waveform": t_wave,
        "midi": t_midi,
    }


def whole_job(duration_s: int, fmt: str, out: Path, prompt: str = PROMPT) -> tuple[float, float]:
    """Wall and CPU seconds of ``produce_track``; CPU counts every thread and the encoder processes, so
    it bounds what the job can take on two cores whatever else shares them (wall >= CPU / 2)."""
    request = parse_request(
        {"prompt": prompt, "duration": duration_s, "output_format": fmt, "engine": "symbolic"}
    )
    plan = interpret(request, seed=7)
    spec = JobSpec("0" * 32, plan.as_dict(), fmt, "symbolic", EngineConfig(DEFAULT_SOUNDFONT))
    cpu_before = _cpu_s()
    _, seconds = timed(produce_track, spec, out)
    return seconds, _cpu_s() - cpu_before


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def through_service(
    durations: list[int], fmt: str, prompt: str, repeat: int = 1
) -> dict[int, dict[str, float]]:
    """Claim-to-completed and the first other-format stem, from a real service on a fresh data dir (the
    best of ``repeat`` jobs per duration, each after the previous one's stems were encoded)."""
    from musicgen_app.config import Settings
    from musicgen_app.service import GenerationService

    other = "wav" if fmt != "wav" else "flac"
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        service = GenerationService(Settings(data_dir=Path(data_dir), engine="symbolic", ui=False, workers=1))
        service.start()
        try:
            for duration in [5, *[d for d in durations for _ in range(repeat)]]:  # 5 s: warm-up
                body = {"prompt": prompt, "duration": duration, "output_format": fmt, "seed": 7}
                track = service.submit(body)
                while (track := service.get(track.id)).status not in ("completed", "failed"):
                    time.sleep(0.02)
                if track.status == "failed":
                    raise SystemExit(f"the {duration} s job failed: {track.error}")
                _, first_stem_s = timed(service.file, track.id, "drums", other)
                claim_s = (track.completed_at - track.started_at).total_seconds()
                best = results.get(duration, {"claim_to_completed_s": float("inf")})
                if claim_s < best["claim_to_completed_s"]:
                    results[duration] = {
                        "claim_to_completed_s": claim_s,
                        "first_other_format_stem_s": first_stem_s,
                    }
                # the next job starts once this one's stems in the requested format are encoded (they
                # run after completion, at a lower priority), as on a server that is not saturated
                _wait_for_stems(service, track.id, fmt)
        finally:
            service.stop()
    return results


def _wait_for_stems(service, track_id: str, fmt: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready = service.encoded.ready(service.get(track_id))
        if len(ready) == 5 and all(fmt in formats for formats in ready.values()):
            return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--format", default="mp3")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--prompt", default=PROMPT, help="the prompt of every job (default: lo-fi, rain)")
    parser.add_argument("--repeat", type=int, default=1, help="jobs per duration; the best is reported")
    args = parser.parse_args()
    rows = []
    served = through_service(args.durations, args.format, args.prompt, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        # A worker process pays these once (SoundFont load, compiled meter kernels, encoder start-up);
        # the figures below are a warm worker's, as the service runs jobs.
        _, warm_s = timed(whole_job, 5, args.format, Path(tmp))
        for duration in args.durations:
            stages = stage_times(duration, args.format, Path(tmp), args.prompt)
            job_s, cpu_s = min(
                whole_job(duration, args.format, Path(tmp), args.prompt) for _ in range(args.repeat)
            )
            rows.append(
                {
                    "duration_s": duration,
                    "format": args.format,
                    "stages_s": stages,
                    "job_wall_s": job_s,
                    "job_cpu_s": cpu_s,
                    "realtime_factor": duration / job_s,
                    **served[duration],
                    "service_realtime_factor": duration / served[duration]["claim_to_completed_s"],
                }
            )
    names = list(rows[0]["stages_s"])
    print(f"first 5 s job of a process (SoundFont, kernels, imports): {warm_s:.2f} s")
    print(f"{'stage':14}" + "".join(f"{r['duration_s']:>10} s" for r in rows))
    for name in names:
        print(f"{name:14}" + "".join(f"{r['stages_s'][name]:11.3f}s" for r in rows))
    print(f"{'job wall':14}" + "".join(f"{r['job_wall_s']:11.3f}s" for r in rows))
    print(f"{'realtime x':14}" + "".join(f"{r['realtime_factor']:11.1f}x" for r in rows))
    print(f"{'job cpu':14}" + "".join(f"{r['job_cpu_s']:11.3f}s" for r in rows))
    print(f"{'claim->done':14}" + "".join(f"{r['claim_to_completed_s']:11.3f}s" for r in rows))
    print(f"{'service x':14}" + "".join(f"{r['service_realtime_factor']:11.1f}x" for r in rows))
    print(f"{'1st stem other':14}" + "".join(f"{r['first_other_format_stem_s']:11.3f}s" for r in rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": platform.processor() or platform.machine(),
            "cores": __import__("os").cpu_count(),
            "python": platform.python_version(),
        }
        meta["prompt"] = args.prompt
        args.json.write_text(json.dumps({"meta": meta, "warm_up_s": warm_s, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
