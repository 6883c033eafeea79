"""Genre styles as data: one :class:`Style` per genre id in :data:`musicgen_app.genres.GENRES`.

A style names its harmonic vocabulary, grooves, accompaniment figures, bass idiom, instrumentation
(canonical instrument names, hence General MIDI programs and ranges), swing, tempo range and form. The
composer reads nothing else about a genre.
"""

from __future__ import annotations

from .catalog import STYLES
from .style import BASS_IDIOMS, COLOURS, FORMS, Style

__all__ = ["BASS_IDIOMS", "COLOURS", "FORMS", "STYLES", "Style", "style_for"]


def style_for(genre_id: str) -> Style:
    """The :class:`Style` for a canonical genre id (``KeyError`` when there is none)."""
    return STYLES[genre_id]
