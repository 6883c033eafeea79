"""The ACE-Step engine: songs with sung lyrics from diffusers' ``AceStepPipeline`` (ACE-Step 1.5, MIT).

Modules: ``loader`` (find/load a diffusers checkpoint once per process, count lyric tokens),
``conditioning`` (Plan -> caption, lyrics and metadata), ``engine``. Importing this package loads no model;
``torch`` and ``diffusers`` are imported by the modules that need them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MODEL", "LICENSE", "AcestepEngine"]


def __getattr__(name: str) -> object:
    # Lazy: importing diffusers costs seconds, and the service imports engines it may never use.
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
