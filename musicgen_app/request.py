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

from .controls import (
    KEY_PATTERN,
    MAX_SECTION_PROMPT_CHARS,
    MAX_SECTIONS,
    SECTION_NAMES,
    TIME_SIGNATURES,
    SectionRequest,
    parse_key,
)
from .errors import ErrorDetail, InvalidRequest
from .formats import OUTPUT_FORMATS
from .genres import GENRE_TERMS, closest_genres
from .instruments import INSTRUMENTS, closest_instruments

__all__ = [
    "ENGINES",
    "MAX_DURATION_S",
    "MAX_LYRICS_CHARS",
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "MAX_TEMPO_BPM",
    "MIN_DURATION_S",
    "MIN_TEMPO_BPM",
    "REQUEST_EXAMPLES",
    "REQUEST_FIELDS",
    "SINGING_ENGINES",
    "SYMBOLIC_ONLY_FIELDS",
    "VOCALS",
    "FieldRule",
    "GenerationRequest",
    "apply_rules",
    "cannot_sing",
    "new_seed",
    "parse_request",
    "request_json_schema",
    "rules_json_schema",
    "sings",
]

MIN_DURATION_S = 5
MAX_DURATION_S = 300
MIN_TEMPO_BPM = 40
MAX_TEMPO_BPM = 220
MAX_PROMPT_CHARS = 2000
MAX_SEED = 2**32 - 1
ENGINES: tuple[str, ...] = ("auto", "symbolic", "musicgen", "acestep")
#: Engines that can sing words; a request with lyrics needs one of them.
SINGING_ENGINES: tuple[str, ...] = ("acestep",)
MAX_LYRICS_CHARS = 4000
#: ``auto``: sung when lyrics are given, else as the prompt says; ``none``: instrumental;
#: ``wordless``: voices without words; ``lyrics``: the given lyrics sung (lyrics required).
VOCALS: tuple[str, ...] = ("auto", "none", "wordless", "lyrics")

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

    ``kind`` is ``"string"``, ``"integer"``, ``"choice"`` (a string from ``choices``, exact case),
    ``"url"`` (an absolute http or https URL), ``"boolean"``, ``"number"``, ``"key"`` (a musical key,
    :data:`~.controls.KEY_PATTERN`),
    ``"list"`` (distinct strings from ``choices``, ``min_items`` to ``max_items`` of them) or
    ``"sections"`` (a composition plan: :class:`~.controls.SectionRequest` entries) or ``"levels"``
    (an object of numbers up to ``maximum``, keyed by names from ``choices``).
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
    min_items: int = 0
    max_items: int | None = None

    @property
    def rule(self) -> str:
        """The rule in words, as errors and the CLI's help say it."""
        if self.kind == "integer":
            return f"must be an integer from {self.minimum} to {self.maximum}"
        if self.kind == "boolean":
            return "must be true or false"
        if self.kind == "number":
            return f"must be a number from {self.minimum} to {self.maximum}"
        if self.kind == "choice":
            return f"must be {self.choices_named or 'one of ' + ', '.join(self.choices)}"
        if self.kind == "url":
            return f"must be an absolute http(s) URL of at most {self.max_length} characters"
        if self.kind == "key":
            return 'must be a key: a tonic A-G, an optional # or b, an optional mode ("F# minor", "D dorian")'
        if self.kind == "list":
            named = self.choices_named or "one of " + ", ".join(self.choices)
            return f"must be a list of {self.min_items} to {self.max_items} distinct names, each {named}"
        if self.kind == "levels":
            return (
                f"must be an object of levels in dB (numbers up to {self.maximum:+g}; "
                f"{self.minimum} or less mutes) for {', '.join(self.choices)}"
            )
        if self.kind == "sections":
            return (
                f"must be a list of 1 to {self.max_items} sections, each "
                "{section, seconds | bars, energy?, prompt?}"
            )
        return f"must be a string of 1 to {self.max_length} characters, not blank"

    def check(self, value: Any) -> tuple[Any, str | None]:
        """``(normalised value, None)`` when ``value`` obeys the rule, else ``(None, what is wrong)``."""
        if self.kind == "integer":
            return _check_integer(self, value)
        if self.kind == "boolean":
            return (value, None) if isinstance(value, bool) else (None, self.rule)
        if self.kind == "number":
            ok = _is_number(value) and self.minimum <= value <= self.maximum  # type: ignore[operator]
            return (float(value), None) if ok else (None, self.rule)
        if self.kind == "list":
            return _check_list(self, value)
        if self.kind == "sections":
            return _check_sections(self, value)
        if self.kind == "levels":
            return _check_levels(self, value)
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
        if self.kind == "key":
            return (value, None) if parse_key(value) else (None, self.rule)
        if not _NOT_BLANK.search(value):
            return None, "must not be blank"
        return value.strip(), None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"description": self.description}
        if self.kind == "integer":
            schema.update(type="integer", minimum=self.minimum, maximum=self.maximum)
        elif self.kind == "boolean":
            schema.update(type="boolean")
        elif self.kind == "number":
            schema.update(type="number", minimum=self.minimum, maximum=self.maximum)
        elif self.kind == "choice":
            schema.update(type="string", enum=list(self.choices))
        elif self.kind == "url":
            schema.update(type="string", maxLength=self.max_length, pattern=_URL_PATTERN)
        elif self.kind == "key":
            schema.update(type="string", maxLength=self.max_length, pattern=KEY_PATTERN)
        elif self.kind == "list":
            items = {"type": "string", "enum": list(self.choices)}
            schema.update(type="array", items=items, uniqueItems=True, minItems=self.min_items)
            schema["maxItems"] = self.max_items
        elif self.kind == "sections":
            schema.update(type="array", items=_SECTION_SCHEMA, minItems=1, maxItems=self.max_items)
        elif self.kind == "levels":
            level = {"type": "number", "maximum": self.maximum}
            schema.update(
                type="object", additionalProperties=False, properties=dict.fromkeys(self.choices, level)
            )
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_levels(rule: FieldRule, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, dict):
        return None, rule.rule
    for name, level in value.items():
        if name not in rule.choices:
            return None, f"{_printable_name(name)!r} is not one of {', '.join(rule.choices)}"
        if not _is_number(level) or level > (rule.maximum or 0):
            return None, f"{name}: must be a number of dB up to {rule.maximum:+g}"
    return {name: float(level) for name, level in value.items()}, None


