"""What a caller asks for, and the rules it must obey: one table drives validation, the OpenAPI body
schema and the CLI's options, so the three cannot drift apart.

Each :class:`FieldRule` checks one field and also says itself as JSON Schema; :func:`parse_request`
applies the table, :func:`request_json_schema` publishes it, ``cli.py`` builds its options from it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ErrorDetail, InvalidRequest
from .formats import OUTPUT_FORMATS
from .genres import GENRE_TERMS, closest_genres

__all__ = [
    "ENGINES",
    "MAX_DURATION_S",
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "MAX_TEMPO_BPM",
    "MIN_DURATION_S",
    "MIN_TEMPO_BPM",
    "REQUEST_EXAMPLES",
    "REQUEST_FIELDS",
    "FieldRule",
    "GenerationRequest",
    "new_seed",
    "parse_request",
    "request_json_schema",
]

MIN_DURATION_S = 5
MAX_DURATION_S = 300
MIN_TEMPO_BPM = 40
MAX_TEMPO_BPM = 220
MAX_PROMPT_CHARS = 2000
MAX_SEED = 2**32 - 1
ENGINES: tuple[str, ...] = ("auto", "symbolic", "musicgen")

#: What counts as blank: ECMAScript's white space and line terminators, spelled out so that the JSON
#: Schema ``pattern`` (ECMA regex) and the Python check agree character for character.
_BLANK = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NOT_BLANK_PATTERN = f"[^{_BLANK}]"
_NOT_BLANK = re.compile(_NOT_BLANK_PATTERN)
#: An absolute http(s) URL: a host name or IPv4 address (no user part, no IPv6 literal), an optional
#: port, then anything without white space (the same text as the schema's pattern).
_URL_PATTERN = f"^https?://[^{_BLANK}/?#@\\[\\]:]+(?::[0-9]{{1,5}})?(?:[/?#][^{_BLANK}]*)?$"
_URL = re.compile(_URL_PATTERN)
MAX_URL_CHARS = 2000


@dataclass(frozen=True)
class FieldRule:
    """One field of the generate body: its type, bounds or choices, default and help.

    ``kind`` is ``"string"``, ``"integer"``, ``"choice"`` (a string from ``choices``, exact case) or
    ``"url"`` (an absolute http or https URL).
    ``nullable`` fields accept JSON ``null`` as "not given".
    """

    name: str
    kind: str
    description: str
    required: bool = False
    nullable: bool = True
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    #: For long lists of choices: how the rule names them, and what to suggest for a miss.
    choices_named: str | None = None
    suggest: Callable[[str], list[str]] | None = None

    @property
    def rule(self) -> str:
        """The rule in words, as errors and the CLI's help say it."""
        if self.kind == "integer":
            return f"must be an integer from {self.minimum} to {self.maximum}"
        if self.kind == "choice":
            return f"must be {self.choices_named or 'one of ' + ', '.join(self.choices)}"
        if self.kind == "url":
            return f"must be an absolute http(s) URL of at most {self.max_length} characters"
        return f"must be a string of 1 to {self.max_length} characters, not blank"

    def check(self, value: Any) -> tuple[Any, str | None]:
        """``(normalised value, None)`` when ``value`` obeys the rule, else ``(None, what is wrong)``."""
        if self.kind == "integer":
            return _check_integer(self, value)
        if not isinstance(value, str):
            return None, self.rule
        if not _is_unicode_text(value):
            return None, "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"
        if self.kind == "choice":
            if value in self.choices:
                return value, None
            close = self.suggest(value) if self.suggest else []
            return None, self.rule + (f"; closest: {', '.join(close)}" if close else "")
        if len(value) > (self.max_length or 0):
            return None, f"must be at most {self.max_length} characters"
        if self.kind == "url":
            return (value, None) if _URL.fullmatch(value) else (None, self.rule)
        if not _NOT_BLANK.search(value):
            return None, "must not be blank"
        return value.strip(), None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"description": self.description}
        if self.kind == "integer":
            schema.update(type="integer", minimum=self.minimum, maximum=self.maximum)
        elif self.kind == "choice":
            schema.update(type="string", enum=list(self.choices))
        elif self.kind == "url":
            schema.update(type="string", maxLength=self.max_length, pattern=_URL_PATTERN)
        else:
            schema.update(type="string", minLength=1, maxLength=self.max_length, pattern=_NOT_BLANK_PATTERN)
        if self.nullable and not self.required:
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        if self.default is not None:
            schema["default"] = self.default
        return schema


