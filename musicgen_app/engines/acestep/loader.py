"""Find and load ACE-Step 1.5 diffusers checkpoints once per process; count lyric tokens.

A checkpoint is a Hugging Face Hub id (``ACE-Step/acestep-v15-turbo-diffusers``) looked up in the local HF
cache, or a local directory written by ``AceStepPipeline.save_pretrained``: ``model_index.json`` and one
folder per component. Nothing here reads environment variables: offline mode (``HF_HUB_OFFLINE``) is
honoured by ``diffusers`` and ``huggingface_hub`` themselves, and callers may force it with
``local_files_only=True``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...errors import EngineUnavailable

__all__ = [
    "LYRIC_TOKEN_LIMIT",
    "LoadedPipeline",
    "clear_cache",
    "default_device",
    "find_pipeline",
    "load_pipeline",
    "lyric_tokens",
    "lyrics_template",
]

#: Components that must be on disk, each with its config file and one of its weight files.
_COMPONENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    name: (
        "config.json",
        (
            "diffusion_pytorch_model.safetensors",
            "diffusion_pytorch_model.safetensors.index.json",
            "model.safetensors",
            "model.safetensors.index.json",
        ),
    )
    for name in ("transformer", "condition_encoder", "vae", "text_encoder")
}
_TOKENIZER_FILES = ("tokenizer/tokenizer.json",)
#: The pipeline cuts lyrics at this many tokens without a word (``max_lyric_length``); longer lyrics
#: are refused instead.
LYRIC_TOKEN_LIMIT = 2048

_cache: dict[tuple[str, str, str], LoadedPipeline] = {}
_tokenizers: dict[str, Any] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedPipeline:
    """A loaded ``AceStepPipeline`` (shared, inference only) and where it runs.

    Attributes
    ----------
    model_id : the id or directory it was loaded from.
    device : ``cuda`` or ``cpu``.
    dtype : ``bfloat16`` on CUDA, ``float32`` on CPU.
    pipe : the pipeline; per-call settings are passed to each call, never stored on it.
    sr : sample rate of what it makes (48 kHz for the published checkpoints).
    turbo : whether the checkpoint is guidance-distilled (8 steps, no CFG).
    """

    model_id: str
    device: str
    dtype: torch.dtype
    pipe: Any
    sr: int
    turbo: bool


def default_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def _looks_like_hub_id(model_id: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", model_id) is not None


def how_to_provide(model_id: str) -> str:
    """The sentence that tells a user how to make ``model_id`` available here."""
    hub_id = model_id if _looks_like_hub_id(model_id) else "ACE-Step/acestep-v15-turbo-diffusers"
    return (
        "Download the checkpoint into the Hugging Face cache on a machine with internet "
        f"(e.g. `hf download {hub_id}`) and copy the cache here, or point MUSICGEN_APP_ACESTEP_MODEL "
        "to a local directory holding the pipeline's save_pretrained files (model_index.json and a "
        "folder per component)."
    )


def _unavailable(model_id: str, reason: str) -> EngineUnavailable:
    return EngineUnavailable(
        f"ACE-Step model {model_id!r} is not available: {reason}. {how_to_provide(model_id)}"
    )


def _exists_in(model_id: str) -> Any:
    """A function telling whether a file of the checkpoint is on disk (local directory or HF cache)."""
    directory = Path(model_id)
    if directory.is_dir():
        return lambda name: (directory / name).is_file()
    from huggingface_hub import try_to_load_from_cache

    return lambda name: isinstance(try_to_load_from_cache(model_id, name), str)


def _missing(model_id: str) -> str:
    """What of the checkpoint is not on disk, or ``""`` when everything needed is there."""
    from huggingface_hub.errors import HFValidationError

    if not Path(model_id).is_dir() and not _looks_like_hub_id(model_id):
        return f"it is neither a local directory nor a valid Hugging Face model id (looked in {model_id!r})"
    exists = _exists_in(model_id)
    try:
        if not exists("model_index.json"):
            where = "the directory" if Path(model_id).is_dir() else "the local Hugging Face cache"
            return f"{where} has no model_index.json for it"
        for name, (config, weights) in _COMPONENTS.items():
            if not exists(f"{name}/{config}") or not any(exists(f"{name}/{w}") for w in weights):
                return f"its {name} (config and weights) is missing"
        if not all(exists(name) for name in _TOKENIZER_FILES):
            return "its tokenizer is missing"
    except HFValidationError:
        return "it is not a valid Hugging Face model id"
    return ""


def find_pipeline(model_id: str) -> tuple[bool, str]:
    """Whether ``model_id`` can be loaded here, checked on disk only (no weights read, no network).

    Returns
    -------
    ``(True, "")`` when every component is present, else ``(False, why)`` where ``why`` names the model,
    what is missing and how to provide it.
    """
    why = _missing(model_id)
    return (False, str(_unavailable(model_id, why))) if why else (True, "")


def _load_uncached(model_id: str, device: str, *, local_files_only: bool) -> LoadedPipeline:
    from diffusers import AceStepPipeline

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    try:
        pipe = AceStepPipeline.from_pretrained(model_id, dtype=dtype, local_files_only=local_files_only)
    except (OSError, ValueError) as exc:
        raise _unavailable(model_id, f"loading failed ({exc})") from exc
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return LoadedPipeline(model_id, device, dtype, pipe, int(pipe.sample_rate), bool(pipe.is_turbo))


def load_pipeline(
    model_id: str, *, device: str | None = None, local_files_only: bool = False
) -> LoadedPipeline:
    """The shared, loaded pipeline for ``model_id`` on ``device``; loads it on first use.

    Raises
    ------
    EngineUnavailable : the checkpoint is not on disk or cannot be loaded; the message names the model,
        where it was looked for and how to provide it.
    """
    device = device or default_device()
    key = (model_id, device, str(local_files_only))
    with _cache_lock:
        # Loading under the lock: two jobs asking at once must not load a multi-GB model twice.
        if key not in _cache:
            ok, why = find_pipeline(model_id)
            if not ok:
                raise EngineUnavailable(why)
            _cache[key] = _load_uncached(model_id, device, local_files_only=local_files_only)
        return _cache[key]


def _tokenizer(model_id: str, *, local_files_only: bool) -> Any:
    from transformers import AutoTokenizer

    with _cache_lock:
        if model_id not in _tokenizers:
            _tokenizers[model_id] = AutoTokenizer.from_pretrained(
                model_id, subfolder="tokenizer", local_files_only=local_files_only
            )
        return _tokenizers[model_id]


def lyric_tokens(model_id: str, lyrics: str, *, language: str = "en", local_files_only: bool = False) -> int:
    """How many tokens the pipeline's lyric encoder would read for ``lyrics`` (its template included).

    Loads only the checkpoint's tokenizer (cached per process), so a web node can check lyrics at
    submit time without the model's weights in memory.

    Raises
    ------
    EngineUnavailable : the checkpoint's tokenizer is not on disk.
    """
    ok, why = find_pipeline(model_id)
    if not ok:
        raise EngineUnavailable(why)
    tokenizer = _tokenizer(model_id, local_files_only=local_files_only)
    return len(tokenizer(lyrics_template(lyrics, language=language)).input_ids)


def lyrics_template(lyrics: str, *, language: str = "en") -> str:
    """The text the pipeline tokenizes for ``lyrics`` (``AceStepPipeline._format_prompt``, diffusers
    0.42.1; a test checks the two agree)."""
    return f"# Languages\n{language}\n\n# Lyric\n{lyrics}<|endoftext|>"


def clear_cache() -> None:
    """Forget every loaded pipeline and tokenizer (tests, or freeing memory after a settings change)."""
    with _cache_lock:
        _cache.clear()
        _tokenizers.clear()
