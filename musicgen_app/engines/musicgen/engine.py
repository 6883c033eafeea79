"""The ``musicgen`` engine: a Plan in, MusicGen audio (44.1 kHz stereo, exact length) out."""

from __future__ import annotations

import dataclasses

import numpy as np
import soxr
import torch

from ...beats import estimate_beat_grid
from ...errors import GenerationFailed, InvalidRequest
from ...formats import SAMPLE_RATE
from ...plan import Plan, bar_seconds
from ...request import MAX_DURATION_S, MIN_DURATION_S
from ..base import EngineResult, ProgressFn, Stems, no_progress
from .conditioning import conditioning_text
from .edit import CROSSFADE_S, loop_from, loop_start_frame
from .generate import GeneratedAudio, generate_audio
from .loader import default_device, find_model, load_model, resolve_precision
from .postprocess import fit_length, to_output_format
from .sampling import SamplingOptions
from .tempo_lock import TempoLock, measure_and_lock

__all__ = ["DEFAULT_MODEL", "LICENSE", "MusicgenEngine"]

DEFAULT_MODEL = "facebook/musicgen-small"
LICENSE = "CC-BY-NC-4.0 (MusicGen weights)"
#: Decoding one token at a time is memory-bound: on a 2-core machine shared with other work, one thread
#: avoids OpenMP hand-offs (bench/musicgen_cpu.py: int8 2.6 s per audio second on 1 thread, 3.3 on 2).
CPU_THREADS = 1
STEMS_NOTICE = (
    "Stems are not separated yet: the whole MusicGen mix is in the 'other' stem and the vocals, drums "
    "and bass stems are silent."
)


