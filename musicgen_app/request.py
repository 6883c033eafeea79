"""What a caller asks for, and the rules it must obey (shared by the API, the CLI and the UI)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .errors import ErrorDetail, InvalidRequest
from .formats import (
    ENGINES,
    MAX_DURATION_S,
    MAX_PROMPT_CHARS,
    MAX_TEMPO_BPM,
    MIN_DURATION_S,
    MIN_TEMPO_BPM,
    OUTPUT_FORMATS,
)

__all__ = ["MAX_SEED", "GenerationRequest", "new_seed", "parse_request"]

MAX_SEED = 2**32 - 1
_FIELDS = ("prompt", "duration", "genre", "tempo", "output_format", "seed", "engine")


@dataclass(frozen=True)
class GenerationRequest:
    """A validated request. Build it with :func:`parse_request` so every rule is checked."""

    prompt: str
    duration_s: int = 30
    genre: str | None = None
    tempo_bpm: int | None = None
    output_format: str = "mp3"
    seed: int | None = None
    engine: str = "auto"

    def seed_or_new(self) -> int:
        """The requested seed, or a fresh random one when none was asked for."""
        return self.seed if self.seed is not None else new_seed()

    def as_body(self) -> dict[str, Any]:
        """The request in the REST body's vocabulary (what a caller would send)."""
        return {
            "prompt": self.prompt,
            "duration": self.duration_s,
            "genre": self.genre,
            "tempo": self.tempo_bpm,
            "output_format": self.output_format,
            "seed": self.seed,
            "engine": self.engine,
        }


def new_seed() -> int:
    """A fresh random seed (from the OS, never the global random state)."""
    return secrets.randbelow(MAX_SEED + 1)


def _is_int(value: Any) -> bool:
    # bool is an int in Python; "true" is not a duration.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(body: dict, name: str, low: int, high: int, errors: list[ErrorDetail]) -> None:
    value = body.get(name)
    if value is None:
        return
    if not _is_int(value):
        errors.append(ErrorDetail(name, f"must be an integer from {low} to {high}"))
    elif not low <= value <= high:
        errors.append(ErrorDetail(name, f"must be from {low} to {high}, got {value}"))


def _check_choice(body: dict, name: str, choices: tuple[str, ...], errors: list) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, str) or value.strip().lower() not in choices:
        errors.append(ErrorDetail(name, f"must be one of {', '.join(choices)}"))


def _check_prompt(body: dict, errors: list[ErrorDetail]) -> None:
    prompt = body.get("prompt")
    if prompt is None:
        errors.append(ErrorDetail("prompt", "is required"))
    elif not isinstance(prompt, str):
        errors.append(ErrorDetail("prompt", "must be a string"))
    elif not 1 <= len(prompt.strip()) <= MAX_PROMPT_CHARS:
        errors.append(ErrorDetail("prompt", f"must be 1-{MAX_PROMPT_CHARS} characters after trimming"))


def parse_request(body: Any) -> GenerationRequest:
    """Validate a REST-style body (``prompt``, ``duration``, ``tempo``...) into a request.

    Raises
    ------
    InvalidRequest
        With one :class:`ErrorDetail` per broken rule, naming the field.
    """
    if not isinstance(body, dict):
        raise InvalidRequest.for_field("body", "must be a JSON object")
    errors: list[ErrorDetail] = []
    for name in sorted(set(body) - set(_FIELDS)):
        errors.append(ErrorDetail(str(name), "is not a known field"))
    _check_prompt(body, errors)
    _check_int(body, "duration", MIN_DURATION_S, MAX_DURATION_S, errors)
    _check_int(body, "tempo", MIN_TEMPO_BPM, MAX_TEMPO_BPM, errors)
    _check_int(body, "seed", 0, MAX_SEED, errors)
    _check_choice(body, "output_format", OUTPUT_FORMATS, errors)
    _check_choice(body, "engine", ENGINES, errors)
    genre = body.get("genre")
    if genre is not None and (not isinstance(genre, str) or not genre.strip()):
        errors.append(ErrorDetail("genre", "must be a non-empty string"))
    if errors:
        message = "; ".join(f"{e.field}: {e.rule}" for e in errors)
        raise InvalidRequest(message, details=errors)
    return GenerationRequest(
        prompt=body["prompt"].strip(),
        duration_s=body.get("duration") or 30,
        genre=genre.strip() if genre else None,
        tempo_bpm=body.get("tempo"),
        output_format=(body.get("output_format") or "mp3").strip().lower(),
        seed=body.get("seed"),
        engine=(body.get("engine") or "auto").strip().lower(),
    )
