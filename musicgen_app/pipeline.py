"""One job end to end, as plain functions over plain values: plan -> engine -> master -> files.

This is the core the service runs in a render process and the CLI runs directly. It knows nothing of
HTTP, databases or queues: it gets a :class:`JobSpec` and a directory, and returns a :class:`TrackOutcome`.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .audio.encode import encode_audio
from .audio.master import MasterResult, master
from .audio.tags import Tags
from .audio.waveform import waveform_json
from .engines.base import EngineResult, ProgressFn, Stems, no_progress
from .engines.registry import EngineConfig, choose_engine
from .errors import EngineUnavailable
from .formats import TARGET_LUFS
from .plan import Plan

__all__ = ["STAGES", "JobSpec", "TrackOutcome", "produce_track", "track_title"]

#: Where each stage starts in a job's progress (0..1), and its name for people (the studio shows it).
STAGES: tuple[tuple[float, str], ...] = (
    (0.0, "Generating the music"),
    (0.75, "Separating the stems"),
    (0.85, "Mastering"),
    (0.88, "Encoding the mix and the stems"),
    (0.98, "Saving the files"),
)
_ENGINE_AT, _SEPARATION_AT, _MASTER_AT, _ENCODE_AT, _SAVE_AT = (start for start, _ in STAGES)
#: Highest sample peak a stem may have in its file (16-bit full scale, with a hair of margin).
_STEM_PEAK_LIMIT = 0.999


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to make one track (picklable: it crosses into render processes)."""

    track_id: str
    plan: dict[str, Any]
    output_format: str
    engine: str
    config: EngineConfig


@dataclass(frozen=True)
class TrackOutcome:
    """What a finished job produced. ``files`` are relative to the output directory."""

    files: dict[str, str]
    engine: str
    engine_version: str
    model: str
    license: str
    key: str
    loudness_lufs: float
    true_peak_dbtp: float
    notices: tuple[str, ...] = ()
    sections: tuple[tuple[str, float], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def track_title(prompt: str, *, max_chars: int = 60) -> str:
    """A short human title from the prompt (first clause, trimmed on a word boundary)."""
    first = re.split(r"[.!?\n]", prompt.strip(), maxsplit=1)[0].strip() or prompt.strip()
    if len(first) <= max_chars:
        return first
    return first[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _scaled(progress: ProgressFn, start: float, share: float) -> ProgressFn:
    return lambda fraction: progress(start + share * min(max(fraction, 0.0), 1.0))


def _separate_if_needed(result: EngineResult, spec: JobSpec, progress: ProgressFn) -> EngineResult:
    """Neural engines give one waveform: split it with Demucs, never losing the mix if that fails."""
    if result.extra.get("stems_separated", True):
        return result
    try:
        import torch

        from .audio.separate import separate

        # MusicGen leaves torch on one thread (fastest for its decoding): then separate segments in two
        # threads instead, which is as fast as two torch threads (bench/demucs_cpu.py).
        workers = 2 if torch.get_num_threads() == 1 else 0
        stems = separate(
            result.stems.mix(),
            result.stems.sample_rate,
            model=spec.config.demucs_model,
            repo=spec.config.demucs_repo,
            progress=progress,
            workers=workers,
        )
    except (ImportError, EngineUnavailable) as exc:
        notice = f"Stems could not be separated ({exc}); the whole mix is in the 'other' stem."
        return replace(result, notices=(*_without_stem_notices(result.notices), notice))
    extra = {**result.extra, "stems_separated": True}
    notices = _without_stem_notices(result.notices)
    return replace(result, stems=stems, extra=extra, notices=notices)


def _without_stem_notices(notices: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in notices if "not separated" not in n.lower())


def _stems_within_full_scale(mastered: MasterResult) -> tuple[MasterResult, tuple[str, ...]]:
    """Lower everything alike when a stem alone would clip, so the stem files still sum to the mix.

    A mastered mix stays under its ceiling, but a separated stem can peak above full scale when other
    stems cancel it in the mix; clipping that stem in a fixed-point file would break the sum.
    """
    peak = max(float(np.max(np.abs(audio), initial=0.0)) for _, audio in mastered.stems.items())
    if peak <= _STEM_PEAK_LIMIT:
        return mastered, ()
    scale = _STEM_PEAK_LIMIT / peak
    change_db = 20 * np.log10(scale)
    stems = mastered.stems.map(lambda audio: audio * np.float32(scale))
    notice = (
        f"Every stem was lowered by {-change_db:.1f} dB so that no stem clips; "
        f"the mix is quieter than the usual {TARGET_LUFS:.0f} LUFS."
    )
    lowered = replace(
        mastered,
        stems=stems,
        gain_db=mastered.gain_db + change_db,
        loudness_lufs=mastered.loudness_lufs + change_db,
        true_peak_dbtp=mastered.true_peak_dbtp + change_db,
    )
    return lowered, (notice,)


def _encode_all(stems: Stems, out_dir: Path, fmt: str, tags: Tags) -> dict[str, str]:
    """Encode the mix and the four stems, two at a time (the encoders release the GIL)."""
    (out_dir / "stems").mkdir(exist_ok=True)
    jobs: dict[str, tuple[np.ndarray, str]] = {"mix": (stems.mix(), f"track.{fmt}")}
    for name, audio in stems.items():
        jobs[name] = (audio, f"stems/{name}.{fmt}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(encode_audio, audio, stems.sample_rate, out_dir / rel, fmt, tags=tags)
            for name, (audio, rel) in jobs.items()
        }
        for future in futures.values():
            future.result()
    return {name: rel for name, (_, rel) in jobs.items()}


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    tmp.replace(path)


def produce_track(spec: JobSpec, out_dir: Path, *, progress: ProgressFn = no_progress) -> TrackOutcome:
    """Make every file of a track into ``out_dir`` (which the caller publishes or discards).

    Files: ``track.<fmt>``, ``stems/<name>.<fmt>``, ``waveform.json``, and ``track.mid`` when the engine
    has a score. Raises the product's errors (:class:`EngineUnavailable`, :class:`GenerationFailed`).
    """
    plan = Plan.from_dict(spec.plan)
    engine, notices = choose_engine(spec.engine, spec.config)
    result = engine.generate(plan, progress=_scaled(progress, _ENGINE_AT, _SEPARATION_AT - _ENGINE_AT))
    result = _separate_if_needed(result, spec, _scaled(progress, _SEPARATION_AT, _MASTER_AT - _SEPARATION_AT))
    mastered, level_notices = _stems_within_full_scale(master(result.stems))
    progress(_ENCODE_AT)
    tags = Tags(
        title=track_title(plan.prompt),
        engine=f"{engine.name} {engine.version}",
        model=result.model,
        prompt=plan.prompt,
        seed=str(plan.seed),
        license=result.license,
    )
    files = _encode_all(mastered.stems, out_dir, spec.output_format, tags)
    _write_json(out_dir / "waveform.json", waveform_json(mastered.stems.mix(), mastered.stems.sample_rate))
    files["waveform"] = "waveform.json"
    if result.midi is not None:
        (out_dir / "track.mid").write_bytes(result.midi)
        files["midi"] = "track.mid"
    progress(_SAVE_AT)
    return TrackOutcome(
        files=files,
        engine=engine.name,
        engine_version=engine.version,
        model=result.model,
        license=result.license,
        key=plan.key_name,
        loudness_lufs=round(mastered.loudness_lufs, 2),
        true_peak_dbtp=round(mastered.true_peak_dbtp, 2),
        notices=(*notices, *result.notices, *level_notices),
        sections=tuple(result.sections),
        extra=dict(result.extra),
    )
