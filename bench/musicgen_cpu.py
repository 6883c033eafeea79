"""CPU cost of MusicGen-small: seconds of compute per second of audio, per inference setting.

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/musicgen_cpu.py [--seconds 10] [--json PATH]
        [--variants hf-default,engine-int8,...] [--kl-steps 48] [--compile]

The published musicgen-small architecture (T5-base text encoder, 24-layer 1024-wide decoder with 16 heads
and 4 codebooks, 32 kHz EnCodec) is built with random weights: the weights cannot be downloaded here, and
speed does not depend on their values. Every variant generates the same ``--seconds`` of audio with
classifier-free guidance (scale 3) and top-k 250, after a short warm-up run.

``hf-*`` variants call ``model.generate`` as the transformers documentation does (the baseline is
transformers' defaults, all cores); ``engine-*`` variants run the engine's own path (seeded guided sampler,
windowed generation) on a model prepared by the engine's loader. For reduced-precision variants, the
next-token distributions (guided, teacher-forced on the same codes) are compared with fp32: the table
reports the largest KL divergence over ``--kl-steps`` steps x 4 codebooks. With random weights these
distributions are flatter than a trained model's, so the KL figures bound numeric drift, not musical drift.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.engines.musicgen.generate import generate_audio
from musicgen_app.engines.musicgen.loader import LoadedModel, prepare_model
from musicgen_app.engines.musicgen.sampling import SamplingOptions

TEXT = "lo-fi hip hop beat with warm rhodes piano and soft vinyl crackle, at 80 bpm, calm"
GUIDANCE = 3.0
TOP_K = 250


def musicgen_small_config():
    """facebook/musicgen-small's published configuration."""
    from transformers import EncodecConfig, MusicgenConfig, MusicgenDecoderConfig, T5Config

    text = T5Config(
        vocab_size=32128,
        d_model=768,
        d_kv=64,
        d_ff=3072,
        num_layers=12,
        num_heads=12,
        feed_forward_proj="relu",
    )
    audio = EncodecConfig(
        sampling_rate=32_000,
        audio_channels=1,
        num_filters=64,
        hidden_size=128,
        codebook_size=2048,
        upsampling_ratios=[8, 5, 4, 4],
        target_bandwidths=[2.2],
        use_causal_conv=False,
        num_lstm_layers=2,
        use_conv_shortcut=False,
        norm_type="weight_norm",
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=2048,
        max_position_embeddings=2048,
        num_hidden_layers=24,
        ffn_dim=4096,
        num_attention_heads=16,
        hidden_size=1024,
        num_codebooks=4,
        pad_token_id=2048,
        bos_token_id=2048,
    )
    return MusicgenConfig(text_encoder=text, audio_encoder=audio, decoder=decoder)


def build_model():
    from transformers import MusicgenForConditionalGeneration

    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(musicgen_small_config()).eval()
    # Random codebooks: EnCodec initialises them to zeros.
    for layer in model.audio_encoder.quantizer.layers:
        layer.codebook.embed.normal_()
    model.generation_config.update(decoder_start_token_id=2048, pad_token_id=2048, bos_token_id=2048)
    return model


def build_processor():
    """A character-level T5 tokenizer (the real vocabulary cannot be downloaded; its length is similar)."""
    from transformers import EncodecFeatureExtractor, MusicgenProcessor, T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    for char in string.ascii_lowercase + string.digits + "-,":
        pieces += [(char, -3.0), ("▁" + char, -3.5)]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    return MusicgenProcessor(EncodecFeatureExtractor(feature_size=1, sampling_rate=32_000), tokenizer)


def loaded(model, processor) -> LoadedModel:
    audio = model.config.audio_encoder
    return LoadedModel(
        model_id="bench/musicgen-small-random",
        device="cpu",
        model=model,
        processor=processor,
        sr=audio.sampling_rate,
        frame_rate_hz=audio.frame_rate,
        hop_length=audio.hop_length,
        audio_channels=1,
        max_frames=model.config.decoder.max_position_embeddings,
    )


@dataclass(frozen=True)
class Variant:
    name: str
    threads: int
    precision: str  # fp32 | bf16 | int8
    path: str  # hf | engine
    options: dict


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("hf-default", 2, "fp32", "hf", {}),
        Variant("hf-threads1", 1, "fp32", "hf", {}),
        Variant("hf-eager-attention-threads1", 1, "fp32", "hf", {"attn": "eager"}),
        Variant("hf-static-cache-threads1", 1, "fp32", "hf", {"cache_implementation": "static"}),
        Variant("engine-fp32-threads1", 1, "fp32", "engine", {}),
        Variant("engine-bf16", 2, "bf16", "engine", {}),
        Variant("engine-bf16-threads1", 1, "bf16", "engine", {}),
        Variant("engine-int8", 2, "int8", "engine", {}),
        Variant("engine-int8-threads1", 1, "int8", "engine", {}),
    )
}
COMPILE_VARIANT = Variant("hf-static-compile-threads1", 1, "fp32", "hf", {"compile": True})


