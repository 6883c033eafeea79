"""Seconds per stage of one symbolic job, and its realtime factor, for 30 s and 300 s tracks.

    python bench/pipeline.py [--durations 30 300] [--format mp3] [--prompt TEXT] [--json PATH]

Stages: plan, compose, render (FluidSynth, all parts), master, encode mix, encode stems (4), waveform, MIDI,
then the whole job as the service runs it (stems encoded two at a time) for the wall-clock figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.audio.encode import encode_audio
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
    _, t_mix = timed(encode_audio, mastered.stems.mix(), 44_100, out / f"mix.{fmt}", fmt, tags=tags)
    start = time.perf_counter()
    for name, audio in mastered.stems.items():
        encode_audio(audio, 44_100, out / f"{name}.{fmt}", fmt, tags=tags)
    t_stems = time.perf_counter() - start
    _, t_wave = timed(waveform_json, mastered.stems.mix(), 44_100)
    _, t_midi = timed(score_to_midi, score)
    return {
        "plan": t_plan,
        "compose": t_compose,
        "render": t_render,
        "master": t_master,
        "encode_mix": t_mix,
        "encode_stems": t_stems,
        "waveform": t_wave,
        "midi": t_midi,
    }


def whole_job(duration_s: int, fmt: str, out: Path, prompt: str = PROMPT) -> float:
    request = parse_request(
        {"prompt": prompt, "duration": duration_s, "output_format": fmt, "engine": "symbolic"}
    )
    plan = interpret(request, seed=7)
    spec = JobSpec("0" * 32, plan.as_dict(), fmt, "symbolic", EngineConfig(DEFAULT_SOUNDFONT))
    _, seconds = timed(produce_track, spec, out)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--format", default="mp3")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--prompt", default=PROMPT, help="the prompt of every job (default: lo-fi, rain)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # A worker process pays these once (SoundFont load, compiled meter kernels, encoder start-up);
        # the figures below are a warm worker's, as the service runs jobs.
        _, warm_s = timed(whole_job, 5, args.format, Path(tmp))
        for duration in args.durations:
            stages = stage_times(duration, args.format, Path(tmp), args.prompt)
            job_s = whole_job(duration, args.format, Path(tmp), args.prompt)
            rows.append(
                {
                    "duration_s": duration,
                    "format": args.format,
                    "stages_s": stages,
                    "job_wall_s": job_s,
                    "realtime_factor": duration / job_s,
                }
            )
    names = list(rows[0]["stages_s"])
    print(f"first 5 s job of a process (SoundFont, kernels, imports): {warm_s:.2f} s")
    print(f"{'stage':14}" + "".join(f"{r['duration_s']:>10} s" for r in rows))
    for name in names:
        print(f"{name:14}" + "".join(f"{r['stages_s'][name]:11.3f}s" for r in rows))
    print(f"{'job wall':14}" + "".join(f"{r['job_wall_s']:11.3f}s" for r in rows))
    print(f"{'realtime x':14}" + "".join(f"{r['realtime_factor']:11.1f}x" for r in rows))
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