class MusicgenEngine:
    """Text-to-music with a MusicGen checkpoint through ``transformers``.

    Parameters
    ----------
    model_id : Hub id (looked up in the HF cache) or a local ``save_pretrained`` directory.
    device : ``cuda`` or ``cpu``; ``None`` picks CUDA when torch sees a GPU.
    local_files_only : never touch the network while loading.
    top_k, temperature, guidance_scale : sampling settings, passed to every call (the shared model's
        ``generation_config`` is never changed).
    window_s, prompt_s : longest single generation pass, and the seconds of codes that prompt each
        continuation window beyond it.
    max_tempo_correction : largest relative time-stretch tempo lock applies.
    precision : ``auto`` (the fastest accurate setting measured for the device), ``fp32``, ``bf16`` or
        ``int8`` (CPU only); see ``loader.prepare_model``.
    torch_threads : intra-op threads torch uses on CPU, set process-wide when generating (the engine
        runs in render processes of its own); ``None`` leaves torch's setting alone.
    """

    name = "musicgen"
    version = "1"
    makes_stems = False

    def __init__(
        self,
        model_id: str = DEFAULT_MODEL,
        *,
        device: str | None = None,
        local_files_only: bool = False,
        top_k: int = 250,
        temperature: float = 1.0,
        guidance_scale: float = 3.0,
        window_s: float = 30.0,
        prompt_s: float = 10.0,
        max_tempo_correction: float = 0.15,
        precision: str = "auto",
        torch_threads: int | None = CPU_THREADS,
    ) -> None:
        if not 0 < prompt_s < window_s:
            raise ValueError(f"need 0 < prompt_s < window_s, got {prompt_s}, {window_s}")
        if not 0.0 <= max_tempo_correction < 0.5:
            raise ValueError(f"max_tempo_correction must be within 0..0.5, got {max_tempo_correction}")
        self.model_id = model_id
        self.device = device or default_device()
        self.local_files_only = local_files_only
        self.sampling = SamplingOptions(top_k=top_k, temperature=temperature, guidance_scale=guidance_scale)
        self.window_s = window_s
        self.prompt_s = prompt_s
        self.max_tempo_correction = max_tempo_correction
        self.precision = resolve_precision(precision, self.device)
        self.torch_threads = torch_threads

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when config and weights are on disk; no weights are read, no network used."""
        return find_model(self.model_id)

    def generate(self, plan: Plan, *, progress: ProgressFn = no_progress) -> EngineResult:
        """Make ``plan.duration_s`` seconds of music for ``plan``; deterministic for ``plan.seed`` on CPU.

        Raises
        ------
        InvalidRequest : the duration is outside the supported range.
        EngineUnavailable : the model cannot be loaded (message says how to provide it).
        GenerationFailed : the model failed while generating.
        """
        if not MIN_DURATION_S <= plan.duration_s <= MAX_DURATION_S:
            raise InvalidRequest.for_field("duration", f"must be {MIN_DURATION_S}..{MAX_DURATION_S} seconds")
        text = conditioning_text(plan)
        if plan.loop_bars is not None:
            return self._loop(plan, text, progress)
        lock_wanted = plan.sources.get("tempo_bpm") == "explicit"
        # Speeding audio up shortens it: make enough that the largest allowed correction still fills it.
        margin = 1.0 + self.max_tempo_correction if lock_wanted else 1.0
        generated = self._generate(text, plan, duration_s=plan.duration_s * margin, progress=progress)
        audio = to_output_format(generated.audio, generated.sr, out_sr=SAMPLE_RATE)
        audio, measured_bpm, lock = measure_and_lock(
            audio,
            SAMPLE_RATE,
            target_bpm=plan.tempo_bpm,
            max_correction=self.max_tempo_correction,
            lock=lock_wanted,
        )
        audio = fit_length(audio, round(plan.duration_s * SAMPLE_RATE), sr=SAMPLE_RATE)
        return self._result(audio, text=text, windows=generated.windows, measured_bpm=measured_bpm, lock=lock)

    def _loop(self, plan: Plan, text: str, progress: ProgressFn) -> EngineResult:
        """A seamless loop of ``plan.loop_bars`` bars at exactly ``plan.tempo_bpm``: generated with room
        for a bar line to start on and a tail, tempo-locked (a loop's bars must be exact, so a tempo the
        lock cannot reach fails the job and says why), then cut at a bar line of its tracked beat grid
        with the tail crossfaded into the head (see :func:`.edit.loop_from`)."""
        bar_s = bar_seconds(plan.tempo_bpm, plan.time_signature)
        length = round(plan.loop_bars * bar_s * SAMPLE_RATE)
        fade = round(CROSSFADE_S * SAMPLE_RATE)
        wanted_s = (plan.loop_bars + 2) * bar_s + CROSSFADE_S
        generated = self._generate(
            text, plan, duration_s=wanted_s * (1.0 + self.max_tempo_correction), progress=progress
        )
        audio = to_output_format(generated.audio, generated.sr, out_sr=SAMPLE_RATE)
        audio, measured_bpm, lock = measure_and_lock(
            audio, SAMPLE_RATE, target_bpm=plan.tempo_bpm, max_correction=self.max_tempo_correction
        )
        if lock is None or not lock.locked:
            found = f"{measured_bpm:.1f} BPM" if measured_bpm > 0 else "no steady beat"
            raise GenerationFailed(
                f"MusicGen played {found}, too far from {plan.tempo_bpm} BPM to stretch into exact bars "
                "for a loop; try another seed, or a tempo nearer the style's own"
            )
        grid = estimate_beat_grid(
            audio, SAMPLE_RATE, time_signature=plan.time_signature, tempo_hint_bpm=plan.tempo_bpm
        )
        start = loop_start_frame(grid.downbeats_s, length, fade, audio.shape[0], SAMPLE_RATE)
        one = loop_from(audio, start, length, fade)
        result = self._result(one, text=text, windows=generated.windows, measured_bpm=measured_bpm, lock=lock)
        loop = {"bars": plan.loop_bars, "start_frame": 0, "length_frames": length}
        return dataclasses.replace(result, extra={**result.extra, "loop": loop})

    def continue_audio(
        self, plan: Plan, before: np.ndarray, *, new_s: float, progress: ProgressFn = no_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Music for ``plan`` that follows ``before`` (44.1 kHz ``(frames, 2)``, the audio up to where the
        new music starts; may be empty): the model is prompted with the codes of its last window.

        Returns
        -------
        ``(heard, new)``, 44.1 kHz ``(frames, 2)`` each: the model's re-synthesis of the end of
        ``before`` it heard (to match levels against), and at least ``new_s`` seconds of new audio
        starting where ``before`` ends. No tempo lock: the continuation keeps the tempo it hears.

        Raises
        ------
        EngineUnavailable, GenerationFailed : as :meth:`generate`.
        """
        loaded = self._load()
        prompt = None
        if before.shape[0]:
            # a little more than the prompt: generate_audio keeps its last whole code frames
            tail = before[-round((self.prompt_s + 1.0) * SAMPLE_RATE) :]
            prompt = np.asarray(soxr.resample(tail, SAMPLE_RATE, loaded.sr, quality="VHQ"), dtype=np.float32)
        generated = self._generate(
            conditioning_text(plan), plan, duration_s=new_s, progress=progress, prompt_audio=prompt
        )
        heard = to_output_format(
            generated.audio[: generated.prompt_samples], generated.sr, out_sr=SAMPLE_RATE
        )
        new = to_output_format(generated.audio[generated.prompt_samples :], generated.sr, out_sr=SAMPLE_RATE)
        return heard, new

    def _load(self):
        if self.torch_threads and self.device == "cpu":
            torch.set_num_threads(self.torch_threads)
        return load_model(
            self.model_id,
            device=self.device,
            local_files_only=self.local_files_only,
            precision=self.precision,
        )

    def _generate(
        self,
        text: str,
        plan: Plan,
        *,
        duration_s: float,
        progress: ProgressFn,
        prompt_audio: np.ndarray | None = None,
    ) -> GeneratedAudio:
        loaded = self._load()
        try:
            return generate_audio(
                loaded,
                text,
                duration_s=duration_s,
                seed=plan.seed,
                sampling=self.sampling,
                window_s=self.window_s,
                prompt_s=self.prompt_s,
                progress=progress,
                prompt_audio=prompt_audio,
            )
        except RuntimeError as exc:
            raise GenerationFailed(f"MusicGen generation failed: {exc}") from exc

    def _result(
        self, audio: np.ndarray, *, text: str, windows: int, measured_bpm: float, lock: TempoLock | None
    ) -> EngineResult:
        silence = np.zeros_like(audio)
        notices = [STEMS_NOTICE]
        if lock is not None and not lock.locked:
            found = f"{measured_bpm:.1f} BPM" if measured_bpm > 0 else "no steady beat"
            notices.append(
                f"The tempo could not be locked to {lock.target_bpm:g} BPM: the generated music measured "
                f"{found}, too far from it to stretch without audible damage."
            )
        extra = {
            "measured_tempo_bpm": round(measured_bpm, 2),
            "conditioning_text": text,
            "windows": windows,
            "stems_separated": False,
            "tempo_locked": bool(lock and lock.locked),
            "tempo_stretch_rate": lock.rate if lock else 1.0,
            "device": self.device,
            "precision": self.precision,
        }
        return EngineResult(
            stems=Stems(vocals=silence, drums=silence, bass=silence, other=audio),
            engine=self.name,
            model=self.model_id,
            license=LICENSE,
            notices=tuple(notices),
            extra=extra,
        )
