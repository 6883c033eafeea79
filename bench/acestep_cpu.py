"""CPU cost of ACE-Step 1.5 (2B turbo): seconds of compute per second of audio, peak memory, and where the
time goes (text encoder / condition encoder / DiT / VAE decode).

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/acestep_cpu.py [--seconds 30] [--steps 8]
        [--dtypes bf16] [--json PATH]

The published ``acestep-v15-turbo`` architecture as diffusers 0.42.1 ships it is built with random weights
(the weights cannot be downloaded here, and speed does not depend on their values): the
``AceStepTransformer1DModel`` DiT (24 layers, 2048 wide, 16 heads, 8 KV heads, 64-channel latents at 25 Hz,
patch 2; diffusers' defaults are this checkpoint's), the ``AceStepConditionEncoder`` (8 lyric and 4 timbre
layers), a Qwen3-Embedding-0.6B-shaped text encoder (28 layers, 1024 wide) and the 48 kHz Oobleck VAE
(hop 1920). The tokenizer is a byte-level BPE trained here (the real one cannot be downloaded); it changes
token counts of a short caption, not the cost. Every run goes through the engine's own call
(:class:`AcestepEngine` argument set: turbo, guidance 1.0, shift 3) after building, with one warm-up call
of 10 s first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engines.acestep.conftest import _tiny_tokenizer

CAPTION = (
    "upbeat synth-pop song with punchy drums, bright synth leads and female vocals, at 120 BPM, in A minor"
)
LYRICS = "[verse]\nCity lights are calling me\nI can hear them sing\n\n[chorus]\nSing it loud, sing it loud\n"
DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


def build_pipeline(dtype: torch.dtype):
    """The 2B turbo pipeline with random weights in ``dtype`` (built in that dtype: no fp32 copy first)."""
    from diffusers import AceStepPipeline, AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step import AceStepConditionEncoder
    from transformers import Qwen3Config, Qwen3Model

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        transformer = AceStepTransformer1DModel(is_turbo=True, model_version="turbo")
        condition_encoder = AceStepConditionEncoder()
        text_encoder = Qwen3Model(
            Qwen3Config(
                vocab_size=151_669,
                hidden_size=1024,
                intermediate_size=3072,
                num_hidden_layers=28,
                num_attention_heads=16,
                num_key_value_heads=8,
                head_dim=128,
                max_position_embeddings=32_768,
            )
        )
        vae = AutoencoderOobleck(
            encoder_hidden_size=128,
            downsampling_ratios=[2, 4, 4, 6, 10],
            channel_multiples=[1, 2, 4, 8, 16],
            decoder_channels=128,
            decoder_input_channels=64,
            audio_channels=2,
            sampling_rate=48_000,
        )
    finally:
        torch.set_default_dtype(previous)
    pipe = AceStepPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=_tiny_tokenizer(),
        transformer=transformer,
        condition_encoder=condition_encoder,
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1, shift=1.0),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _timed(times: dict[str, float], name: str, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[name] += time.perf_counter() - start

    return wrapper


def instrument(pipe) -> dict[str, float]:
    """Per-component wall seconds, filled by every later call of the pipeline."""
    times: dict[str, float] = defaultdict(float)
    pipe.text_encoder.forward = _timed(times, "text encoder", pipe.text_encoder.forward)
    pipe.condition_encoder.forward = _timed(times, "condition encoder", pipe.condition_encoder.forward)
    pipe.transformer.forward = _timed(times, "DiT", pipe.transformer.forward)
    pipe.vae.decode = _timed(times, "VAE decode", pipe.vae.decode)
    return times


def run(pipe, times: dict[str, float], *, seconds: float, steps: int) -> dict:
    times.clear()
    start = time.perf_counter()
    with torch.inference_mode():
        pipe(
            prompt=CAPTION,
            lyrics=LYRICS,
            audio_duration=seconds,
            num_inference_steps=steps,
            guidance_scale=1.0,
            shift=3.0,
            bpm=120,
            keyscale="A minor",
            timesignature="4",
            generator=torch.Generator().manual_seed(0),
            output_type="np",
        )
    wall = time.perf_counter() - start
    return {"wall_s": wall, "per_audio_s": wall / seconds, "parts_s": dict(times)}


def parameters(module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--dtypes", default="bf16", help="comma-separated: bf16,fp32 (fp32 needs ~14 GB)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    for name in args.dtypes.split(","):
        built = time.perf_counter()
        pipe = build_pipeline(DTYPES[name])
        built = time.perf_counter() - built
        sizes = {
            part: round(parameters(getattr(pipe, part)), 3)
            for part in ("transformer", "condition_encoder", "text_encoder", "vae")
        }
        times = instrument(pipe)
        run(pipe, times, seconds=10.0, steps=1)  # warm-up: first-call allocations and kernels
        result = run(pipe, times, seconds=args.seconds, steps=args.steps)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        rows.append(
            {"dtype": name, "build_s": round(built, 1), "params_b": sizes, "peak_rss_gb": peak_gb, **result}
        )
        del pipe
        print(
            f"{name}: {result['wall_s']:.1f} s for {args.seconds:g} s of audio at {args.steps} steps = "
            f"{result['per_audio_s']:.2f} s per audio second; peak RSS {peak_gb:.1f} GB (process so far)"
        )
        for part, seconds in sorted(result["parts_s"].items(), key=lambda kv: -kv[1]):
            print(f"    {part:18s} {seconds:7.1f} s  {100 * seconds / result['wall_s']:5.1f} %")
        print(f"    parameters (billions): {sizes}")
    if args.json:
        meta = {
            "date": dt.date.today().isoformat(),
            "machine": platform.processor() or platform.machine(),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "seconds": args.seconds,
            "steps": args.steps,
        }
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