def _is_unicode_text(value: str) -> bool:
    """Whether ``value`` is encodable text: JSON's ``\\ud800`` escapes decode to lone surrogates, which no
    file, database or answer can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable_name(name: object) -> str:
    """A field name safe to repeat in an error (lone surrogates escaped)."""
    return str(name).encode("utf-8", "backslashreplace").decode("utf-8")


def _check_integer(rule: FieldRule, value: Any) -> tuple[Any, str | None]:
    # JSON has one number type: 30.0 is the integer 30 (as JSON Schema says), 30.5 is not; a bool is not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, rule.rule
    if not rule.minimum <= value <= rule.maximum:  # type: ignore[operator]
        return None, f"must be from {rule.minimum} to {rule.maximum}, got {value}"
    return value, None


#: The body of ``POST /v1/music/generate``, in the order the docs and the CLI list it.
REQUEST_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "prompt",
        "string",
        "What to make, in words: genre, mood, instruments, tempo, structure.",
        required=True,
        nullable=False,
        max_length=MAX_PROMPT_CHARS,
    ),
    FieldRule(
        "duration",
        "integer",
        "Length of the track in seconds (exact).",
        nullable=False,
        default=30,
        minimum=MIN_DURATION_S,
        maximum=MAX_DURATION_S,
    ),
    FieldRule(
        "genre",
        "choice",
        "A genre id or alias, lower case (GET /v1/genres); omitted: read from the prompt.",
        choices=GENRE_TERMS,
        choices_named="a known genre id or alias in lower case (GET /v1/genres)",
        suggest=closest_genres,
    ),
    FieldRule(
        "tempo",
        "integer",
        "Beats per minute (exact); omitted: read from the prompt and the genre.",
        minimum=MIN_TEMPO_BPM,
        maximum=MAX_TEMPO_BPM,
    ),
    FieldRule(
        "output_format",
        "choice",
        "Format the job encodes the mix in; every file can later be fetched in any format (?format=).",
        nullable=False,
        default="mp3",
        choices=OUTPUT_FORMATS,
    ),
    FieldRule(
        "seed",
        "integer",
        "Same request, seed and engine version give the same audio; omitted: a random seed.",
        minimum=0,
        maximum=MAX_SEED,
    ),
    FieldRule(
        "engine",
        "choice",
        "Which engine makes the track; auto picks an available one and says which.",
        nullable=False,
        default="auto",
        choices=ENGINES,
    ),
    FieldRule(
        "webhook_url",
        "url",
        "Called (POST, Standard Webhooks signature) when the track is completed or failed; https only "
        "unless the server allows http.",
        max_length=MAX_URL_CHARS,
    ),
)
_RULES = {rule.name: rule for rule in REQUEST_FIELDS}

#: Bodies the docs show; a test proves each one is accepted.
REQUEST_EXAMPLES: tuple[dict[str, Any], ...] = (
    {"prompt": "lo-fi hip hop beat with warm keys and vinyl crackle", "duration": 30},
    {
        "prompt": "uplifting cinematic orchestral build for a product video",
        "duration": 60,
        "genre": "cinematic",
        "tempo": 100,
        "output_format": "wav",
        "seed": 42,
        "engine": "symbolic",
    },
)


def request_json_schema() -> dict[str, Any]:
    """The generate body as JSON Schema (what OpenAPI shows), built from :data:`REQUEST_FIELDS`."""
    return {
        "title": "TrackCreate",
        "type": "object",
        "additionalProperties": False,
        "required": [rule.name for rule in REQUEST_FIELDS if rule.required],
        "properties": {rule.name: rule.json_schema() for rule in REQUEST_FIELDS},
        "examples": list(REQUEST_EXAMPLES),
    }


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
    webhook_url: str | None = None

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
            "webhook_url": self.webhook_url,
        }


def new_seed() -> int:
    """A fresh random seed (from the OS, never the global random state)."""
    return secrets.randbelow(MAX_SEED + 1)


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
    for name in sorted(_printable_name(key) for key in set(body) - set(_RULES)):
        errors.append(ErrorDetail(name, "is not a known field"))
    values: dict[str, Any] = {}
    for rule in REQUEST_FIELDS:
        value = body.get(rule.name)
        if value is None:
            if rule.required:
                errors.append(ErrorDetail(rule.name, "is required"))
            elif rule.name in body and not rule.nullable:
                errors.append(ErrorDetail(rule.name, f"{rule.rule} (not null)"))
            values[rule.name] = rule.default
            continue
        checked, problem = rule.check(value)
        if problem is not None:
            errors.append(ErrorDetail(rule.name, problem))
        values[rule.name] = checked
    if errors:
        message = "; ".join(f"{e.field}: {e.rule}" for e in errors)
        raise InvalidRequest(message, details=errors)
    return GenerationRequest(
        prompt=values["prompt"],
        duration_s=values["duration"],
        genre=values["genre"],
        tempo_bpm=values["tempo"],
        output_format=values["output_format"],
        seed=values["seed"],
        engine=values["engine"],
        webhook_url=values["webhook_url"],
    )
