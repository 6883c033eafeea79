"""The MusicGen engine: text-to-music with ``transformers``' MusicGen, windowed past 30 s, tempo-locked.

Modules: ``loader`` (find/load checkpoints once per process), ``conditioning`` (Plan -> text),
``sampling`` (seeded per-call sampling, step counting), ``generate`` (windowed continuation),
``tempo_lock`` (measure and stretch), ``postprocess`` (44.1 kHz stereo, exact length), ``engine``.
Importing this package loads no model; ``torch`` and ``transformers`` are imported by the modules that
need them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MODEL", "LICENSE", "MusicgenEngine"]


def __getattr__(name: str) -> object:
    # Lazy: importing transformers costs seconds, and the service imports engines it may never use.
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
