"""Which explicit composition controls each engine can honour, and the engine a request needs.

The symbolic engine writes every control into its score. MusicGen is steered by text and a tempo lock:
it follows ``tempo`` and, loosely, ``key``, but cannot promise a meter, a lineup or a section plan. A
request that asks for those is never silently downgraded: ``auto`` picks the symbolic engine (and the
plan says why), an explicit ``musicgen`` is refused with a 422 naming the fields.
"""

from __future__ import annotations

import dataclasses

from ..errors import InvalidRequest
from ..request import SINGING_ENGINES, SYMBOLIC_ONLY_FIELDS, GenerationRequest, cannot_sing

__all__ = ["engine_for_controls"]


def engine_for_controls(request: GenerationRequest) -> tuple[GenerationRequest, str]:
    """``request`` with the engine its controls need, and why it changed (``""`` when it did not).

    Raises
    ------
    InvalidRequest
        When a neural engine is asked for together with a control it cannot follow, or an engine
        that cannot sing with lyrics (``parse_request`` refuses both already; this also covers a server
        whose configured engine is one of them).
    """
    if request.sings and request.engine not in ("auto", *SINGING_ENGINES):
        raise InvalidRequest.for_field("lyrics", cannot_sing(request.engine))
    asked = [name for name in SYMBOLIC_ONLY_FIELDS if getattr(request, name) is not None]
    # a loop is exact on the symbolic engine (composed round); musicgen makes one only when asked by name
    asked += ["loop"] if request.loop and request.engine != "musicgen" else []
    if not asked or request.engine == "symbolic":
        return request, ""
    if request.sings:
        raise InvalidRequest.for_field(
            asked[0],
            f"only the symbolic engine follows {', '.join(asked)}, and it cannot sing the lyrics",
        )
    if request.engine != "auto":
        raise InvalidRequest.for_field(
            asked[0],
            f"the {request.engine} engine cannot follow {', '.join(asked)}; use engine symbolic (or auto)",
        )
    why = f"symbolic: only the symbolic engine follows {', '.join(asked)}"
    return dataclasses.replace(request, engine="symbolic"), why
