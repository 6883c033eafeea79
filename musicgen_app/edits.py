"""Edits of a finished track that make a new one: the request rules of each edit route, and how the
child's plan follows from its parent's.

Rules are :class:`~musicgen_app.request.FieldRule` tables like generate's, so validation, the OpenAPI
body and the error shapes (422 naming the field, unknown fields refused) are the same machinery.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .audio.remix import MAX_GAIN_DB, MIN_GAIN_DB
from .errors import InvalidRequest
from .formats import STEM_NAMES
from .plan import Plan, bar_seconds
from .request import (
    MAX_DURATION_S,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    FieldRule,
    GenerationRequest,
    apply_rules,
    rules_json_schema,
)

__all__ = [
    "EXTEND_FIELDS",
    "KEEPABLE",
    "LOOP_FIELDS",
    "REGENERATE_FIELDS",
    "REMIX_FIELDS",
    "VARIATION_FIELDS",
    "ExtendRequest",
    "RegenerateRequest",
    "RemixRequest",
    "VariationRequest",
    "extend_json_schema",
    "extended_plan",
    "loop_json_schema",
    "looped_plan",
    "parse_extend",
    "parse_loop",
    "parse_regenerate",
    "parse_remix",
    "parse_variations",
    "regenerate_json_schema",
    "regenerated_plan",
    "remix_json_schema",
    "request_from_parent",
    "variation_plan",
    "variations_json_schema",
]

#: What a variation may keep from its parent; what is not kept is decided afresh with a new seed.
KEEPABLE: tuple[str, ...] = ("key", "tempo", "structure", "instruments")
DEFAULT_KEEP: tuple[str, ...] = ("key", "tempo", "structure")
MAX_VARIATIONS = 4

VARIATION_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "count",
        "integer",
        "How many variations to make (each a new track).",
        nullable=False,
        default=1,
        minimum=1,
        maximum=MAX_VARIATIONS,
    ),
    FieldRule(
        "keep",
        "list",
        "What every variation keeps from the track: key, tempo, structure (meter, sections, energy "
        "curve), instruments; the rest (melody, chords, groove...) varies. Default: key, tempo, structure.",
        choices=KEEPABLE,
        max_items=len(KEEPABLE),
    ),
    FieldRule(
        "seed",
        "integer",
        "Seed of the first variation (the next ones take the following seeds); omitted: random.",
        minimum=0,
        maximum=MAX_SEED - MAX_VARIATIONS,
    ),
)


@dataclass(frozen=True)
class VariationRequest:
    """A validated ``POST /v1/music/{id}/variations`` body."""

    count: int = 1
    keep: tuple[str, ...] = DEFAULT_KEEP
    seed: int | None = None


def parse_variations(body: Any) -> VariationRequest:
    """Validate a variations body (an empty body ``{}`` takes every default).

    Raises
    ------
    InvalidRequest
        Naming each broken field, as for generate.
    """
    values = apply_rules(VARIATION_FIELDS, body)
    keep = values["keep"] if values["keep"] is not None else DEFAULT_KEEP
    return VariationRequest(count=values["count"], keep=tuple(keep), seed=values["seed"])


def variations_json_schema() -> dict[str, Any]:
    """The variations body as JSON Schema (what OpenAPI shows)."""
    return rules_json_schema("TrackVariations", VARIATION_FIELDS)


def request_from_parent(parent_plan: Plan, *, output_format: str, engine: str) -> GenerationRequest:
    """The generate request a child starts from: the parent's words, length and genre."""
    return GenerationRequest(
        prompt=parent_plan.prompt,
        duration_s=round(parent_plan.duration_s),
        genre=parent_plan.genre,
        output_format=output_format,
        engine=engine,
    )


#: The plan fields each kept aspect pins to the parent's value.
_PINNED: dict[str, tuple[str, ...]] = {
    "key": ("key", "mode"),
    "tempo": ("tempo_bpm",),
    "structure": ("time_signature", "sections", "structure", "energy"),
    "instruments": ("instruments", "excluded", "vocals"),
}


def variation_plan(parent: Plan, fresh: Plan, keep: tuple[str, ...]) -> Plan:
    """``fresh`` (the parent's request read again with a new seed) with the kept fields pinned to the
    parent's, and ``sources`` saying which were kept.

    A section plan is counted in bars at the parent's tempo, so keeping the structure of a track with
    one keeps its tempo too (the plan says why); a loop's variations are loops of its bars and tempo.
    """
    kept = list(keep)
    if "structure" in kept and parent.sections and "tempo" not in kept:
        kept.append("tempo")
    pinned = {name: getattr(parent, name) for aspect in kept for name in _PINNED[aspect]}
    if parent.loop_bars is not None:  # a variation of a loop is a loop of the same length
        pinned |= {"loop_bars": parent.loop_bars, "duration_s": parent.duration_s}
        pinned |= {"tempo_bpm": parent.tempo_bpm, "time_signature": parent.time_signature}
    sources = {**fresh.sources, **{name: "kept from the parent" for name in pinned}}
    if "tempo" in kept and "tempo" not in keep:
        sources["tempo_bpm"] = "kept from the parent: the kept sections are counted in its bars"
    return dataclasses.replace(fresh, **pinned, sources=sources, overrides={})


