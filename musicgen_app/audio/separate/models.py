"""Find and load Demucs models offline, once per process.

Models are loaded through demucs' own repository classes, so a directory laid out the way demucs
expects (``<sig>-<sha256 prefix>.th`` files from ``demucs.states.save_with_checksum`` plus
``<name>.yaml`` bag files) works unchanged. Three places are searched, none over the network:

1. ``repo``, when given (the service passes ``MUSICGEN_APP_DEMUCS_REPO``): only that directory.
2. Otherwise the Hugging Face cache, where demucs 4.1 itself downloads named models.
3. Otherwise the torch hub cache (``<torch hub dir>/checkpoints``), where older demucs versions
   downloaded them.

A model that is in none of them raises :class:`EngineUnavailable` naming the files to provide.
Nothing is ever downloaded: a separation must fail fast rather than hang on a network that is not
there.
"""

from __future__ import annotations

import pickle
import re
import threading
from collections.abc import Callable
from pathlib import Path

import torch
import yaml
from demucs import hf, pretrained
from demucs.apply import BagOfModels, Model
from demucs.repo import AnyModelRepo, BagOnlyRepo, LocalRepo, ModelLoadingError

from ...errors import EngineUnavailable

__all__ = ["clear_model_cache", "load_model", "model_files", "resolve_device"]

#: A loaded model: one network or a weighted bag of them; both go to ``demucs.apply.apply_model``.
DemucsModel = BagOfModels | Model

_REPO_HINT = (
    "Put its files (the .th weights and the .yaml bag file) in a directory and pass it with --repo "
    "(the separate command) or set MUSICGEN_APP_DEMUCS_REPO to that directory (the server)"
)
# Broken or foreign files surface from torch.load / yaml / state_dict loading as these.
_LOAD_ERRORS = (ModelLoadingError, OSError, EOFError, pickle.UnpicklingError, KeyError, ValueError)

#: Names become file names (``<name>.yaml``), so no path separators and no leading dot.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

_cache: dict[tuple[str, str | None, str], DemucsModel] = {}
_cache_lock = threading.Lock()


def resolve_device(device: str | None) -> str:
    """The torch device: ``device`` when given, else ``cuda`` when present, else ``cpu``."""
    if device is not None:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(name: str, *, repo: Path | None = None, device: str = "cpu") -> DemucsModel:
    """The Demucs model ``name`` on ``device``, loaded on first use and shared afterwards.

    Parameters
    ----------
    name : model or bag name (``htdemucs``, ``htdemucs_ft``, ``mdx_extra``) or a signature.
    repo : directory holding the model files; ``None`` searches the local download caches.
    device : torch device string.

    Raises
    ------
    EngineUnavailable
        ``name`` is not a plain model name (file names are built from it), or the model is not on
        this machine or its files cannot be loaded; the message says how to provide it.
    """
    if not _MODEL_NAME.fullmatch(name):
        # A name no model can have is a model that is not here: the service then keeps the mix.
        raise EngineUnavailable(
            f"{name!r} is not a Demucs model name (letters, digits, '_', '-', '.'); "
            "choose htdemucs, htdemucs_ft or mdx_extra"
        )
    key = (name, str(repo.resolve()) if repo is not None else None, device)
    # One lock for all loads: loading is rare and must not happen twice for the same model.
    with _cache_lock:
        model = _cache.get(key)
        if model is None:
            model = _load_uncached(name, repo).to(device).eval()
            _cache[key] = model
    return model


def clear_model_cache() -> None:
    """Forget every loaded model (tests, or to free memory)."""
    with _cache_lock:
        _cache.clear()


def model_files(name: str) -> tuple[str, ...]:
    """The file names a published model ``name`` needs in a model directory, empty if unknown."""
    urls = pretrained._parse_remote_files(pretrained.REMOTE_ROOT / "files.txt")
    weights = tuple(urls[sig].rsplit("/", 1)[1] for sig in _published_signatures(name))
    if (pretrained.REMOTE_ROOT / f"{name}.yaml").is_file():
        return (f"{name}.yaml", *weights)
    return weights


