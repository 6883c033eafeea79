"""One job end to end, as plain functions over plain values: plan -> engine -> master -> files.

This is the core the service runs in a render process and the CLI runs directly. It knows nothing of
HTTP, databases or queues: it gets a :class:`JobSpec` and a directory, and returns a :class:`TrackOutcome`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .audio.encode import MASTER_BITS, as_master_pcm, encode_audio
from .audio.loudness import amplitude_to_db
from .audio.master import MasterResult, master, measure
from .audio.tags import Tags
from .audio.waveform import waveform_json
from .beats import BeatGrid, estimate_beat_grid
from .edit_render import EditSource, edited_result
from .engines.base import EngineResult, ProgressFn, Stems, no_progress
from .engines.registry import EngineConfig, choose_engine
from .errors import EngineUnavailable
from .formats import TARGET_LUFS
from .plan import Plan
from .progress import SteadyProgress, SummedProgress
from .track import TrackOutcome, provenance_tags
from .track_files import MASTER_FORMAT, SCORE_FILE, SIDE_FILES, encoded_file, master_file

__all__ = ["ENGINE_STARTED", "STAGES", "JobSpec", "produce_track"]

#: Where each stage starts in a job's progress (0..1), and its name for people (the studio shows it).
#: The shares follow where a symbolic job spends its time (a 180 s track: render 51 %, master 15 %,
#: encoding 32 %), so the bar moves at a similar pace through each. An engine that makes its own stems
#: reports over the stems stage too (the symbolic engine's stem buses run there).
STAGES: tuple[tuple[float, str], ...] = (
    (0.0, "Starting the engine"),
    (0.04, "Generating the music"),
    (0.6, "Making the stems"),
    (0.7, "Mastering"),
    (0.78, "Saving the master and encoding the mix"),
    (0.98, "Saving the files"),
)
_START_AT, _ENGINE_AT, _SEPARATION_AT, _MASTER_AT, _ENCODE_AT, _SAVE_AT = (start for start, _ in STAGES)
#: Where a job's own progress begins: below it, a worker waiting for its render process to start (the
#: first job after a restart) shows that it has begun.
ENGINE_STARTED = _ENGINE_AT
#: Encoding cost per frame relative to a 24-bit FLAC master (measured: mp3 through LAME ~5x, ogg ~4x),
#: so that the encoding stage's progress follows its time rather than its file count.
_ENCODE_WEIGHT = {"mp3": 5.0, "ogg": 4.0, "wav": 0.5, MASTER_FORMAT: 1.0}
#: Highest sample peak a stem may have in its file (16-bit full scale, with a hair of margin).
_STEM_PEAK_LIMIT = 0.999
#: One step of the master's fixed-point samples (rounding in a file moves a sample by at most this).
_MASTER_QUANTUM = 2.0 ** (1 - MASTER_BITS)


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to make one track (picklable: it crosses into render processes)."""

    track_id: str
    plan: dict[str, Any]
    output_format: str
    engine: str
    config: EngineConfig
    #: For a track made from another (remix...): where its audio comes from instead of an engine.
    source: EditSource | None = None


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
    peak = max(_sample_peak(audio) for _, audio in mastered.stems.items())
    # a stem lowered to the limit comes back from its 24-bit file a quantum above it: an edit that keeps
    # those samples must not be lowered again for that (it would move every kept sample)
    if peak <= _STEM_PEAK_LIMIT + _MASTER_QUANTUM:
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


def _write_audio(
    stems: Stems,
    mix: np.ndarray,
    out_dir: Path,
    fmt: str,
    tags: Tags,
    *,
    progress: ProgressFn = no_progress,
    meanwhile: Callable[[], None] = lambda: None,
) -> dict[str, str]:
    """The lossless master of the mix (``stems.mix()``, summed once by the caller) and of each stem, and
    the mix in the requested format; ``meanwhile()`` runs in this thread while the encoders work.

    Two at a time, one per core (the encoders release the GIL). Stems in other formats are encoded after
    the track is completed, or on the first request for them: a job only waits for what the caller asked
    for.
    ``progress`` is told the share of the encoding work done, by frames handed to each encoder.
    """
    # The requested format is encoded from the values the master holds, so that it and any file encoded
    # from the master later are the same, sample for sample. The masters themselves take the floats: the
    # 24-bit writer rounds them exactly as ``as_master_pcm`` does, so quantising them first is wasted.
    jobs: list[tuple[np.ndarray, str, str]] = []
    if fmt != MASTER_FORMAT:
        # first, and the only input quantised before the encoders start: the lossy encoder is the longest
        # job of the stage, and it runs in its own process beside the others
        jobs.append((as_master_pcm(mix), encoded_file("mix", fmt), fmt))
    jobs.append((mix, master_file("mix"), MASTER_FORMAT))
    jobs += [(audio, master_file(name), MASTER_FORMAT) for name, audio in stems.items()]
    for _, relative, _ in jobs:
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    done = SummedProgress(progress)
    reporters = [done.add(_ENCODE_WEIGHT[file_format]) for _, _, file_format in jobs]
    # Two at a time on two cores: the lossy encode of the mix is the longest job and is on the critical
    # path, so it keeps a core to itself while the masters are written one after another on the other
    # (together they take less time than it does); a third writer would only slow it down.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(
                encode_audio,
                audio,
                stems.sample_rate,
                out_dir / relative,
                file_format,
                tags=tags,
                bits_per_sample=MASTER_BITS if file_format == MASTER_FORMAT else 16,
                progress=report,
            )
            for (audio, relative, file_format), report in zip(jobs, reporters, strict=True)
        ]
        try:
            meanwhile()
        finally:
            for future in futures:
                future.result()
    return {"mix": master_file("mix"), **{name: master_file(name) for name, _ in stems.items()}}


