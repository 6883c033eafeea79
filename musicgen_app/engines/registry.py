"""Engines by name, created lazily once per process and reused across jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineUnavailable, InvalidRequest
from .base import Engine

__all__ = ["EngineConfig", "choose_engine", "engine_status", "get_engine"]


@dataclass(frozen=True)
class EngineConfig:
    """What engines need from the settings (picklable, so it can cross into render processes)."""

    soundfont: Path
    musicgen_model: str = "facebook/musicgen-small"
    local_files_only: bool = False
    demucs_model: str = "htdemucs"
    demucs_repo: Path | None = None


_lock = threading.Lock()
_engines: dict[tuple[str, EngineConfig], Engine] = {}


def _build(name: str, config: EngineConfig) -> Engine:
    if name == "symbolic":
        from .symbolic.engine import SymbolicEngine

        return SymbolicEngine(config.soundfont)
    if name == "musicgen":
        from .musicgen.engine import MusicgenEngine

        return MusicgenEngine(config.musicgen_model, local_files_only=config.local_files_only)
    raise InvalidRequest.for_field("engine", "must be one of auto, symbolic, musicgen")


def get_engine(name: str, config: EngineConfig) -> Engine:
    """The process-wide engine ``name`` for ``config`` (built on first use)."""
    with _lock:
        key = (name, config)
        if key not in _engines:
            _engines[key] = _build(name, config)
        return _engines[key]


def engine_status(name: str, config: EngineConfig) -> tuple[bool, str]:
    """Whether engine ``name`` can run here, and why not; never raises (no weights are loaded)."""
    try:
        return get_engine(name, config).available()
    except ImportError as exc:  # an install without torch/transformers
        return False, f"not installed ({exc.name or exc})"
    except EngineUnavailable as exc:
        return False, exc.message


def choose_engine(requested: str, config: EngineConfig) -> tuple[Engine, tuple[str, ...]]:
    """Resolve ``auto`` to a concrete engine; returns the engine and notices for the user.

    ``auto`` prefers MusicGen when its weights are at hand and falls back to ``symbolic`` with a notice;
    an explicit ``musicgen`` without weights raises :class:`EngineUnavailable`.
    """
    if requested == "symbolic":
        return get_engine("symbolic", config), ()
    ok, why = engine_status("musicgen", config)
    if ok:
        return get_engine("musicgen", config), ()
    if requested == "musicgen":
        raise EngineUnavailable(f"the musicgen engine cannot run: {why}")
    first_sentence = why.split(". ")[0].rstrip(".")
    notice = (
        f"Made with the symbolic engine: MusicGen is not available here ({first_sentence}; see /healthz)."
    )
    return get_engine("symbolic", config), (notice,)
