"""The ``acestep`` engine: a Plan in, ACE-Step 1.5 audio (44.1 kHz stereo, exact length) out."""

from __future__ import annotations

import math

import numpy as np
import torch

from ...errors import GenerationFailed, InvalidRequest
from ...formats import SAMPLE_RATE
from ...plan import Plan
from ...request import MAX_DURATION_S, MIN_DURATION_S
from ..base import EngineResult, ProgressFn, Stems, no_progress
from ..musicgen.postprocess import fit_length, to_output_format
from ..musicgen.tempo_lock import TempoLock, measure_and_lock
from .conditioning import Conditioning, conditioning
from .loader import (
    LYRIC_TOKEN_LIMIT,
    LoadedPipeline,
    default_device,
    find_pipeline,
    load_pipeline,
    lyric_tokens,
)

__all__ = ["DEFAULT_MODEL", "LICENSE", "MIN_MODEL_S", "AcestepEngine", "check_lyrics"]

DEFAULT_MODEL = "ACE-Step/acestep-v15-turbo-diffusers"
LICENSE = "MIT (ACE-Step 1.5 weights)"
#: ACE-Step's documented shortest song: shorter tracks are generated this long and cut.
MIN_MODEL_S = 10.0
#: Share of the engine's progress the diffusion steps take; the VAE decode and tempo work take the rest.
_STEPS_SHARE = 0.85
STEMS_NOTICE = (
    "Stems are not separated yet: the whole ACE-Step mix is in the 'other' stem and the vocals, drums "
    "and bass stems are silent."
)


def check_lyrics(model_id: str, lyrics: str, *, local_files_only: bool = False) -> None:
    """Refuse lyrics longer than the model reads (the pipeline would cut them without a word).

    Raises
    ------
    InvalidRequest : naming ``lyrics``, its token count and the limit.
    EngineUnavailable : the checkpoint's tokenizer is not on disk.
    """
    tokens = lyric_tokens(model_id, lyrics, local_files_only=local_files_only)
    if tokens > LYRIC_TOKEN_LIMIT:
        raise InvalidRequest.for_field(
            "lyrics",
            f"must fit ACE-Step's {LYRIC_TOKEN_LIMIT}-token lyric limit, got {tokens} tokens; shorten them",
        )


