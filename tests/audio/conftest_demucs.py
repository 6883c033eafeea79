"""Tiny Demucs models with random weights, saved in demucs' own on-disk formats.

Imported by the separation tests (not a conftest pytest loads by itself). Three layouts are built,
one per place the loader searches: a local model directory (``<sig>-<sha256 prefix>.th`` files
written by ``demucs.states.save_with_checksum`` plus a bag ``.yaml``), the torch hub checkpoint
cache, and the Hugging Face cache (``.safetensors`` with the model's class and arguments in the
metadata, as demucs' ``tools/export_hf.py`` writes them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from demucs.htdemucs import HTDemucs
from demucs.states import get_state, save_with_checksum
from safetensors.torch import save_file

from musicgen_app.audio.separate import models as separate_models

FOUR_SOURCES = ["drums", "bass", "other", "vocals"]
#: Small enough that a second of audio takes a few tens of milliseconds on one core.
TINY_KWARGS = {
    "channels": 4,
    "depth": 2,
    "nfft": 256,
    "t_layers": 1,
    "t_heads": 1,
    "t_hidden_scale": 1.0,
    "dconv_comp": 2,
    "samplerate": 44_100,
    "segment": Fraction(1),
}
TINY_SEGMENT_S = 1.0
SR = 44_100


@dataclass(frozen=True)
class TinyRepo:
    """A model directory: ``sig`` names the single model, ``bag`` a yaml bag holding it."""

    path: Path
    sig: str
    bag: str


def tiny_model(seed: int, sources: list[str] = FOUR_SOURCES) -> HTDemucs:
    """A random HTDemucs; the torch generator is forked so global torch state is left alone."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return HTDemucs(list(sources), **TINY_KWARGS).eval()


def save_in_repo(model: HTDemucs, directory: Path, sig: str) -> Path:
    """Save ``model`` the way demucs' model repository stores it; returns the written file."""
    args, kwargs = model._init_args_kwargs
    package = {
        "klass": model.__class__,
        "args": args,
        "kwargs": kwargs,
        "state": get_state(model, None, half=False),
    }
    directory.mkdir(parents=True, exist_ok=True)
    save_with_checksum(package, directory / f"{sig}.th")
    (written,) = directory.glob(f"{sig}-*.th")
    return written


def save_in_hf_cache(model: HTDemucs, cache_dir: Path, *, name: str, sig: str) -> None:
    """Lay ``model`` out in a Hugging Face cache as demucs' hub repository ``name`` would be."""
    repo_dir = cache_dir / "models--adefossez--HTDemucs"
    snapshot = repo_dir / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text("0123456789abcdef")
    (snapshot / f"{name}.yaml").write_text(f"models: ['{sig}']\n")
    args, kwargs = model._init_args_kwargs
    segment = kwargs["segment"]
    encoded = {
        **kwargs,
        "segment": {
            "_type": "fraction",
            "numerator": segment.numerator,
            "denominator": segment.denominator,
        },
    }
    metadata = {
        "klass": "demucs.htdemucs.HTDemucs",
        "args": json.dumps(list(args)),
        "kwargs": json.dumps(encoded),
    }
    state = {key: value.contiguous() for key, value in model.state_dict().items()}
    save_file(state, str(snapshot / f"{sig}.safetensors"), metadata=metadata)


def residual_db(mix: np.ndarray, total: np.ndarray) -> float:
    """Energy of ``mix - total`` relative to the energy of ``mix``, in dB."""
    mix64 = np.asarray(mix, dtype=np.float64)
    error = mix64 - np.asarray(total, dtype=np.float64)
    return float(10 * np.log10(np.sum(error**2) / np.sum(mix64**2) + 1e-30))


def music_like(duration_s: float, *, seed: int, sr: int = SR) -> np.ndarray:
    """Stereo test signal: a bass tone, a chord, clicks and a little noise, peak about 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sr)) / sr
    bass = 0.2 * np.sin(2 * np.pi * 55 * t)
    chord = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    clicks = np.zeros_like(t)
    clicks[:: sr // 2] = 0.3
    left = bass + chord + clicks + 0.01 * rng.standard_normal(t.size)
    right = bass + 0.8 * chord + clicks + 0.01 * rng.standard_normal(t.size)
    return np.stack([left, right], axis=1).astype(np.float32)


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory: pytest.TempPathFactory) -> TinyRepo:
    """A model directory with one tiny model and a bag of it."""
    path = tmp_path_factory.mktemp("demucs_repo")
    save_in_repo(tiny_model(seed=1), path, "tiny0001")
    (path / "tinybag.yaml").write_text("models: ['tiny0001']\n")
    return TinyRepo(path=path, sig="tiny0001", bag="tinybag")


@pytest.fixture(autouse=True)
def isolated_demucs():
    """Each test loads its models itself, so cache effects stay visible and contained.

    Torch runs on one thread meanwhile: the tiny model's operations are too small to share, and
    two threads spin badly when the CI machine is busy. The caller's setting is restored after.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    separate_models.clear_model_cache()
    yield
    separate_models.clear_model_cache()
    torch.set_num_threads(threads)


@pytest.fixture
def empty_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Empty torch hub and Hugging Face caches, and a network that refuses every connection."""
    import socket

    import huggingface_hub.constants

    torch_hub = tmp_path / "torch_hub"
    hf_cache = tmp_path / "hf_cache"
    (torch_hub / "checkpoints").mkdir(parents=True)
    hf_cache.mkdir()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(torch_hub))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hf_cache))

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the separation code tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return torch_hub, hf_cache