REMIX_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "levels_db",
        "levels",
        f"Level of each stem in dB (up to {MAX_GAIN_DB:+g}; {MIN_GAIN_DB:g} or less mutes); a stem left "
        "out stays at 0 dB. The remix is mastered again like any track.",
        minimum=int(MIN_GAIN_DB),
        maximum=int(MAX_GAIN_DB),
        choices=STEM_NAMES,
    ),
    FieldRule(
        "mute",
        "list",
        "Stems to leave out entirely.",
        choices=STEM_NAMES,
        choices_named="a stem name (" + ", ".join(STEM_NAMES) + ")",
        max_items=len(STEM_NAMES),
    ),
)


@dataclass(frozen=True)
class RemixRequest:
    """A validated ``POST /v1/music/{id}/remix`` body: a level per stem in dB (``-inf`` mutes)."""

    levels_db: dict[str, float]

    def as_edit(self) -> dict[str, Any]:
        """The parameters as the track stores them (JSON: a mute is ``null``)."""
        return {"levels_db": {n: (None if v == float("-inf") else v) for n, v in self.levels_db.items()}}


def parse_remix(body: Any) -> RemixRequest:
    """Validate a remix body; every stem gets a level (0 dB unless given, ``-inf`` when muted).

    Raises
    ------
    InvalidRequest
        Naming each broken field; muting every stem is refused too (the remix would be silence).
    """
    values = apply_rules(REMIX_FIELDS, body)
    levels = dict.fromkeys(STEM_NAMES, 0.0) | (values["levels_db"] or {})
    for name in values["mute"] or ():
        levels[name] = float("-inf")
    levels = {n: (float("-inf") if v <= MIN_GAIN_DB else v) for n, v in levels.items()}
    if all(v == float("-inf") for v in levels.values()):
        raise InvalidRequest.for_field("mute", "must leave at least one stem playing")
    return RemixRequest(levels)


def remix_json_schema() -> dict[str, Any]:
    """The remix body as JSON Schema (what OpenAPI shows)."""
    return rules_json_schema("TrackRemix", REMIX_FIELDS)


EXTEND_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "seconds",
        "integer",
        f"How many seconds to add (the new track lasts the old one plus this, at most {MAX_DURATION_S}).",
        required=True,
        nullable=False,
        minimum=1,
        maximum=MAX_DURATION_S,
    ),
    FieldRule(
        "prompt",
        "string",
        "Extra words for the new music (moods, energy); the key, tempo, meter, style and lineup stay.",
        max_length=MAX_PROMPT_CHARS,
    ),
    FieldRule(
        "seed",
        "integer",
        "Seed of the new music; omitted: random.",
        minimum=0,
        maximum=MAX_SEED,
    ),
)


@dataclass(frozen=True)
class ExtendRequest:
    """A validated ``POST /v1/music/{id}/extend`` body."""

    seconds: int
    prompt: str | None = None
    seed: int | None = None


def parse_extend(body: Any) -> ExtendRequest:
    """Validate an extend body (``seconds`` is required).

    Raises
    ------
    InvalidRequest
        Naming each broken field, as for generate.
    """
    values = apply_rules(EXTEND_FIELDS, body)
    return ExtendRequest(values["seconds"], values["prompt"], values["seed"])


def extend_json_schema() -> dict[str, Any]:
    """The extend body as JSON Schema (what OpenAPI shows)."""
    return rules_json_schema("TrackExtend", EXTEND_FIELDS)


#: Plan fields a continuation takes from extra words; key, tempo, meter, genre and lineup stay.
_WORDS_DECIDE = ("moods", "energy", "brightness", "ambience")


def extended_plan(parent: Plan, words: Plan | None, *, seconds: int, seed: int) -> Plan:
    """The plan of an extended track: the parent's, longer, with a new seed for the new music and the
    mood of ``words`` (the extra words read as a plan) when there are any."""
    # an extended loop is a track: the loop plays once, then the music goes on to an ending
    changes: dict[str, Any] = {"duration_s": parent.duration_s + seconds, "seed": seed, "loop_bars": None}
    if words is not None:
        changes |= {name: getattr(words, name) for name in _WORDS_DECIDE}
        changes["prompt"] = f"{parent.prompt}; then {words.prompt}"
    sources = {**parent.sources, "operation": f"extend by {seconds} s"}
    return dataclasses.replace(parent, **changes, sources=sources, overrides={})


MAX_LOOP_BARS = 64

LOOP_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "bars",
        "integer",
        "Length of the loop in bars (its end flows into its start).",
        nullable=False,
        default=4,
        minimum=1,
        maximum=MAX_LOOP_BARS,
    ),
    FieldRule(
        "seed",
        "integer",
        "Seed of the loop's music; omitted: the track's own seed (the same grooves and lines).",
        minimum=0,
        maximum=MAX_SEED,
    ),
)


