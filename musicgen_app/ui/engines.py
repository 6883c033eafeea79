"""What the studio says about its engines: the choices with their availability and the reason, which
engine ``auto`` takes here, and whether the chosen engine sings (then the lyrics box shows). No Gradio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..request import SINGING_ENGINES
from .form import AUTO

__all__ = ["EngineChoice", "engine_choice", "lyrics_shown"]

#: Engine names as people read them.
TITLES = {"symbolic": "Symbolic", "musicgen": "MusicGen", "acestep": "ACE-Step"}


@dataclass(frozen=True)
class EngineChoice:
    """The engine dropdown's choices (``(label, value)``) and the line under it."""

    choices: tuple[tuple[str, str], ...]
    info: str
    auto_engine: str


def _first_sentence(why: str) -> str:
    return why.split(". ", 1)[0].rstrip(".")


def _auto_engine(statuses: Mapping[str, tuple[bool, str]], order: tuple[str, ...], configured: str) -> str:
    """The engine ``auto`` takes: the server's configured engine when it names one (``ENGINE``), else
    ``registry.choose_engine``'s rule (the engine order; symbolic always the last resort)."""
    if configured != AUTO:
        return configured
    for name in (*order, "symbolic"):
        if name == "symbolic" or statuses.get(name, (False, ""))[0]:
            return name
    return "symbolic"


def engine_choice(
    statuses: Mapping[str, tuple[bool, str]],
    *,
    order: tuple[str, ...],
    models: Mapping[str, str],
    configured: str = AUTO,
) -> EngineChoice:
    """The choices and what to say of each neural engine: ready (and its model) or unavailable (and the
    first sentence of why), and which engine ``auto`` takes here.

    ``statuses`` maps ``musicgen`` and ``acestep`` to ``(available, why not)``; ``configured`` is the
    server's ``ENGINE`` setting.
    """
    auto = _auto_engine(statuses, order, configured)
    choices = [(f"Auto ({TITLES[auto]} here)", AUTO), ("Symbolic (offline)", "symbolic")]
    said = []
    for name in ("acestep", "musicgen"):
        ok, why = statuses.get(name, (False, "not checked"))
        sings = " · sings lyrics" if name in SINGING_ENGINES else ""
        choices.append((f"{TITLES[name]}{sings}" if ok else f"{TITLES[name]} (unavailable)", name))
        said.append(
            f"{TITLES[name]} ready: {models.get(name, '')}."
            if ok
            else f"{TITLES[name]} unavailable: {_first_sentence(why)}."
        )
    return EngineChoice(tuple(choices), " ".join([*said, f"Auto uses {TITLES[auto]}."]), auto)


def lyrics_shown(engine: str, statuses: Mapping[str, tuple[bool, str]], *, configured: str = AUTO) -> bool:
    """Whether the chosen ``engine`` sings: an engine that sings, or ``auto`` where one is available
    (a request with lyrics goes to it) and the server's ``ENGINE`` setting does not pin a silent one.
    The lyrics box shows only then."""
    if engine == AUTO and configured != AUTO:
        engine = configured
    if engine in SINGING_ENGINES:
        return True
    return engine == AUTO and any(statuses.get(name, (False, ""))[0] for name in SINGING_ENGINES)
