"""Find and load MusicGen checkpoints once per process.

A checkpoint is either a Hugging Face Hub id (``facebook/musicgen-small``) looked up in the local HF cache,
or a local directory written by ``save_pretrained``. Nothing here reads environment variables: offline mode
(``HF_HUB_OFFLINE``) is honoured by ``transformers`` and ``huggingface_hub`` themselves, and callers may
force it with ``local_files_only=True``.

Loaded models are cached per ``(model_id, device, precision)`` and shared between threads; they are
only ever used for inference and their ``generation_config`` is never changed after loading.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...errors import EngineUnavailable

__all__ = [
    "LoadedModel",
    "clear_cache",
    "default_device",
    "find_model",
    "load_model",
    "prepare_model",
    "resolve_precision",
]

#: ``config.json`` model types this engine can drive, with the ``transformers`` class that loads each.
#: Melody checkpoints are driven by text alone: without a melody their chroma input is the null chroma.
MODEL_CLASSES: dict[str, str] = {
    "musicgen": "MusicgenForConditionalGeneration",
    "musicgen_melody": "MusicgenMelodyForConditionalGeneration",
}
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(MODEL_CLASSES)
#: Any one of these next to config.json means the weights are there.
WEIGHT_FILES: tuple[str, ...] = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)

#: Inference precisions: ``auto`` resolves per device (see :func:`resolve_precision`).
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "int8")
#: What ``auto`` means on CPU. bench/musicgen_cpu.py (musicgen-small, 2 cores, 1 thread): int8 2.6 s of
#: compute per audio second, bf16 6.7, fp32 11.2; int8's guided next-token distributions stay within
#: a KL of 0.007 nats of fp32.
CPU_PRECISION = "int8"

_cache: dict[tuple[str, str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedModel:
    """A loaded checkpoint and the facts the generator needs about it.

    Attributes
    ----------
    model_id : the id or directory it was loaded from.
    device : ``cuda`` or ``cpu``.
    model : the ``MusicgenForConditionalGeneration`` or ``MusicgenMelodyForConditionalGeneration`` (eval
        mode, shared, never mutated).
    processor : turns text into ``input_ids`` and ``attention_mask``: the ``MusicgenProcessor``, or for a
        melody checkpoint its tokenizer alone (see :func:`_load_text_processor`).
    sr : sample rate of the audio the model makes (32 kHz for the published checkpoints).
    frame_rate_hz : audio code frames per second (50 for the published checkpoints).
    hop_length : audio samples per code frame (640 for the published checkpoints).
    audio_channels : 1 (mono) or 2 (stereo checkpoints).
    max_frames : the longest code sequence the decoder can attend to (after a melody checkpoint's chroma
        conditioning frames, which come first in its decoder's sequence).
    """

    model_id: str
    device: str
    model: Any
    processor: Any
    sr: int
    frame_rate_hz: int
    hop_length: int
    audio_channels: int
    max_frames: int


def default_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def _looks_like_hub_id(model_id: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", model_id) is not None


def how_to_provide(model_id: str) -> str:
    """The sentence that tells a user how to make ``model_id`` available here."""
    hub_id = model_id if _looks_like_hub_id(model_id) else "facebook/musicgen-small"
    return (
        f"Download the model into the Hugging Face cache on a machine with internet "
        f"(e.g. `hf download {hub_id}`) and copy the cache here, or point MUSICGEN_APP_MUSICGEN_MODEL "
        "to a local directory holding the model's save_pretrained files (config.json, weights, "
        "tokenizer and processor files)."
    )


def _unavailable(model_id: str, reason: str) -> EngineUnavailable:
    return EngineUnavailable(
        f"MusicGen model {model_id!r} is not available: {reason}. {how_to_provide(model_id)}"
    )


def _model_type_problem(config_path: Path) -> str:
    """Why the checkpoint described by ``config_path`` cannot run here, or ``""``."""
    try:
        model_type = json.loads(config_path.read_text(encoding="utf-8")).get("model_type", "")
    except (OSError, ValueError) as exc:
        return f"its config.json cannot be read ({exc})"
    if model_type in SUPPORTED_MODEL_TYPES:
        return ""
    return f"its config.json describes a {model_type!r} model, not a MusicGen model"


def _cached_file(model_id: str, filename: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model_id, filename)
    return Path(found) if isinstance(found, str) else None


def _locate(model_id: str) -> tuple[Path | None, bool, str]:
    """``(config_path, weights_found, why_not)`` without loading anything or touching the network."""
    directory = Path(model_id)
    if directory.is_dir():
        config = directory / "config.json"
        if not config.is_file():
            return None, False, f"the directory {str(directory)!r} has no config.json"
        return config, any((directory / name).is_file() for name in WEIGHT_FILES), ""
    from huggingface_hub.errors import HFValidationError

    try:
        config = _cached_file(model_id, "config.json")
    except HFValidationError:
        return None, False, "it is neither a local directory nor a valid Hugging Face model id"
    if config is None:
        return None, False, "it is not in the local Hugging Face cache"
    return config, any(_cached_file(model_id, name) for name in WEIGHT_FILES), ""


def find_model(model_id: str) -> tuple[bool, str]:
    """Whether ``model_id`` can be loaded here, checked cheaply (no weights read, no network).

    Parameters
    ----------
    model_id : Hub id or local directory.

    Returns
    -------
    ``(True, "")`` when config and weights are present and describe a supported MusicGen model, else
    ``(False, why)`` where ``why`` says how to provide the model.
    """
    config, weights_found, why_not = _locate(model_id)
    if config is not None and not weights_found:
        why_not = "its config.json was found but no weights file next to it"
    if config is not None and not why_not:
        why_not = _model_type_problem(config)
    if why_not:
        return False, str(_unavailable(model_id, why_not))
    return True, ""


def _model_type(model_id: str, *, local_files_only: bool) -> str:
    """The checkpoint's ``model_type``, checked to be one of :data:`SUPPORTED_MODEL_TYPES`."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model_id, local_files_only=local_files_only)
    model_type = getattr(config, "model_type", "")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise _unavailable(model_id, f"it is a {model_type!r} model, not a MusicGen model")
    return model_type


def _load_text_processor(model_id: str, model_type: str, *, local_files_only: bool) -> Any:
    """What tokenizes the conditioning text for ``model_type``.

    ``MusicgenMelodyProcessor`` needs torchaudio only for its chroma feature extractor; text conditioning
    needs none of it, so melody checkpoints get their tokenizer (same call signature, same outputs).
    """
    from transformers import AutoProcessor, AutoTokenizer

    loader = AutoTokenizer if model_type == "musicgen_melody" else AutoProcessor
    return loader.from_pretrained(model_id, local_files_only=local_files_only)


def _max_frames(config: Any) -> int:
    """Code frames the decoder's positions leave after any chroma conditioning placed before them."""
    return int(config.decoder.max_position_embeddings) - int(getattr(config, "chroma_length", 0))


def resolve_precision(precision: str, device: str) -> str:
    """The concrete precision for ``device``: ``auto`` is :data:`CPU_PRECISION` on CPU, fp32 on GPU."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return CPU_PRECISION if device == "cpu" else "fp32"
    if precision == "int8" and device != "cpu":
        raise ValueError("int8 dynamic quantisation runs on CPU only")
    return precision


def _int8_dynamic(module: Any) -> Any:
    """``module`` with its Linear layers quantised to int8 weights (per output channel), fp32 I/O."""
    with warnings.catch_warnings():
        # torch 2.13 announces the move of eager quantisation to torchao; the pinned API still works.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per", category=UserWarning)
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        # Per-channel scales: trained layers have outlier rows that one scale per tensor would crush.
        qconfig = {torch.nn.Linear: per_channel_dynamic_qconfig}
        return quantize_dynamic(module, qconfig, dtype=torch.qint8)


def prepare_model(model: Any, *, device: str, precision: str) -> Any:
    """Move ``model`` to ``device`` in eval mode at ``precision`` (see :data:`PRECISIONS`).

    The text encoder runs once per window and EnCodec sees integer codes, so only the decoder's cost per
    step matters: ``int8`` quantises its Linear layers dynamically (weights int8, activations quantised
    on the fly); ``bf16`` casts everything but EnCodec to bfloat16.
    """
    precision = resolve_precision(precision, device)
    model = model.to(device).eval()
    if precision == "bf16":
        projections = [getattr(model, name, None) for name in ("enc_to_dec_proj", "audio_enc_to_dec_proj")]
        for part in (model.text_encoder, model.decoder, *projections):
            if part is not None:
                part.to(torch.bfloat16)
    elif precision == "int8":
        model.decoder = _int8_dynamic(model.decoder)
    return model


def _load_uncached(model_id: str, device: str, *, local_files_only: bool, precision: str) -> LoadedModel:
    import transformers

    try:
        model_type = _model_type(model_id, local_files_only=local_files_only)
        model_class = getattr(transformers, MODEL_CLASSES[model_type])
        model = model_class.from_pretrained(model_id, local_files_only=local_files_only, dtype=torch.float32)
        processor = _load_text_processor(model_id, model_type, local_files_only=local_files_only)
    except (OSError, ValueError) as exc:
        raise _unavailable(model_id, f"loading failed ({exc})") from exc
    model = prepare_model(model, device=device, precision=precision)
    return LoadedModel(
        model_id=model_id,
        device=device,
        model=model,
        processor=processor,
        sr=int(model.config.audio_encoder.sampling_rate),
        frame_rate_hz=int(model.config.audio_encoder.frame_rate),
        hop_length=int(model.config.audio_encoder.hop_length),
        audio_channels=int(model.config.decoder.audio_channels),
        max_frames=_max_frames(model.config),
    )


def load_model(
    model_id: str,
    *,
    device: str | None = None,
    local_files_only: bool = False,
    precision: str = "auto",
) -> LoadedModel:
    """The shared, loaded model for ``model_id`` on ``device``; loads it on first use.

    Parameters
    ----------
    model_id : Hub id or local ``save_pretrained`` directory.
    device : ``cuda`` or ``cpu``; ``None`` picks :func:`default_device`.
    local_files_only : never touch the network, even if ``HF_HUB_OFFLINE`` is not set.
    precision : one of :data:`PRECISIONS`; ``auto`` picks the fastest setting measured for the device.

    Raises
    ------
    EngineUnavailable : the model cannot be found or is not a supported MusicGen checkpoint; the message
        names the model and how to provide it.
    """
    device = device or default_device()
    key = (model_id, device, resolve_precision(precision, device))
    with _cache_lock:
        # Loading under the lock: two jobs asking at once must not load a large model twice.
        if key not in _cache:
            _cache[key] = _load_uncached(
                model_id, device, local_files_only=local_files_only, precision=key[2]
            )
        return _cache[key]


def clear_cache() -> None:
    """Forget every loaded model (tests, or freeing memory after a settings change)."""
    with _cache_lock:
        _cache.clear()
