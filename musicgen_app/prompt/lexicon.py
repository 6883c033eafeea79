"""Text machinery shared by every reader: normalisation, tokens, and longest-match term lookup.

A prompt is folded once (lower case, accents removed, ``-less``/``-free`` suffixes glued) into
:class:`Token` values that remember where they came from in the original text, so every reading can
carry an evidence span. Vocabularies are :class:`TermIndex` tables keyed by token tuples; a scan takes
the longest term at each position, left to right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "BOUNDARY_TOKENS",
    "Evidence",
    "Match",
    "TermIndex",
    "Token",
    "inside",
    "term_tokens",
    "tokenize",
]

# Words are letters/digits (with inner ' or &, so "r&b" and "70's" stay whole); punctuation is kept as
# tokens because it ends negation scopes and separates list items.
_TOKEN_RE = re.compile(r"\d+/\d+|[a-z0-9]+(?:['&][a-z0-9]+)*|&|[,.;:!?()]")

BOUNDARY_TOKENS = frozenset(",.;:!?()")


@dataclass(frozen=True)
class Token:
    """One word of a prompt: folded ``text`` and its ``start``/``end`` offsets in the original."""

    text: str
    start: int
    end: int

    @property
    def is_boundary(self) -> bool:
        return self.text in BOUNDARY_TOKENS


@dataclass(frozen=True)
class Match:
    """A vocabulary term found in a prompt: tokens ``first``..``last`` (exclusive) mean ``value``."""

    value: str
    term: str
    first: int
    last: int
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """Why a field got a value: the ``text`` span ``start``..``end`` of the prompt."""

    field: str
    value: str
    text: str
    start: int
    end: int


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower-case and strip accents, keeping for each folded character its index in ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKD", char.lower()):
            if not unicodedata.combining(piece):
                chars.append(piece)
                origin.append(index)
    origin.append(len(text))
    return "".join(chars), origin


def tokenize(text: str) -> tuple[Token, ...]:
    """Fold ``text`` and split it into tokens with offsets into the original string."""
    folded, origin = _fold(text)
    tokens: list[Token] = []
    for found in _TOKEN_RE.finditer(folded):
        word = found.group().replace("'", "")
        token = Token(word, origin[found.start()], origin[found.end()])
        # "vocal-less", "drum-free": one token "vocalless" the negation reader recognises.
        if word in ("less", "free") and tokens and folded[found.start() - 1 : found.start()] == "-":
            tokens[-1] = Token(tokens[-1].text + word, tokens[-1].start, token.end)
        else:
            tokens.append(token)
    return tuple(tokens)


def term_tokens(term: str) -> tuple[str, ...]:
    """The token tuple a vocabulary term is indexed under (same folding as prompts)."""
    return tuple(token.text for token in tokenize(term.replace("-", " ")))


class TermIndex:
    """Vocabulary terms (token tuples) to values, with a longest-match scan.

    Parameters
    ----------
    entries : iterable of ``(term, value)`` pairs; the first value given for a term wins.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self._table: dict[tuple[str, ...], tuple[str, str]] = {}
        for term, value in entries:
            key = term_tokens(term)
            if key:
                self._table.setdefault(key, (term, value))
        self._longest = max((len(key) for key in self._table), default=0)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Iterable[str]]) -> TermIndex:
        """Build from ``{value: [term, ...]}``; the value itself is also a term."""
        return cls((term, value) for value, terms in mapping.items() for term in (value, *terms))

    def __contains__(self, term: str) -> bool:
        return term_tokens(term) in self._table

    def get(self, term: str) -> str | None:
        """The value of ``term`` (an exact term, not a scan)."""
        found = self._table.get(term_tokens(term))
        return found[1] if found else None

    def scan(self, tokens: tuple[Token, ...]) -> list[Match]:
        """Every term in ``tokens``: the longest at each position, left to right, no overlaps."""
        matches: list[Match] = []
        position = 0
        while position < len(tokens):
            match = self._longest_at(tokens, position)
            if match is None:
                position += 1
            else:
                matches.append(match)
                position = match.last
        return matches

    def _longest_at(self, tokens: tuple[Token, ...], first: int) -> Match | None:
        for size in range(min(self._longest, len(tokens) - first), 0, -1):
            key = tuple(token.text for token in tokens[first : first + size])
            found = self._table.get(key)
            if found is not None:
                last = first + size
                term, value = found
                return Match(value, term, first, last, tokens[first].start, tokens[last - 1].end)
        return None


def inside(match: Match, others: Iterable[Match]) -> bool:
    """Whether ``match`` lies strictly inside a longer match of ``others`` ("bass" in "drum and bass")."""
    return any(
        other.first <= match.first
        and match.last <= other.last
        and (other.last - other.first) > (match.last - match.first)
        for other in others
    )