class AcestepEngine:
    """Songs, sung or instrumental, with an ACE-Step 1.5 checkpoint through diffusers' ``AceStepPipeline``.

    Parameters
    ----------
    model_id : Hub id (looked up in the HF cache) or a local ``save_pretrained`` directory.
    device : ``cuda`` or ``cpu``; ``None`` picks CUDA when torch sees a GPU (bf16 there, fp32 on CPU).
    local_files_only : never touch the network while loading.
    steps : diffusion steps (the turbo checkpoints are distilled for 8).
    shift : the flow-matching schedule shift ACE-Step's turbo defaults use.
    guidance_scale : used only by non-turbo checkpoints (turbo ones are guidance-distilled: 1.0).
    max_tempo_correction : largest relative time-stretch tempo lock applies.
    """

    name = "acestep"
    version = "1"
    makes_stems = False

    def __init__(
        self,
        model_id: str = DEFAULT_MODEL,
        *,
        device: str | None = None,
        local_files_only: bool = False,
        steps: int = 8,
        shift: float = 3.0,
        guidance_scale: float = 7.0,
        max_tempo_correction: float = 0.15,
    ) -> None:
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        if not 0.0 <= max_tempo_correction < 0.5:
            raise ValueError(f"max_tempo_correction must be within 0..0.5, got {max_tempo_correction}")
        self.model_id = model_id
        self.device = device or default_device()
        self.local_files_only = local_files_only
        self.steps = steps
        self.shift = shift
        self.guidance_scale = guidance_scale
        self.max_tempo_correction = max_tempo_correction

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when every component of the checkpoint is on disk; nothing read, no network."""
        return find_pipeline(self.model_id)

    def generate(self, plan: Plan, *, progress: ProgressFn = no_progress) -> EngineResult:
        """Make ``plan.duration_s`` seconds for ``plan``; deterministic for ``plan.seed`` on one device.

        Raises
        ------
        InvalidRequest : the duration is outside the supported range, or the lyrics are too long.
        EngineUnavailable : the model cannot be loaded (message says how to provide it).
        GenerationFailed : the model failed while generating.
        """
        if not MIN_DURATION_S <= plan.duration_s <= MAX_DURATION_S:
            raise InvalidRequest.for_field("duration", f"must be {MIN_DURATION_S}..{MAX_DURATION_S} seconds")
        if plan.lyrics:
            check_lyrics(self.model_id, plan.lyrics, local_files_only=self.local_files_only)
        cond = conditioning(plan)
        lock_wanted = plan.sources.get("tempo_bpm") == "explicit"
        # Speeding audio up shortens it: make enough that the largest allowed correction still fills it.
        margin = 1.0 + self.max_tempo_correction if lock_wanted else 1.0
        # Whole seconds: diffusers 0.42.1 turns the duration into latent frames twice (ceil(s * 25), then
        # ceil(frames / 25 * 25)), and for some fractional durations float rounding makes the two differ
        # by a frame, which the DiT refuses; whole seconds give exact products.
        length_s = float(max(MIN_MODEL_S, math.ceil(plan.duration_s * margin)))
        audio, sr = self._generate(cond, plan.seed, length_s=length_s, progress=progress)
        audio = to_output_format(audio, sr, out_sr=SAMPLE_RATE)
        audio, measured_bpm, lock = measure_and_lock(
            audio,
            SAMPLE_RATE,
            target_bpm=plan.tempo_bpm,
            max_correction=self.max_tempo_correction,
            lock=lock_wanted,
        )
        audio = fit_length(audio, round(plan.duration_s * SAMPLE_RATE), sr=SAMPLE_RATE)
        progress(1.0)
        return self._result(audio, cond=cond, measured_bpm=measured_bpm, lock=lock)

    def repaint(
        self,
        audio: np.ndarray,
        sample_rate: int,
        plan: Plan,
        *,
        span_s: tuple[float, float],
        progress: ProgressFn = no_progress,
    ) -> np.ndarray:
        """The model's ``repaint`` of ``span_s`` in ``audio`` ``(frames, 2)``, conditioned on ``plan``
        (seeded by ``plan.seed``): the whole length as the pipeline decodes it, at ``sample_rate``.

        Outside the span this is a VAE round trip of ``audio``, not its samples: the caller splices
        (:func:`~musicgen_app.engines.acestep.repaint.splice_span`).

        Raises
        ------
        EngineUnavailable : the model cannot be loaded.
        GenerationFailed : the model failed.
        """
        if plan.lyrics:
            check_lyrics(self.model_id, plan.lyrics, local_files_only=self.local_files_only)
        loaded = load_pipeline(self.model_id, device=self.device, local_files_only=self.local_files_only)
        frames = audio.shape[0]
        source = to_output_format(audio, sample_rate, out_sr=loaded.sr)
        # Whole seconds, at least the model's shortest song: the latent length then divides exactly
        # (see generate), and the padding is silence after the end, which the span never reaches.
        length_s = max(MIN_MODEL_S, math.ceil(source.shape[0] / loaded.sr))
        source = fit_length(source, round(length_s * loaded.sr), sr=loaded.sr)
        cond = conditioning(plan)
        arguments = self._call_arguments(cond, loaded, length_s=float(length_s))
        new = self._run(
            loaded,
            arguments
            | {
                "task_type": "repaint",
                "src_audio": torch.from_numpy(np.ascontiguousarray(source.T)),
                "repainting_start": float(span_s[0]),
                "repainting_end": float(span_s[1]),
            },
            plan.seed,
            progress,
        )
        new = to_output_format(new, loaded.sr, out_sr=sample_rate)
        progress(1.0)
        return fit_length(new, frames, sr=sample_rate)

    def _generate(
        self, cond: Conditioning, seed: int, *, length_s: float, progress: ProgressFn
    ) -> tuple[np.ndarray, int]:
        """``(audio (frames, 2) float32, sample rate)`` straight from the pipeline."""
        loaded = load_pipeline(self.model_id, device=self.device, local_files_only=self.local_files_only)
        arguments = self._call_arguments(cond, loaded, length_s=length_s)
        return self._run(loaded, arguments, seed, progress), loaded.sr

    def _run(self, loaded: LoadedPipeline, arguments: dict, seed: int, progress: ProgressFn) -> np.ndarray:
        """One pipeline call: audio ``(frames, 2)`` float32 at ``loaded.sr``, progress per step."""

        def on_step_end(_pipe: object, step: int, _timestep: float, _tensors: dict) -> dict:
            progress(_STEPS_SHARE * (step + 1) / self.steps)
            return {}

        try:
            out = loaded.pipe(
                **arguments,
                generator=torch.Generator(device=loaded.device).manual_seed(seed),
                callback_on_step_end=on_step_end,
                output_type="np",
            )
        except RuntimeError as exc:
            raise GenerationFailed(f"ACE-Step generation failed: {exc}") from exc
        return np.ascontiguousarray(out.audios[0].T, dtype=np.float32)

    def _call_arguments(self, cond: Conditioning, loaded: LoadedPipeline, *, length_s: float) -> dict:
        return {
            "prompt": cond.caption,
            "lyrics": cond.lyrics,
            "audio_duration": length_s,
            "num_inference_steps": self.steps,
            # turbo checkpoints carry guidance in their weights: CFG on top over-guides them
            "guidance_scale": 1.0 if loaded.turbo else self.guidance_scale,
            "shift": self.shift,
            "bpm": cond.bpm,
            "keyscale": cond.keyscale,
            "timesignature": cond.timesignature,
        }

    def _result(
        self, audio: np.ndarray, *, cond: Conditioning, measured_bpm: float, lock: TempoLock | None
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
            "conditioning_text": cond.caption,
            "keyscale": cond.keyscale,
            "sung": bool(cond.lyrics) and cond.lyrics != "[Instrumental]",
            "stems_separated": False,
            "tempo_locked": bool(lock and lock.locked),
            "tempo_stretch_rate": lock.rate if lock else 1.0,
            "device": self.device,
            "steps": self.steps,
        }
        return EngineResult(
            stems=Stems(vocals=silence, drums=silence, bass=silence, other=audio),
            engine=self.name,
            model=self.model_id,
            license=LICENSE,
            notices=tuple(notices),
            extra=extra,
        )