def run_hf(model, processor, seconds: float, options: dict) -> None:
    inputs = processor(text=[TEXT], padding=True, return_tensors="pt")
    kwargs: dict = {}
    if options.get("cache_implementation") or options.get("compile"):
        kwargs["cache_implementation"] = "static"
    if options.get("compile"):
        from transformers import CompileConfig

        config = CompileConfig(fullgraph=False, mode="default")
        config._compile_all_devices = True
        kwargs["compile_config"] = config
    frames = round(seconds * model.config.audio_encoder.frame_rate)
    model.generate(
        **inputs,
        do_sample=True,
        guidance_scale=GUIDANCE,
        top_k=TOP_K,
        max_new_tokens=frames + model.decoder.num_codebooks - 1,
        **kwargs,
    )


def run_engine(model, processor, seconds: float, options: dict) -> None:
    sampling = SamplingOptions(top_k=TOP_K, guidance_scale=GUIDANCE)
    generate_audio(loaded(model, processor), TEXT, duration_s=seconds, seed=1, sampling=sampling)


def guided_distributions(model, processor, codes: torch.Tensor) -> torch.Tensor:
    """Log-probabilities ``(codebooks, steps, vocab)`` after guidance, teacher-forced on ``codes``."""
    inputs = processor(text=[TEXT], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model.text_encoder(**inputs).last_hidden_state
        encoder_outputs = (torch.cat([hidden, torch.zeros_like(hidden)]),)
        mask = torch.cat([inputs["attention_mask"], torch.zeros_like(inputs["attention_mask"])])
        logits = model(
            encoder_outputs=encoder_outputs,
            attention_mask=mask,
            decoder_input_ids=codes.repeat(2, 1),
        ).logits.float()
    conditional, unconditional = logits.split(codes.shape[0], dim=0)
    return torch.log_softmax(unconditional + GUIDANCE * (conditional - unconditional), dim=-1)


def max_kl(reference: torch.Tensor, candidate: torch.Tensor) -> tuple[float, float]:
    """Largest and mean KL(reference || candidate) over steps and codebooks, in nats."""
    kl = torch.sum(reference.exp() * (reference - candidate), dim=-1)
    return float(kl.max()), float(kl.mean())


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(variant: Variant, base_model, processor, seconds: float, kl_reference, kl_codes) -> dict:
    torch.set_num_threads(variant.threads)
    model = base_model
    if variant.precision != "fp32" or variant.options.get("attn"):
        model = copy.deepcopy(base_model)
    if variant.options.get("attn"):
        model.set_attn_implementation(variant.options["attn"])
    model = prepare_model(model, device="cpu", precision=variant.precision)
    run = run_hf if variant.path == "hf" else run_engine
    warmup_s = timed(lambda: run(model, processor, min(0.2, seconds), variant.options))
    elapsed_s = timed(lambda: run(model, processor, seconds, variant.options))
    row = {
        "variant": variant.name,
        "threads": variant.threads,
        "precision": variant.precision,
        "path": variant.path,
        "warmup_s": round(warmup_s, 2),
        "elapsed_s": round(elapsed_s, 2),
        "rtf": round(elapsed_s / seconds, 3),
    }
    if variant.precision != "fp32":
        row["kl_max"], row["kl_mean"] = max_kl(kl_reference, guided_distributions(model, processor, kl_codes))
    return row


def print_table(rows: list[dict], seconds: float) -> None:
    baseline = rows[0]["rtf"]
    print(
        f"\nmusicgen-small architecture, random weights, {seconds:g} s audio, CFG {GUIDANCE}, top-k {TOP_K}"
    )
    print(f"{'variant':28} {'thr':>3} {'prec':>5} {'s/audio s':>10} {'speed-up':>9} {'max KL':>10}")
    for row in rows:
        kl = f"{row['kl_max']:.2e}" if "kl_max" in row else "-"
        print(
            f"{row['variant']:28} {row['threads']:>3} {row['precision']:>5} {row['rtf']:>10.2f} "
            f"{baseline / row['rtf']:>8.2f}x {kl:>10}"
        )


def _cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="audio seconds per run (default 10)")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help="comma-separated; first is the baseline"
    )
    parser.add_argument("--kl-steps", type=int, default=48, help="teacher-forced steps for the KL check")
    parser.add_argument("--compile", action="store_true", help="also try static cache + torch.compile")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    chosen = [VARIANTS[name] for name in args.variants.split(",") if name]
    if args.compile:
        chosen.append(COMPILE_VARIANT)
    model, processor = build_model(), build_processor()
    kl_codes = torch.randint(
        0, 2048, (model.decoder.num_codebooks, args.kl_steps), generator=torch.Generator().manual_seed(0)
    )
    kl_reference = guided_distributions(model, processor, kl_codes)
    rows = []
    for variant in chosen:
        try:
            rows.append(measure(variant, model, processor, args.seconds, kl_reference, kl_codes))
        except Exception as exc:  # a variant that does not work here is a result too
            rows.append({"variant": variant.name, "error": f"{type(exc).__name__}: {exc}"[:300]})
            print(f"{variant.name}: failed: {rows[-1]['error']}", file=sys.stderr)
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print_table([r for r in rows if "rtf" in r], args.seconds)
    if args.json:
        report = {
            "date": dt.date.today().isoformat(),
            "machine": {
                "cores": os.cpu_count(),
                "cpu": _cpu_name(),
                "torch": torch.__version__,
            },
            "command": " ".join(sys.argv),
            "seconds": args.seconds,
            "results": rows,
        }
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
