"""The explicit composition fields of a request (``key``, ``time_signature``, ``instruments``,
``exclude``, ``structure``) applied over what the prompt said: the field wins, and the plan says so.

``Plan.sources`` marks each such field ``explicit``; ``Plan.overrides`` keeps, for every field that
contradicted the prompt, what the prompt had said ("key": "the prompt said D minor").
"""

from __future__ import annotations

from dataclasses import dataclass

from ..controls import SectionRequest, form_timing, parse_key
from ..errors import InvalidRequest
from ..instruments import instrument
from ..plan import PlannedSection, bar_seconds
from ..request import GenerationRequest
from .instrument_words import family_members
from .keys import default_mode_for
from .moods import blend_character
from .reading import PromptReading, read_prompt

__all__ = ["Explicit", "apply_key", "apply_lineup", "apply_meter", "resolve_loop", "resolve_sections"]


@dataclass(frozen=True)
class Explicit:
    """The lineup after the explicit fields: instruments, exclusions and whether voices sing."""

    instruments: tuple[str, ...]
    excluded: tuple[str, ...]
    vocals: bool


def _said(values: tuple[str, ...]) -> str:
    return ", ".join(values) if values else "nothing"


def apply_key(
    request: GenerationRequest,
    reading: PromptReading,
    genre: str,
    decided: tuple[str, str],
    sources: dict[str, str],
    overrides: dict[str, str],
) -> tuple[str, str]:
    """The key field over the prompt's key; a bare tonic takes the prompt's mode, else the genre's."""
    if request.key is None:
        return decided
    parsed = parse_key(request.key)
    if parsed is None:  # parse_request already refused it; a hand-built request is a caller bug
        raise InvalidRequest.for_field("key", f"{request.key!r} is not a key")
    tonic, mode = parsed
    sources["key"] = "explicit"
    if mode is None:
        mode = reading.mode or default_mode_for(genre, tonic)
    else:
        sources["mode"] = "explicit"
    said = (reading.key, reading.mode)
    if (reading.key is not None and reading.key != tonic) or (reading.mode not in (None, mode)):
        words = " ".join(part for part in said if part)
        overrides["key"] = f"the prompt said {words}; the key field wins"
    return tonic, mode


def apply_meter(
    request: GenerationRequest,
    reading: PromptReading,
    decided: tuple[int, int],
    sources: dict[str, str],
    overrides: dict[str, str],
) -> tuple[int, int]:
    """The time_signature field over the prompt's meter."""
    if request.time_signature is None:
        return decided
    num, den = (int(part) for part in request.time_signature.split("/"))
    sources["time_signature"] = "explicit"
    if reading.time_signature not in (None, (num, den)):
        said = f"{reading.time_signature[0]}/{reading.time_signature[1]}"
        overrides["time_signature"] = f"the prompt said {said}; the time_signature field wins"
    return num, den


def _expand(names: tuple[str, ...], keep: tuple[str, ...]) -> tuple[str, ...]:
    """Excluded names with the members of a family they name ("drums" takes the kit pieces along),
    except instruments asked for by name."""
    out = list(names)
    for name in names:
        out += [member for member in family_members(name) if member not in keep]
    return tuple(dict.fromkeys(out))


def apply_lineup(
    request: GenerationRequest,
    reading: PromptReading,
    instruments: tuple[str, ...],
    sources: dict[str, str],
    overrides: dict[str, str],
) -> Explicit:
    """The instruments and exclude fields over the prompt's instruments and exclusions."""
    excluded, vocals = reading.excluded, reading.vocals
    if request.instruments is not None:
        sources["instruments"] = "explicit"
        if set(reading.instruments) - set(request.instruments):
            said = _said(reading.instruments)
            overrides["instruments"] = f"the prompt named {said}; the instruments field wins"
        instruments = request.instruments
        vocals = any(instrument(name).family == "voice" for name in instruments)
        # an instrument asked for by name is never also ruled out by the prompt's words
        excluded = tuple(name for name in excluded if name not in instruments)
    if request.exclude is not None:
        sources["excluded"] = "explicit"
        if set(reading.excluded) - set(_expand(request.exclude, instruments)):
            overrides["excluded"] = f"the prompt ruled out {_said(reading.excluded)}; the exclude field wins"
        clash = sorted(set(request.exclude) & set(instruments)) if request.instruments is not None else []
        if clash:
            raise InvalidRequest.for_field(
                "exclude", f"names {', '.join(clash)}, which the instruments field asks for"
            )
        excluded = _expand(request.exclude, instruments)
        instruments = tuple(name for name in instruments if name not in excluded)
    vocals = vocals and "vocals" not in excluded
    sources["vocals"] = "explicit" if request.instruments or request.exclude else sources["vocals"]
    return Explicit(instruments, excluded, vocals)


def _section_energy(section: SectionRequest, genre: str) -> float | None:
    """The section's energy: its own number, else what its words' moods say, else the engine's."""
    if section.energy is not None:
        return section.energy
    if section.prompt is None:
        return None
    moods = read_prompt(section.prompt).moods
    return round(blend_character(genre, moods)[0], 3) if moods else None


def resolve_sections(
    request: GenerationRequest,
    genre: str,
    tempo_bpm: int,
    meter: tuple[int, int],
    sources: dict[str, str],
) -> tuple[PlannedSection, ...]:
    """The structure field in whole bars, checked against the duration.

    Each length in seconds becomes the nearest whole number of bars (at least one). When the sections
    leave bars free before the ending, the last one grows to fill them (the plan says so).

    Raises
    ------
    InvalidRequest
        When the sections need more bars than the duration has room for.
    """
    if request.structure is None:
        return ()
    bar_s = bar_seconds(tempo_bpm, meter)
    bars = [s.bars if s.bars is not None else max(1, round(s.seconds / bar_s)) for s in request.structure]
    room = form_timing(request.duration_s, tempo_bpm, meter).body_bars
    if sum(bars) > room:
        raise InvalidRequest.for_field(
            "structure",
            f"the sections last {sum(bars)} bars ({sum(bars) * bar_s:.1f} s at {tempo_bpm} BPM in "
            f"{meter[0]}/{meter[1]}); a {request.duration_s} s track has room for {room} bars before "
            "its final chord: lengthen duration or shorten the sections",
        )
    sources["sections"] = "explicit"
    if sum(bars) < room:
        grown = bars[-1] + room - sum(bars)
        sources["sections"] = f"explicit; the last section grew from {bars[-1]} to {grown} bars to fill"
        bars[-1] = grown
    return tuple(
        PlannedSection(s.section, count, _section_energy(s, genre), s.prompt)
        for s, count in zip(request.structure, bars, strict=True)
    )


def resolve_loop(
    request: GenerationRequest, tempo_bpm: int, meter: tuple[int, int], sources: dict[str, str]
) -> int | None:
    """The bars of a seamless loop: the duration rounded to whole bars (at least one).

    Raises
    ------
    InvalidRequest
        When a structure is asked for too (a loop is one groove; its sections are its own).
    """
    if not request.loop:
        return None
    if request.structure is not None:
        raise InvalidRequest.for_field("structure", "a loop has no section plan; leave out loop or structure")
    bars = max(1, round(request.duration_s / bar_seconds(tempo_bpm, meter)))
    sources["loop_bars"] = f"explicit: the {request.duration_s} s asked, in whole bars"
    return bars
