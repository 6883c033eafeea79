"""The generation form as the browser sends it, and the REST body it stands for (no Gradio here).

Values go on as typed when they are not what a field wants (a seed of "seven", a section of "2 bars"), so
that the request rules (``request.py``) refuse them with their own message naming the field and the rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AUTO", "PLANNER_HEADERS", "Form", "regenerate_body", "structure_body"]

#: The choice that leaves a field to the prompt reader.
AUTO = "auto"
#: Columns of the section planner: a row per section, its length in bars or seconds, its energy (0-1).
PLANNER_HEADERS = ["Section", "Bars", "Seconds", "Energy (0-1)"]


@dataclass(frozen=True)
class Form:
    """The generation form as the browser sent it (sliders give floats, an empty number gives None)."""

    prompt: str
    genre: str = AUTO
    auto_tempo: bool = True
    tempo_bpm: float | None = None
    duration_s: float = 30
    output_format: str = "mp3"
    random_seed: bool = True
    seed: float | str | None = None
    engine: str = AUTO
    key: str = ""
    time_signature: str = AUTO
    instruments: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)
    structure: Any = None
    loop: bool = False
    lyrics: str = ""
    #: Whether the lyrics box was shown (the chosen engine sings): hidden lyrics are not sent.
    lyrics_on: bool = False

    def body(self) -> dict[str, Any]:
        """The REST body for this form; ``auto`` and empty fields are left out so the prompt decides."""
        body: dict[str, Any] = {
            "prompt": self.prompt or "",
            "duration": _whole(self.duration_s),
            "output_format": self.output_format,
            "engine": self.engine or AUTO,
        }
        if self.genre and self.genre != AUTO:
            body["genre"] = self.genre
        if not self.auto_tempo and self.tempo_bpm is not None:
            body["tempo"] = _whole(self.tempo_bpm)
        if not self.random_seed and self.seed not in (None, ""):
            body["seed"] = _seed_value(self.seed)
        return body | self._composition()

    def _composition(self) -> dict[str, Any]:
        """The Advanced panel's fields that were set (none set: the body is what it was before them)."""
        fields: dict[str, Any] = {}
        if (self.key or "").strip():
            fields["key"] = self.key.strip()
        if self.time_signature and self.time_signature != AUTO:
            fields["time_signature"] = self.time_signature
        if self.instruments:
            fields["instruments"] = list(self.instruments)
        if self.exclude:
            fields["exclude"] = list(self.exclude)
        structure = structure_body(self.structure)
        if structure:
            fields["structure"] = structure
        if self.loop:
            fields["loop"] = True
        if self.lyrics_on and (self.lyrics or "").strip():
            fields["lyrics"] = self.lyrics
        return fields


def structure_body(rows: Any) -> list[dict[str, Any]]:
    """The planner's rows as ``structure`` entries; rows without a section name are left out.

    ``rows`` is a list of ``[section, bars, seconds, energy]`` (or anything with ``values.tolist()``, as a
    pandas frame): empty cells are left out of the entry, whole numbers become ints.
    """
    if rows is None:
        return []
    if hasattr(rows, "values") and hasattr(rows.values, "tolist"):
        rows = rows.values.tolist()
    entries = []
    for row in rows:
        cells = [*row, None, None, None, None][: len(PLANNER_HEADERS)]
        name = _cell(cells[0])
        if name is None or str(name).strip() == "":
            continue
        entry: dict[str, Any] = {"section": str(name).strip()}
        for column, value in zip(("bars", "seconds", "energy"), cells[1:], strict=True):
            value = _cell(value)
            if value is not None:
                entry[column] = value
        entries.append(entry)
    return entries


def _cell(value: Any) -> Any:
    """A table cell as a request value: blank or NaN is ``None``; a number's text is the number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return _whole(float(text))
        except ValueError:
            return text
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _whole(value)
    return value


def _seed_value(seed: float | str) -> int | float | str:
    """The seed box's text as a number when it is one; anything else goes on as typed, for the request
    rules to refuse with their message (``seed: must be an integer ...``)."""
    if isinstance(seed, str):
        text = seed.strip()
        try:
            return _whole(float(text))
        except ValueError:
            return text
    return _whole(seed)


def _whole(value: float) -> int | float:
    """Integral floats become ints (a slider's 30.0 is 30); others stay, for the rules to reject."""
    return int(value) if float(value).is_integer() else value


def regenerate_body(choice: int | str | None) -> dict[str, Any]:
    """The regenerate body for a choice of the Section dropdown: a section index, or a span
    ``"start-end"`` in seconds (a track without sections)."""
    if isinstance(choice, str) and "-" in choice:
        start, end = choice.split("-", 1)
        return {"start_s": float(start), "end_s": float(end)}
    return {"section": int(choice or 0)}
