"""Everything a prompt says, read once by the lexicon: :func:`read_prompt` -> :class:`PromptReading`.

The reading is literal: it holds what the words say and nothing decided by defaults. The order of the
readers matters only where words are shared: genre names claim their words first ("drum and bass" is
no drum and no bass), instruments claim theirs next ("grand piano" is not an epic mood).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..instruments import instrument
from .genre_words import GENRE_INDEX, choose_genre, find_genres, hiding_matches
from .instrument_words import canonical_names, find_instruments
from .keys import read_key
from .lexicon import Evidence, Match, Token, inside, tokenize
from .moods import MOOD_INDEX
from .negation import negated_scopes, read_negations
from .scene import find_ambience, find_structure, read_time_signature
from .tempo import read_bpm, read_tempo_words

__all__ = ["PromptReading", "read_prompt"]


@dataclass(frozen=True)
class PromptReading:
    """What a prompt's words say, field by field (None or empty where the prompt is silent).

    Attributes
    ----------
    genre : genre id the words name, or None; ``genre_weak`` when only a weak word ("epic") named it.
    genre_mentions : every genre id named, in order of appearance.
    tempo_bpm : an explicit tempo ("120 bpm"), already clamped to 40..220.
    tempo_position : position 0..1 in the genre's tempo range asked for by tempo words ("slow").
    key, mode : tonic (``PITCH_CLASSES`` spelling) and mode named by the prompt.
    time_signature : meter named by the prompt ("3/4", "waltz").
    instruments, excluded : canonical instruments asked for, and names ruled out.
    moods, ambience, structure : canonical words, in order of appearance.
    vocals : whether voices are asked for and not ruled out.
    evidence : the text span behind each value.
    """

    text: str
    genre: str | None = None
    genre_weak: bool = False
    genre_mentions: tuple[str, ...] = ()
    tempo_bpm: int | None = None
    tempo_position: float | None = None
    key: str | None = None
    mode: str | None = None
    time_signature: tuple[int, int] | None = None
    instruments: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    ambience: tuple[str, ...] = ()
    structure: tuple[str, ...] = ()
    vocals: bool = False
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class _Scan:
    """The prompt's tokens and the matches several readers share."""

    text: str
    tokens: tuple[Token, ...]
    genre_matches: list[Match]
    instrument_matches: list[Match]
    negated: frozenset[int]

    @property
    def claimed(self) -> list[Match]:
        return [*self.genre_matches, *self.instrument_matches]


def read_prompt(text: str) -> PromptReading:
    """Read ``text`` with the lexicon: genre, tempo, key, meter, instruments, moods, scene words.

    Parameters
    ----------
    text : the user's prompt, any case, any length.

    Returns
    -------
    PromptReading
        A frozen value; fields the prompt is silent about are None or empty.
    """
    tokens = tokenize(text)
    genre_matches = hiding_matches([m for m in GENRE_INDEX.scan(tokens) if m.value])
    instrument_matches = find_instruments(tokens, genre_matches=genre_matches)
    negated = frozenset(position for scope in negated_scopes(tokens) for position in scope)
    scan = _Scan(text, tokens, genre_matches, instrument_matches, negated)
    evidence: list[Evidence] = []
    fields = {
        **_genre_fields(scan, evidence),
        **_instrument_fields(scan, evidence),
        **_tempo_and_key_fields(scan, evidence),
        "moods": _read_moods(scan, evidence),
        "ambience": _named(find_ambience(tokens, claimed=genre_matches), "ambience", scan, evidence),
        "structure": _named(find_structure(tokens, claimed=scan.claimed), "structure", scan, evidence),
    }
    return PromptReading(text=text, **fields, evidence=tuple(evidence))


def _genre_fields(scan: _Scan, evidence: list[Evidence]) -> dict[str, object]:
    mentions = find_genres(scan.tokens, instruments=scan.instrument_matches)
    chosen = choose_genre(mentions)
    if chosen is not None:
        evidence.append(_evidence("genre", chosen.genre, scan.text, chosen.match))
    return {
        "genre": chosen.genre if chosen else None,
        "genre_weak": bool(chosen and chosen.weak),
        "genre_mentions": tuple(dict.fromkeys(m.genre for m in mentions)),
    }


def _instrument_fields(scan: _Scan, evidence: list[Evidence]) -> dict[str, object]:
    positive = [m for m in scan.instrument_matches if m.first not in scan.negated]
    wanted = {name for m in positive for name in canonical_names(m)}
    negation = read_negations(scan.tokens, instruments=scan.instrument_matches, positive=wanted)
    instruments: list[str] = []
    for match in positive:
        for name in canonical_names(match):
            if name not in negation.excluded and name not in instruments:
                instruments.append(name)
                evidence.append(_evidence("instruments", name, scan.text, match))
    for name, start, end in negation.evidence:
        evidence.append(Evidence("excluded", name, scan.text[start:end], start, end))
    return {
        "instruments": tuple(instruments),
        "excluded": negation.excluded,
        "vocals": any(instrument(name).family == "voice" for name in instruments),
    }


def _tempo_and_key_fields(scan: _Scan, evidence: list[Evidence]) -> dict[str, object]:
    text = scan.text
    tempo = read_bpm(text)
    position, tempo_words = read_tempo_words(scan.tokens, ignore=scan.genre_matches)
    evidence += [_evidence("tempo", m.value, text, m) for m in tempo_words]
    key = read_key(text)
    meter = read_time_signature(text, scan.tokens)
    evidence += _span_evidence(text, tempo, key, meter)
    return {
        "tempo_bpm": tempo[0] if tempo else None,
        "tempo_position": None if tempo else position,
        "key": key.key,
        "mode": key.mode,
        "time_signature": meter[0] if meter else None,
    }


def _read_moods(scan: _Scan, evidence: list[Evidence]) -> tuple[str, ...]:
    moods: list[str] = []
    claimed = scan.claimed
    for match in MOOD_INDEX.scan(scan.tokens):
        if inside(match, claimed) or match.first in scan.negated or match.value in moods:
            continue
        moods.append(match.value)
        evidence.append(_evidence("moods", match.value, scan.text, match))
    return tuple(moods)


def _named(
    found: list[tuple[str, Match]], field: str, scan: _Scan, evidence: list[Evidence]
) -> tuple[str, ...]:
    names: list[str] = []
    for name, match in found:
        if name not in names:
            names.append(name)
            evidence.append(_evidence(field, name, scan.text, match))
    return tuple(names)


def _evidence(field: str, value: str, text: str, match: Match) -> Evidence:
    return Evidence(field, value, text[match.start : match.end], match.start, match.end)


def _span_evidence(text: str, tempo, key, meter) -> tuple[Evidence, ...]:
    spans: list[Evidence] = []
    if tempo:
        (start, end) = tempo[1]
        spans.append(Evidence("tempo_bpm", str(tempo[0]), text[start:end], start, end))
    if key.span:
        start, end = key.span
        spans.append(Evidence("key", f"{key.key} {key.mode}", text[start:end], start, end))
    if meter:
        value, match = meter
        spans.append(_evidence("time_signature", f"{value[0]}/{value[1]}", text, match))
    return tuple(spans)
