"""Engines by name, created lazily once per process and reused across jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineUnavailable, InvalidRequest
from ..heavy_imports import HEAVY_IMPORTS
from .base import Engine

__all__ = [
    "DEFAULT_ENGINE_ORDER",
    "ENGINE_NAMES",
    "EngineConfig",
    "choose_engine",
    "engine_status",
    "get_engine",
    "singing_engine",
]

#: Every concrete engine; ``auto`` picks among them.
ENGINE_NAMES: tuple[str, ...] = ("acestep", "musicgen", "symbolic")
#: The order ``auto`` tries them in: the newest model first, the engine that runs everywhere last.
DEFAULT_ENGINE_ORDER: tuple[str, ...] = ("acestep", "musicgen", "symbolic")
#: Display names for notices.
_TITLES = {"acestep": "ACE-Step", "musicgen": "MusicGen", "symbolic": "the symbolic engine"}


@dataclass(frozen=True)
class EngineConfig:
    """What engines need from the settings (picklable, so it can cross into render processes)."""

    soundfont: Path
    musicgen_model: str = "facebook/musicgen-small"
    local_files_only: bool = False
    demucs_model: str = "htdemucs"
    demucs_repo: Path | None = None
    acestep_model: str = "ACE-Step/acestep-v15-turbo-diffusers"
    engine_order: tuple[str, ...] = DEFAULT_ENGINE_ORDER

    def __post_init__(self) -> None:
        unknown = [name for name in self.engine_order if name not in ENGINE_NAMES]
        if unknown or not self.engine_order or len(set(self.engine_order)) != len(self.engine_order):
            raise ValueError(
                f"engine_order must name distinct engines from {', '.join(ENGINE_NAMES)}, "
                f"got {','.join(self.engine_order)}"
            )


_lock = threading.Lock()
_engines: dict[tuple[str, EngineConfig], Engine] = {}


def _build(name: str, config: EngineConfig) -> Engine:
    if name == "symbolic":
        from .symbolic.engine import SymbolicEngine

        return SymbolicEngine(config.soundfont)
    if name == "musicgen":
        from .musicgen.engine import MusicgenEngine

        return MusicgenEngine(config.musicgen_model, local_files_only=config.local_files_only)
    if name == "acestep":
        from .acestep.engine import AcestepEngine

        return AcestepEngine(config.acestep_model, local_files_only=config.local_files_only)
    raise InvalidRequest.for_field("engine", f"must be one of auto, {', '.join(ENGINE_NAMES)}")


def get_engine(name: str, config: EngineConfig) -> Engine:
    """The process-wide engine ``name`` for ``config`` (built on first use)."""
    # the big libraries first, then the cache: always in this order, so no two threads wait on each other
    with HEAVY_IMPORTS, _lock:
        key = (name, config)
        if key not in _engines:
            _engines[key] = _build(name, config)
        return _engines[key]


def engine_status(name: str, config: EngineConfig) -> tuple[bool, str]:
    """Whether engine ``name`` can run here, and why not; never raises (no weights are loaded)."""
    try:
        with HEAVY_IMPORTS:  # ``available`` may import what a warm-up is importing too
            return get_engine(name, config).available()
    except ImportError as exc:  # an install without torch/transformers
        return False, f"not installed ({exc.name or exc})"
    except EngineUnavailable as exc:
        return False, exc.message


def _first_sentence(why: str) -> str:
    return why.split(". ")[0].rstrip(".")


def choose_engine(requested: str, config: EngineConfig) -> tuple[Engine, tuple[str, ...]]:
    """Resolve ``auto`` to a concrete engine; returns the engine and notices for the user.

    ``auto`` takes the first available engine of ``config.engine_order`` (``symbolic`` always runs, so
    it is the last resort even when the order leaves it out) and says which and why; an explicit
    engine that cannot run raises :class:`EngineUnavailable`.
    """
    if requested == "symbolic":
        return get_engine("symbolic", config), ()
    if requested != "auto":
        ok, why = engine_status(requested, config)
        if not ok:
            raise EngineUnavailable(f"the {requested} engine cannot run: {why}")
        return get_engine(requested, config), ()
    order = config.engine_order if "symbolic" in config.engine_order else (*config.engine_order, "symbolic")
    skipped: list[str] = []
    for name in order:
        ok, why = engine_status(name, config)
        if ok:
            return get_engine(name, config), _auto_notices(name, skipped, order)
        skipped.append(f"{_TITLES[name]} is not available here ({_first_sentence(why)}; see /healthz)")
    raise EngineUnavailable("no engine can run here: " + "; ".join(skipped))


def _auto_notices(chosen: str, skipped: list[str], order: tuple[str, ...]) -> tuple[str, ...]:
    """What ``auto`` says about its choice: nothing when the usual engine ran, else which and why."""
    if not skipped and chosen != "acestep":
        return ()
    title = _TITLES[chosen].removeprefix("the ").removesuffix(" engine")
    why = "; ".join(skipped) if skipped else f"it is first in the engine order ({','.join(order)})"
    return (f"Made with the {title} engine: {why}.",)


def singing_engine(config: EngineConfig) -> tuple[str, str]:
    """The engine ``auto`` sends a request with lyrics to, and why; no loading.

    Raises
    ------
    InvalidRequest : no engine that sings is available here (names ``lyrics`` and each reason).
    """
    from ..request import SINGING_ENGINES

    reasons = []
    # engines in the configured order first, so that an operator's preference holds among singers too
    ranked = sorted(SINGING_ENGINES, key=lambda n: _rank(n, config))
    for name in ranked:
        ok, why = engine_status(name, config)
        if ok:
            return name, f"{name}: only it sings the lyrics"
        reasons.append(f"{name}: {why}")
    raise InvalidRequest.for_field(
        "lyrics", "needs an engine that sings, and none is available here (" + "; ".join(reasons) + ")"
    )


def _rank(name: str, config: EngineConfig) -> int:
    order = config.engine_order
    return order.index(name) if name in order else len(order)