def _check_list(rule: FieldRule, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list) or not rule.min_items <= len(value) <= (rule.max_items or 0):
        return None, rule.rule
    for item in value:
        if not isinstance(item, str) or not _is_unicode_text(item):
            return None, rule.rule
        if item not in rule.choices:
            close = rule.suggest(item) if rule.suggest else []
            hint = f"; closest: {', '.join(close)}" if close else ""
            return None, f"{item!r} is not {rule.choices_named or 'a known name'}{hint}"
    if len(set(value)) != len(value):
        return None, "must not name the same one twice"
    return tuple(value), None


#: One entry of the ``structure`` field, as JSON Schema (what :func:`_check_section` enforces).
_SECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["section"],
    "properties": {
        "section": {"type": "string", "enum": list(SECTION_NAMES)},
        "seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DURATION_S},
        "bars": {"type": "integer", "minimum": 1, "maximum": 1000},
        "energy": {"type": "number", "minimum": 0, "maximum": 1},
        "prompt": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_SECTION_PROMPT_CHARS,
            "pattern": _NOT_BLANK_PATTERN,
        },
    },
    "oneOf": [{"required": ["seconds"]}, {"required": ["bars"]}],
}


def _check_section(entry: Any) -> tuple[SectionRequest | None, str | None]:
    """One ``structure`` entry: ``(value, None)`` or ``(None, what is wrong)``."""
    if not isinstance(entry, dict):
        return None, "must be an object {section, seconds | bars, energy?, prompt?}"
    unknown = sorted(_printable_name(k) for k in set(entry) - set(_SECTION_SCHEMA["properties"]))
    if unknown:
        return None, f"{', '.join(unknown)}: not a known field of a section"
    if entry.get("section") not in SECTION_NAMES:
        return None, f"section: must be one of {', '.join(SECTION_NAMES)}"
    if ("seconds" in entry) == ("bars" in entry):
        return None, "must give its length as seconds or as bars (one of them)"
    seconds, bars = entry.get("seconds"), entry.get("bars")
    if "seconds" in entry and not (_is_number(seconds) and 0 < seconds <= MAX_DURATION_S):
        return None, f"seconds: must be a number above 0 and at most {MAX_DURATION_S}"
    if isinstance(bars, float) and bars.is_integer():
        bars = int(bars)
    if "bars" in entry and (isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= 1000):
        return None, "bars: must be an integer from 1 to 1000"
    energy = entry.get("energy")
    if "energy" in entry and not (_is_number(energy) and 0 <= energy <= 1):
        return None, "energy: must be a number from 0 to 1"
    words = entry.get("prompt")
    if "prompt" in entry and not (
        isinstance(words, str)
        and _is_unicode_text(words)
        and len(words) <= MAX_SECTION_PROMPT_CHARS
        and _NOT_BLANK.search(words)
    ):
        return None, f"prompt: must be a string of 1 to {MAX_SECTION_PROMPT_CHARS} characters, not blank"
    return SectionRequest(
        entry["section"],
        seconds=float(seconds) if seconds is not None else None,
        bars=bars,
        energy=float(energy) if energy is not None else None,
        prompt=words.strip() if words is not None else None,
    ), None


