"""Plans for composer tests, built directly (no prompt reading involved)."""

from __future__ import annotations

from musicgen_app.genres import genre_by_id
from musicgen_app.plan import Plan


def make_plan(genre: str = "pop", **fields) -> Plan:
    """A Plan for ``genre`` at its default tempo, 30 s, seed 7, unless ``fields`` say otherwise."""
    values = {
        "prompt": f"{genre} test",
        "genre": genre,
        "tempo_bpm": genre_by_id(genre).default_tempo,
        "key": "C",
        "mode": "minor",
        "duration_s": 30.0,
        "seed": 7,
    }
    values.update(fields)
    return Plan(**values)
