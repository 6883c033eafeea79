"""The parent of an edit job, as the render process needs it: which operation, its parameters, and
the parent's files, plan and facts (a picklable value; :mod:`musicgen_app.edit_render` renders it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GenerationFailed
from .plan import Plan

__all__ = ["EditSource"]


@dataclass(frozen=True)
class EditSource:
    """The parent of an edit job, as the render process needs it (picklable).

    Attributes
    ----------
    operation : ``remix``, ``extend``, ``regenerate``, or ``loop`` of a neural track (see
        :func:`~musicgen_app.edit_render.renders_from_parent`).
    edit : the operation's parameters, as the child track stores them.
    parent_id, parent_dir : the parent and the directory holding its files.
    parent_files : the parent's files, relative to ``parent_dir`` (``Track.files``).
    engine, engine_version, model, license : what made the parent (its edits keep them).
    parent_plan, parent_details, parent_sections : the parent's plan, facts (``ending_bar``, measured
        tempo...) and section markers, as its track stores them.
    """

    operation: str
    edit: dict[str, Any]
    parent_id: str
    parent_dir: str
    parent_files: dict[str, str]
    engine: str
    engine_version: str
    model: str
    license: str
    parent_plan: dict[str, Any] = field(default_factory=dict)
    parent_details: dict[str, Any] = field(default_factory=dict)
    parent_sections: tuple[tuple[str, float], ...] = ()

    def path(self, kind: str) -> Path:
        if kind not in self.parent_files:
            raise GenerationFailed(f"the track {self.parent_id} has no {kind} file to edit")
        return Path(self.parent_dir) / self.parent_files[kind]

    def stored_score(self) -> dict[str, Any] | None:
        """The parent's score as its track keeps it (``None`` for a track made before scores were kept,
        or by a neural engine)."""
        return json.loads(self.path("score").read_text()) if "score" in self.parent_files else None

    def score(self):
        """The notes the parent plays: its kept score, else its plan composed again (the composer is
        deterministic, so for a track made by generate that is the same score)."""
        from .engines.symbolic.compose import compose
        from .engines.symbolic.score import Score

        stored = self.stored_score()
        return Score.from_dict(stored) if stored is not None else compose(Plan.from_dict(self.parent_plan))