def parse_loop(body: Any) -> tuple[int, int | None]:
    """``(bars, seed)`` of a valid loop body.

    Raises
    ------
    InvalidRequest
        Naming each broken field, as for generate.
    """
    values = apply_rules(LOOP_FIELDS, body)
    return values["bars"], values["seed"]


def loop_json_schema() -> dict[str, Any]:
    """The loop body as JSON Schema (what OpenAPI shows)."""
    return rules_json_schema("TrackLoop", LOOP_FIELDS)


def looped_plan(parent: Plan, *, bars: int, seed: int) -> Plan:
    """The plan of a seamless loop of ``bars`` bars from ``parent``'s: its key, tempo, meter, style and
    lineup, no section plan (a loop is one groove) and no ending."""
    length_s = bars * bar_seconds(parent.tempo_bpm, parent.time_signature)
    sources = {**parent.sources, "loop_bars": f"loop of {bars} bars", "operation": "loop"}
    return dataclasses.replace(
        parent, loop_bars=bars, duration_s=length_s, sections=(), seed=seed, sources=sources, overrides={}
    )


REGENERATE_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "section",
        "integer",
        "The section to make anew: its index in the track's sections (0 first). Or give start_s and end_s.",
        nullable=False,
        minimum=0,
        maximum=255,
    ),
    FieldRule(
        "start_s",
        "number",
        "Start of the span in seconds (snapped down to a bar line); with end_s, instead of section.",
        nullable=False,
        minimum=0,
        maximum=MAX_DURATION_S,
    ),
    FieldRule(
        "end_s",
        "number",
        "End of the span in seconds (snapped up to a bar line).",
        nullable=False,
        minimum=0,
        maximum=MAX_DURATION_S,
    ),
    FieldRule(
        "prompt",
        "string",
        "Extra words for the new music of the span (moods, energy); key, tempo and lineup stay.",
        max_length=MAX_PROMPT_CHARS,
    ),
    FieldRule("seed", "integer", "Seed of the new music; omitted: random.", minimum=0, maximum=MAX_SEED),
)


@dataclass(frozen=True)
class RegenerateRequest:
    """A validated ``POST /v1/music/{id}/regenerate`` body: a section index or a span in seconds."""

    section: int | None = None
    span_s: tuple[float, float] | None = None
    prompt: str | None = None
    seed: int | None = None


_SPAN_RULE = "give section, or start_s and end_s (not both)"


def parse_regenerate(body: Any) -> RegenerateRequest:
    """Validate a regenerate body: ``section``, or ``start_s`` with ``end_s`` (start before end).

    Raises
    ------
    InvalidRequest
        Naming each broken field, as for generate.
    """
    values = apply_rules(REGENERATE_FIELDS, body)
    has_span = [values[name] is not None for name in ("start_s", "end_s")]
    if values["section"] is not None and any(has_span):
        raise InvalidRequest.for_field("section", _SPAN_RULE)
    if values["section"] is None and not all(has_span):
        raise InvalidRequest.for_field("end_s" if has_span[0] else "start_s", _SPAN_RULE)
    if values["section"] is not None:
        return RegenerateRequest(section=values["section"], prompt=values["prompt"], seed=values["seed"])
    if values["end_s"] <= values["start_s"]:
        raise InvalidRequest.for_field("end_s", "must be after start_s")
    span = (values["start_s"], values["end_s"])
    return RegenerateRequest(span_s=span, prompt=values["prompt"], seed=values["seed"])


def regenerate_json_schema() -> dict[str, Any]:
    """The regenerate body as JSON Schema: a section, or a span (what OpenAPI shows)."""
    either = {"anyOf": [{"required": ["start_s"]}, {"required": ["end_s"]}]}
    return {
        **rules_json_schema("TrackRegenerate", REGENERATE_FIELDS),
        "oneOf": [
            {"required": ["section"], "not": either},
            {"required": ["start_s", "end_s"], "not": {"required": ["section"]}},
        ],
    }


def regenerated_plan(parent: Plan, words: Plan | None, *, seed: int) -> Plan:
    """The plan the new music of a span is composed from: the parent's with ``seed`` (and the mood of
    ``words``, the extra words read as a plan)."""
    changes: dict[str, Any] = {"seed": seed}
    if words is not None:
        changes |= {name: getattr(words, name) for name in _WORDS_DECIDE}
    return dataclasses.replace(parent, **changes, overrides={})


#: Request bodies /docs offers for each edit route, ready to send (each one its parser accepts).
EDIT_EXAMPLES: dict[str, tuple[dict[str, Any], ...]] = {
    "variations": ({"count": 2}, {"count": 1, "keep": ["key", "tempo"], "seed": 42}),
    "remix": ({"levels_db": {"vocals": -3, "drums": 2}}, {"levels_db": {"bass": -6}, "mute": ["drums"]}),
    "extend": ({"seconds": 30}, {"seconds": 20, "prompt": "a big final chorus", "seed": 7}),
    "regenerate": ({"section": 1}, {"start_s": 8, "end_s": 16, "prompt": "calmer, fewer drums"}),
    "loop": ({"bars": 8}, {"bars": 4, "seed": 11}),
}
