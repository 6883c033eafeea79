"""Negation: what the prompt rules out ("no drums", "without vocals", "drumless", "instrumental").

A negation cue opens a scope that runs to the end of the clause: punctuation, or a word that turns the
sentence around ("no drums, just warm pads", "without vocals but with a choir"). Inside the scope every
instrument word is ruled out, and "or"/"and" carry the negation on ("no drums or bass") unless a new
noun phrase starts ("no drums and a warm pad"). Negated words never become instruments.
"""

from __future__ import annotations

from dataclasses import dataclass

from .instrument_words import family_members, instrument_for_word
from .lexicon import Match, TermIndex, Token

__all__ = ["NegationReading", "negated_scopes", "read_negations"]

_CUES = frozenset(
    {"no", "without", "minus", "sans", "excluding", "exclude", "except", "zero", "non", "not",
     "avoid", "lacking", "skip", "nix", "ditch", "remove", "dont", "never", "nor"}
)  # fmt: skip
_STOPS = frozenset(
    {"but", "just", "only", "with", "instead", "rather", "yet", "though", "so", "while", "then",
     "plus", "featuring", "feat", "using", "over", "on", "for", "in", "that", "which", "where"}
)  # fmt: skip
_NEW_PHRASE = frozenset({"a", "an", "the", "some", "lots", "plenty", "lush", "warm", "soft"})
_MAX_SCOPE = 8

# Words that only matter when ruled out: "no words" means no vocals, "no beat" no drums.
_NEGATABLE = TermIndex.from_mapping(
    {
        "vocals": ("words", "lyrics", "singing", "singer", "singers", "rap", "rapping", "vocalist",
                   "talking", "voice over", "voiceover", "speech", "vocal"),
        "drums": ("beat", "beats", "rhythm", "percussion section", "drum", "kick and snare"),
    }
)  # fmt: skip
_INSTRUMENTAL = frozenset({"instrumental", "instrumentals", "instrumentally"})
_SUFFIXES = ("less", "free")
# "solo piano", "only a cello", "harp alone": what is not named stays out of the rhythm section.
_ONLY_BEFORE = frozenset({"solo", "only", "unaccompanied", "lone"})
_ONLY_AFTER = frozenset({"only", "alone", "unaccompanied"})
_VOICES_ONLY = frozenset({"acappella", "acapella", "cappella", "capella"})
_ARTICLES = frozenset({"a", "an", "the", "one", "single"})
_SOLO_GROUPS = ("drums", "bass", "vocals")


@dataclass(frozen=True)
class NegationReading:
    """Names ruled out, and the token positions of negated words (which readers must skip)."""

    excluded: tuple[str, ...]
    negated_positions: frozenset[int]
    evidence: tuple[tuple[str, int, int], ...] = ()


def negated_scopes(tokens: tuple[Token, ...]) -> list[range]:
    """Token ranges governed by a negation cue (the cue itself excluded)."""
    scopes: list[range] = []
    for index, token in enumerate(tokens):
        if token.text not in _CUES:
            continue
        end = index + 1
        while end < len(tokens) and end - index <= _MAX_SCOPE and _continues(tokens, end):
            end += 1
        scopes.append(range(index + 1, end))
    return scopes


def _continues(tokens: tuple[Token, ...], position: int) -> bool:
    token = tokens[position]
    if token.is_boundary or token.text in _STOPS:
        return False
    if token.text in ("and", "&") and position + 1 < len(tokens):
        return tokens[position + 1].text not in _NEW_PHRASE
    return True


def read_negations(
    tokens: tuple[Token, ...], *, instruments: list[Match], positive: set[str]
) -> NegationReading:
    """What ``tokens`` rule out.

    Parameters
    ----------
    tokens : the prompt's tokens.
    instruments : instrument matches found in the prompt.
    positive : canonical instruments asked for outside any negation; a negated family word ("no
        drums") excludes the family's other members only when they were not asked for.
    """
    scopes = negated_scopes(tokens)
    in_scope = {position for scope in scopes for position in scope}
    excluded: list[str] = []
    evidence: list[tuple[str, int, int]] = []
    negated: set[int] = set()
    taken = {position for match in instruments for position in range(match.first, match.last)}
    extra = [m for m in _NEGATABLE.scan(tokens) if m.first not in taken]
    candidates = [*instruments, *extra]
    for match in candidates:
        if match.first in in_scope and match.value:
            names = _names(match, positive)
            excluded += names
            negated.update(range(match.first, match.last))
            evidence += [(name, match.start, match.end) for name in names]
    for position, token in enumerate(tokens):
        names = _suffix_names(token, positive) or _instrumental_names(tokens, position, in_scope)
        excluded += names
        evidence += [(name, token.start, token.end) for name in names]
    evidence += _solo_evidence(tokens, instruments, positive, in_scope)
    excluded += [name for name, _, _ in evidence]
    return NegationReading(tuple(dict.fromkeys(excluded)), frozenset(negated), tuple(evidence))


def _names(match: Match, positive: set[str]) -> list[str]:
    """Canonical names a negated match rules out: its own, and its group for a family word."""
    own = [name for name in match.value.split("|") if name]
    family = family_members(match.term) or (family_members(own[0]) if len(own) == 1 else ())
    return own + [name for name in family if name not in positive and name not in own]


def _suffix_names(token: Token, positive: set[str]) -> list[str]:
    """ "drumless", "beatless", "vocal-less", "drum-free": the stem is ruled out."""
    for suffix in _SUFFIXES:
        stem = token.text.removesuffix(suffix)
        if stem != token.text and stem:
            names = list(instrument_for_word(stem)) or [_NEGATABLE.get(stem) or ""]
            names = [name for name in names if name]
            if names:
                family = family_members(stem) or family_members(names[0])
                return names + [n for n in family if n not in positive and n not in names]
    return []


def _solo_evidence(
    tokens: tuple[Token, ...], instruments: list[Match], positive: set[str], in_scope: set[int]
) -> list[tuple[str, int, int]]:
    """ "solo piano", "piano only", "a cappella": the rhythm section and voices not named are out."""
    asked = [m for m in instruments if m.first not in in_scope]
    starts, ends = {m.first for m in asked}, {m.last for m in asked}
    for position, token in enumerate(tokens):
        after = position + 1
        while after < len(tokens) and tokens[after].text in _ARTICLES:
            after += 1
        solo = token.text in _ONLY_BEFORE and after in starts
        if solo or (token.text in _ONLY_AFTER and position in ends) or token.text in _VOICES_ONLY:
            names = [n for group in _SOLO_GROUPS for n in _unasked(group, positive)]
            return [(name, token.start, token.end) for name in names]
    return []


def _unasked(group: str, positive: set[str]) -> list[str]:
    members = family_members(group)
    return [] if any(name in positive for name in members) else list(members)


def _instrumental_names(tokens: tuple[Token, ...], position: int, in_scope: set[int]) -> list[str]:
    # "instrumental" rules vocals out, unless it is itself negated ("not instrumental").
    if tokens[position].text in _INSTRUMENTAL and position not in in_scope:
        return ["vocals"]
    return []