def _published_signatures(name: str) -> list[str]:
    """Signatures of the networks behind a published model or bag name; empty if unknown."""
    bag_file = pretrained.REMOTE_ROOT / f"{name}.yaml"
    if bag_file.is_file():
        with open(bag_file) as file:
            return list(yaml.safe_load(file)["models"])
    urls = pretrained._parse_remote_files(pretrained.REMOTE_ROOT / "files.txt")
    return [name] if name in urls else []


def _load_uncached(name: str, repo: Path | None) -> DemucsModel:
    if repo is not None:
        return _load_from_repo(name, repo)
    model = _load_from_hf_cache(name)
    if model is None:
        model = _load_from_torch_hub_cache(name)
    if model is None:
        raise EngineUnavailable(_not_cached_message(name))
    return model


def _load_from_repo(name: str, repo: Path) -> DemucsModel:
    if not repo.is_dir():
        raise EngineUnavailable(
            f"Demucs model directory {repo} does not exist. {_REPO_HINT}, {_files_phrase(name)}."
        )
    try:
        return _guarded_load(lambda: pretrained.get_model(name, repo=repo), name)
    except _LOAD_ERRORS as exc:
        raise EngineUnavailable(
            f"Demucs model {name!r} could not be loaded from {repo}: {exc}. "
            f"The directory must hold {_files_phrase(name)}."
        ) from exc


def _load_from_hf_cache(name: str) -> DemucsModel | None:
    """The model from the Hugging Face cache, when every file of it is there; never downloads."""
    from huggingface_hub import try_to_load_from_cache

    repo_id = f"{hf.DEFAULT_NAMESPACE}/{hf.hf_repo_name(name)}"
    try:
        bag_path = try_to_load_from_cache(repo_id, f"{name}.yaml")
    except ValueError:  # a name the hub would refuse (``a..b``) cannot be in its cache either
        return None
    if not isinstance(bag_path, str):
        return None
    with open(bag_path) as file:
        bag = yaml.safe_load(file)
    paths = [try_to_load_from_cache(repo_id, f"{sig}.safetensors") for sig in bag["models"]]
    if not all(isinstance(path, str) for path in paths):
        return None
    try:
        models = [hf.load_safetensors_model(path) for path in paths]
    except _LOAD_ERRORS as exc:
        raise EngineUnavailable(f"Demucs model {name!r} in the Hugging Face cache is broken: {exc}") from exc
    return BagOfModels(models, bag.get("weights"), bag.get("segment"))


def _load_from_torch_hub_cache(name: str) -> DemucsModel | None:
    """The model from torch hub's checkpoint directory, when every file of it is there."""
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    signatures = _published_signatures(name)
    if not signatures or not checkpoints.is_dir():
        return None
    # The same classes get_model builds for the remote repo, with the cached files in its place;
    # LocalRepo checks each file against the checksum in its name.
    weights = LocalRepo(checkpoints)
    if not all(weights.has_model(sig) for sig in signatures):
        return None
    repo = AnyModelRepo(weights, BagOnlyRepo(pretrained.REMOTE_ROOT, weights))
    try:
        return _guarded_load(lambda: repo.get_model(name), name)
    except _LOAD_ERRORS as exc:
        raise EngineUnavailable(f"Demucs model {name!r} in {checkpoints} is broken: {exc}") from exc


def _guarded_load(load: Callable[[], DemucsModel], name: str) -> DemucsModel:
    # demucs calls sys.exit() (via utils.fatal) when a quantized model needs the missing `diffq`
    # package; a worker process must survive that, so it becomes an ordinary error here.
    try:
        return load()
    except SystemExit as exc:
        raise EngineUnavailable(
            f"Demucs model {name!r} is quantized and needs the `diffq` package, which is not "
            "installed; choose htdemucs, htdemucs_ft or mdx_extra instead"
        ) from exc


def _files_phrase(name: str) -> str:
    files = model_files(name)
    if files:
        return f"the files {', '.join(files)} (published under {pretrained.ROOT_URL})"
    return f"{name}.yaml (a bag listing model signatures) or a {name}-<checksum>.th file"


def _not_cached_message(name: str) -> str:
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    return (
        f"Demucs model {name!r} is not on this machine: it is neither in the Hugging Face cache "
        f"nor in {checkpoints}, and models are never downloaded here. {_REPO_HINT}; "
        f"it needs {_files_phrase(name)}."
    )