def _check_sections(rule: FieldRule, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list) or not 1 <= len(value) <= (rule.max_items or 0):
        return None, rule.rule
    sections = []
    for index, entry in enumerate(value):
        section, problem = _check_section(entry)
        if problem is not None:
            return None, f"[{index}] {problem}"
        sections.append(section)
    return tuple(sections), None


_INSTRUMENT_NAMES = tuple(inst.name for inst in INSTRUMENTS)

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
        "key",
        "key",
        'Key and mode ("F# minor", "Bb major", "D dorian"; a bare tonic takes the genre\'s usual mode); '
        "omitted: read from the prompt, else chosen for the genre. Wins over the prompt.",
        max_length=24,
    ),
    FieldRule(
        "time_signature",
        "choice",
        'Meter; omitted: read from the prompt ("waltz", "in 6/8"), else the genre\'s. Wins over the prompt.',
        choices=TIME_SIGNATURES,
    ),
    FieldRule(
        "instruments",
        "list",
        "Instruments to feature (canonical names); omitted: read from the prompt. Wins over the prompt.",
        choices=_INSTRUMENT_NAMES,
        choices_named="a known instrument name",
        suggest=closest_instruments,
        min_items=1,
        max_items=12,
    ),
    FieldRule(
        "exclude",
        "list",
        "Instruments to leave out (a family name such as drums or bass takes its family with it); "
        'omitted: read from the prompt ("no drums"). Wins over the prompt.',
        choices=_INSTRUMENT_NAMES,
        choices_named="a known instrument name",
        suggest=closest_instruments,
        max_items=24,
    ),
    FieldRule(
        "structure",
        "sections",
        "A composition plan: sections in order, each {section, seconds | bars, energy 0-1?, prompt?}. "
        "Lengths are rounded to whole bars and must fit the duration; the last section grows to fill it.",
        max_items=MAX_SECTIONS,
    ),
    FieldRule(
        "loop",
        "boolean",
        "A seamless loop: the duration rounded to whole bars, whose end flows into its start (no ending, "
        "no fade); loop points in the answer and the file tags. Symbolic: composed as a loop; musicgen: "
        "generated, locked to the tempo, cut at a bar line with its tail crossfaded into its head.",
        nullable=False,
        default=False,
    ),
    FieldRule(
        "lyrics",
        "string",
        "Words to sing, with section tags on their own lines ([verse], [chorus], [bridge]) kept as "
        "written. Needs an engine that sings (acestep).",
        max_length=MAX_LYRICS_CHARS,
    ),
    FieldRule(
        "vocals",
        "choice",
        "auto (sung when lyrics are given), none (instrumental), wordless (voices without words) or "
        "lyrics (the lyrics sung; lyrics required).",
        nullable=False,
        default="auto",
        choices=VOCALS,
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

#: Bodies the docs show; a test proves each one is accepted.
REQUEST_EXAMPLES: tuple[dict[str, Any], ...] = (
    {"prompt": "lo-fi hip hop beat with warm keys and vinyl crackle", "duration": 30},
    {
        "prompt": "late night jazz trio",
        "duration": 40,
        "key": "Bb major",
        "time_signature": "3/4",
        "instruments": ["piano", "upright bass", "drums"],
        "exclude": ["vocals"],
        "structure": [
            {"section": "intro", "bars": 4, "energy": 0.3},
            {"section": "head", "seconds": 16},
            {"section": "solo", "bars": 8, "prompt": "more intense"},
        ],
    },
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


#: Request fields only the symbolic engine can honour exactly: MusicGen is steered by text and a tempo
#: lock, and cannot promise a meter, a lineup or a section plan.
SYMBOLIC_ONLY_FIELDS: tuple[str, ...] = ("time_signature", "instruments", "exclude", "structure")
_MUSICGEN_CANNOT = "the {engine} engine cannot follow it; use engine symbolic (or auto)"
#: Engines that cannot make a loop (the symbolic engine composes one; MusicGen cuts one at a bar line).
_CANNOT_LOOP: tuple[str, ...] = ("acestep",)


def sings(lyrics: str | None, vocals: str) -> bool:
    """Whether a request with these ``lyrics`` and ``vocals`` asks for sung words."""
    return vocals == "lyrics" or (vocals == "auto" and lyrics is not None)


def cannot_sing(engine: str) -> str:
    """The rule a request with lyrics breaks when ``engine`` is to make it."""
    return (
        f"the {engine} engine cannot sing; engines that sing: {', '.join(SINGING_ENGINES)} "
        "(or leave out lyrics for an instrumental)"
    )


def _vocals_problems(values: dict[str, Any]) -> list[ErrorDetail]:
    """Broken rules between ``lyrics``, ``vocals`` and ``engine`` (each field alone is already valid)."""
    lyrics, vocals, engine = values["lyrics"], values["vocals"], values["engine"]
    if vocals == "lyrics" and lyrics is None:
        return [ErrorDetail("lyrics", "is required when vocals is lyrics")]
    if lyrics is not None and vocals in ("none", "wordless"):
        return [ErrorDetail("vocals", f"must be auto or lyrics when lyrics are given, got {vocals}")]
    if sings(lyrics, vocals) and engine not in ("auto", *SINGING_ENGINES):
        return [ErrorDetail("lyrics", cannot_sing(engine))]
    if sings(lyrics, vocals):
        # Only the engines that cannot sing follow these controls (the symbolic engine all of them,
        # MusicGen ``loop``): no engine can make the request, whatever is installed, so it is refused
        # here (and by the schema) rather than at submit.
        asked = _symbolic_controls(values)
        rule = f"the engines that follow {', '.join(asked)} cannot sing; drop it or the lyrics"
        return [ErrorDetail(name, rule) for name in asked]
    return []


def _symbolic_controls(values: dict[str, Any], *, loop: bool = True) -> list[str]:
    """The controls in ``values`` that only the symbolic engine can honour (with ``loop``: ``loop``
    too, which no engine that sings can make)."""
    asked = [name for name in SYMBOLIC_ONLY_FIELDS if values[name] is not None]
    return asked + (["loop"] if loop and values["loop"] else [])


def request_json_schema() -> dict[str, Any]:
    """The generate body as JSON Schema (what OpenAPI shows), built from :data:`REQUEST_FIELDS`.

    Rules that span fields: with ``engine: musicgen`` or ``acestep`` the :data:`SYMBOLIC_ONLY_FIELDS`
    must be absent (or null), and with ``acestep`` ``loop`` false; an engine that cannot sing takes no
    ``lyrics``; ``vocals: lyrics`` needs ``lyrics``, lyrics rule out ``none`` and ``wordless``, and
    sung lyrics rule out the symbolic-only controls and ``loop`` (no engine both sings and follows
    them). These are static: they hold
    whatever is installed. Whether an engine that sings is *available* (``engine: auto`` with lyrics)
    is known only at run time; the submit refuses that with a 422 naming ``lyrics`` too. Two more
    cannot be said in JSON Schema and are checked when the plan is made (422 as well): a ``structure``
    must fit the ``duration``, and ``exclude`` may not name an instrument that ``instruments`` asks for.
    """
    musicgen_cannot = {
        "if": {"properties": {"engine": {"enum": ["musicgen", "acestep"]}}, "required": ["engine"]},
        "then": {"properties": {name: {"type": "null"} for name in SYMBOLIC_ONLY_FIELDS}},
    }
    # MusicGen makes loops (generated, tempo-locked, cut at a bar line); ACE-Step has no way to
    cannot_loop = {
        "if": {"properties": {"engine": {"enum": list(_CANNOT_LOOP)}}, "required": ["engine"]},
        "then": {"properties": {"loop": {"const": False}}},
    }
    silent = [engine for engine in ENGINES if engine not in ("auto", *SINGING_ENGINES)]
    cannot_sing = {
        "if": {"properties": {"engine": {"enum": silent}}, "required": ["engine"]},
        "then": {"properties": {"lyrics": {"type": "null"}, "vocals": {"not": {"const": "lyrics"}}}},
    }
    # Among bodies that pass ``lyrics_sung``, "sung" is exactly "lyrics is a string" (vocals auto or
    # lyrics), so the schema can say the parser's ``sings`` rule without spelling out vocals again.
    lyrics_sung = {
        "if": {"properties": {"lyrics": {"type": "string"}}, "required": ["lyrics"]},
        "then": {
            "properties": {
                "vocals": {"enum": ["auto", "lyrics"]},
                **{name: {"type": "null"} for name in SYMBOLIC_ONLY_FIELDS},
                "loop": {"const": False},
            }
        },
        "else": {"properties": {"vocals": {"not": {"const": "lyrics"}}}},
    }
    return {
        **rules_json_schema("TrackCreate", REQUEST_FIELDS),
        "allOf": [musicgen_cannot, cannot_loop, cannot_sing, lyrics_sung],
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
    key: str | None = None
    time_signature: str | None = None
    instruments: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    structure: tuple[SectionRequest, ...] | None = None
    loop: bool = False
    lyrics: str | None = None
    vocals: str = "auto"

    @property
    def sings(self) -> bool:
        """Whether the request asks for sung words (only a singing engine can make it)."""
        return sings(self.lyrics, self.vocals)

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
            "key": self.key,
            "time_signature": self.time_signature,
            "instruments": list(self.instruments) if self.instruments is not None else None,
            "exclude": list(self.exclude) if self.exclude is not None else None,
            "structure": [s.as_body() for s in self.structure] if self.structure is not None else None,
            "loop": self.loop,
            "lyrics": self.lyrics,
            "vocals": self.vocals,
        }


def new_seed() -> int:
    """A fresh random seed (from the OS, never the global random state)."""
    return secrets.randbelow(MAX_SEED + 1)


def apply_rules(rules: tuple[FieldRule, ...], body: Any) -> dict[str, Any]:
    """``{field: checked value or default}`` for a JSON body that obeys every rule of ``rules``.

    Raises
    ------
    InvalidRequest
        With one :class:`ErrorDetail` per broken rule (unknown fields included), naming the field.
    """
    if not isinstance(body, dict):
        raise InvalidRequest.for_field("body", "must be a JSON object")
    known = {rule.name for rule in rules}
    errors: list[ErrorDetail] = []
    for name in sorted(_printable_name(key) for key in set(body) - known):
        errors.append(ErrorDetail(name, "is not a known field"))
    values: dict[str, Any] = {}
    for rule in rules:
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
    return values


def rules_json_schema(title: str, rules: tuple[FieldRule, ...]) -> dict[str, Any]:
    """A body of ``rules`` as JSON Schema (closed: unknown fields are refused)."""
    return {
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": [rule.name for rule in rules if rule.required],
        "properties": {rule.name: rule.json_schema() for rule in rules},
    }


def parse_request(body: Any) -> GenerationRequest:
    """Validate a REST-style body (``prompt``, ``duration``, ``tempo``...) into a request.

    Raises
    ------
    InvalidRequest
        With one :class:`ErrorDetail` per broken rule, naming the field.
    """
    values = apply_rules(REQUEST_FIELDS, body)
    asked: list[ErrorDetail] = []
    if values["engine"] in ("musicgen", "acestep"):
        # the same rule as the schema's (MusicGen makes loops, ACE-Step cannot): a parser that let
        # through what the schema refuses would have the submit refuse it later, at another step
        cannot = _MUSICGEN_CANNOT.format(engine=values["engine"])
        loop = values["engine"] in _CANNOT_LOOP
        asked = [ErrorDetail(name, cannot) for name in _symbolic_controls(values, loop=loop)]
    asked += [e for e in _vocals_problems(values) if e.field not in {a.field for a in asked}]
    if asked:
        raise InvalidRequest("; ".join(f"{e.field}: {e.rule}" for e in asked), details=asked)
    return GenerationRequest(
        prompt=values["prompt"],
        duration_s=values["duration"],
        genre=values["genre"],
        tempo_bpm=values["tempo"],
        output_format=values["output_format"],
        seed=values["seed"],
        engine=values["engine"],
        webhook_url=values["webhook_url"],
        key=values["key"],
        time_signature=values["time_signature"],
        instruments=values["instruments"],
        exclude=values["exclude"],
        structure=values["structure"],
        loop=values["loop"],
        lyrics=values["lyrics"],
        vocals=values["vocals"],
    )