def _sample_peak(audio: np.ndarray) -> float:
    """Largest ``|sample|``, linear: two reductions, without the 100 MB ``abs`` temporary at 300 s."""
    return max(float(audio.max(initial=0.0)), -float(audio.min(initial=0.0)))


def _stem_peaks(stems: Stems) -> dict[str, float]:
    """Each stem's sample peak in dBFS (-200 for digital silence), so readers can tell empty stems."""
    return {name: round(amplitude_to_db(_sample_peak(audio)), 1) for name, audio in stems.items()}


def _beat_grid(result: EngineResult, plan: Plan, mix: np.ndarray, sample_rate: int) -> BeatGrid:
    """The engine's exact grid, or one tracked from the audio (marked estimated)."""
    if result.beats is not None:
        return result.beats
    return estimate_beat_grid(
        mix,
        sample_rate,
        time_signature=plan.time_signature,
        tempo_hint_bpm=plan.tempo_bpm,
        sections=tuple(result.sections),
    )


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    tmp.replace(path)


def produce_track(spec: JobSpec, out_dir: Path, *, progress: ProgressFn = no_progress) -> TrackOutcome:
    """Make every file of a track into ``out_dir`` (which the caller publishes or discards).

    Files (see :mod:`musicgen_app.track_files`): the FLAC master of the mix and each stem, the mix in
    ``spec.output_format``, the waveform peaks, the beat grid, and the MIDI when the engine has a score.
    ``progress`` is told increasing fractions through the :data:`STAGES`, at least every half second or
    so (a step with no progress of its own eases on, see :class:`SteadyProgress`), ending at 1.0.
    Raises the product's errors (:class:`EngineUnavailable`, :class:`GenerationFailed`).
    """
    with SteadyProgress(progress) as steady:
        outcome = _produce(spec, out_dir, steady)
        steady(1.0)
    return outcome


def _produce(spec: JobSpec, out_dir: Path, steady: SteadyProgress) -> TrackOutcome:
    plan = Plan.from_dict(spec.plan)
    steady.step(_START_AT, _ENGINE_AT)
    if spec.source is not None:
        steady.step(_ENGINE_AT, _SEPARATION_AT)
        editing = _scaled(steady, _ENGINE_AT, _SEPARATION_AT - _ENGINE_AT)
        result, notices = edited_result(spec.source, plan, spec.config, progress=editing), ()
        made_by = (spec.source.engine, spec.source.engine_version)
        steady.step(_SEPARATION_AT, _MASTER_AT)
        # an edit a model made as one waveform (an ACE-Step repaint) is split like the model's tracks
        result = _separate_if_needed(
            result, spec, _scaled(steady, _SEPARATION_AT, _MASTER_AT - _SEPARATION_AT)
        )
    else:
        engine, notices = choose_engine(spec.engine, spec.config)
        engine_end = _MASTER_AT if engine.makes_stems else _SEPARATION_AT
        steady.step(_ENGINE_AT, engine_end)
        result = engine.generate(plan, progress=_scaled(steady, _ENGINE_AT, engine_end - _ENGINE_AT))
        made_by = (engine.name, engine.version)
        steady.step(engine_end, _MASTER_AT)
        result = _separate_if_needed(result, spec, _scaled(steady, engine_end, _MASTER_AT - engine_end))
    steady.step(_MASTER_AT, _ENCODE_AT)
    # an edit that keeps part of its parent's mastered audio comes back mastered (see edit_render)
    leveled = measure(result.stems) if result.extra.get("mastered") else master(result.stems)
    mastered, level_notices = _stems_within_full_scale(leveled)
    steady.step(_ENCODE_AT, _SAVE_AT)
    tags = provenance_tags(
        prompt=plan.prompt,
        engine=made_by[0],
        engine_version=made_by[1],
        model=result.model,
        seed=plan.seed,
        license=result.license,
        loop_frames=result.extra.get("loop", {}).get("length_frames"),
    )
    sample_rate = mastered.stems.sample_rate
    kept_mix = result.mix is not None and mastered.stems is result.stems  # left untouched by the level
    mix = result.mix if kept_mix else mastered.stems.mix()
    encoding = _scaled(steady, _ENCODE_AT, _SAVE_AT - _ENCODE_AT)
    side = {kind: name for kind, (name, _media) in SIDE_FILES.items()}
    stem_peaks: dict[str, float] = {}

    def write_side_files() -> None:
        # small next to the encoders, so they are done while the encoders run
        stem_peaks.update(_stem_peaks(mastered.stems))
        _write_json(out_dir / side["waveform"], waveform_json(mix, sample_rate))
        _write_json(out_dir / side["beats"], _beat_grid(result, plan, mix, sample_rate).as_dict())
        if result.midi is not None:
            (out_dir / side["midi"]).write_bytes(result.midi)

    files = _write_audio(
        mastered.stems, mix, out_dir, spec.output_format, tags, progress=encoding, meanwhile=write_side_files
    )
    steady.step(_SAVE_AT, 1.0)
    files.update(waveform=side["waveform"], beats=side["beats"])
    if result.midi is not None:
        files["midi"] = side["midi"]
    if result.score is not None:
        _write_json(out_dir / SCORE_FILE, result.score)
        files["score"] = SCORE_FILE
    return TrackOutcome(
        files=files,
        engine=made_by[0],
        engine_version=made_by[1],
        model=result.model,
        license=result.license,
        key=plan.key_name,
        loudness_lufs=round(mastered.loudness_lufs, 2),
        true_peak_dbtp=round(mastered.true_peak_dbtp, 2),
        notices=(*notices, *result.notices, *level_notices),
        sections=tuple(result.sections),
        details={**result.extra, "stem_peak_dbfs": stem_peaks},
    )
