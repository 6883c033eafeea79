"""Genre names in free text: which genre a prompt names, and how sure the reading is.

Terms come from :mod:`musicgen_app.genres` (ids, names, aliases) plus adjectives that only make sense
inside a prompt ("jazzy", "orchestral"). Some terms are *weak*: ordinary words that usually, but not
always, mean the genre ("epic", "dance", "acoustic"). A strong term beats a weak one; between equals the
first mention wins, except that in a compound ("jazz hip hop") the last word is the head and wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..genres import GENRES
from .lexicon import Match, TermIndex, Token, inside

__all__ = ["GENRE_INDEX", "GenreMention", "choose_genre", "find_genres", "hiding_matches"]

# Prompt-only words for genres: adjectives and scene words that would be odd as an API ``genre`` value.
_PROMPT_TERMS: dict[str, tuple[str, ...]] = {
    "jazz": ("jazzy", "jazz club", "jazz bar", "bebop", "hard bop", "jazz fusion"),
    "blues": ("bluesy",),
    "funk": ("funk groove", "funky groove"),
    "cinematic": ("orchestral", "orchestra", "film music", "movie score", "underscore", "trailer music"),
    "classical": ("fugue", "nocturne", "etude", "concerto", "sonatina", "prelude", "mazurka", "chamber"),
    "folk": ("folky", "shanty", "slip jig"),
    "country": ("honky tonk", "cowboy", "bluegrass"),
    "chiptune": ("8bit", "16bit", "nes", "gameboy", "game boy", "arcade"),
    "synthwave": ("80s synthwave", "neon"),
    "reggae": ("reggae groove", "skank"),
    "lo-fi": ("lofi beats", "lo fi beats", "chill beats", "study music"),
    "ambient": ("ambience music", "ambient music", "meditative soundscape"),
    "gospel": ("gospel choir",),
    "latin": ("latin jazz", "tango", "flamenco", "bachata"),
    "acoustic": ("acoustic background",),
    "house": ("four on the floor",),
}

# Ordinary words that usually mean a genre but lose to any strong genre word in the same prompt.
WEAK_TERMS = frozenset(
    {
        "epic", "dance", "swing", "score", "soundtrack", "trailer", "western", "church", "praise",
        "spiritual", "worship", "corporate", "background music", "atmospheric", "drone", "acoustic",
        "ukulele", "garage", "funky", "jazzy", "bluesy", "folky", "orchestral", "orchestra", "neon",
        "chamber", "video game", "game music", "prelude", "underscore", "arcade", "rap", "dub",
        "four on the floor", "study music", "cowboy", "skank", "classical", "soul", "nes", "reel",
        "waltz", "minuet", "mazurka", "jig", "sonata", "symphony", "lounge", "industrial",
        "medieval", "jingle", "boogie", "christian", "hymn", "hymns", "chillout", "chill out",
        "nintendo", "shanty", "advertising music", "kids music",
    }
)  # fmt: skip

# Genre names whose inner words keep their own meaning ("epic orchestral" is epic and orchestral);
# inside any other genre name, words are part of the name ("drum and bass" is no drum, no bass).
_TRANSPARENT = frozenset(
    {"epic orchestral", "jazz trio", "string quartet", "gospel choir", "piano sonata", "big band",
     "church", "singer songwriter", "acoustic folk", "acoustic pop", "meditation music"}
)  # fmt: skip

# Phrases in which a genre word means something else ("a haunted house" is not house music).
_BLOCKERS = (
    "haunted house", "coffee house", "opera house", "full house", "house party", "rock bottom",
    "rock solid", "pop up", "pop out", "metal pipe", "soul searching", "swing by",
    "swing set", "trap door", "drum roll", "country side", "score board",
)  # fmt: skip


@dataclass(frozen=True)
class GenreMention:
    """One genre word in a prompt: the genre id, the match, and whether the term is weak."""

    genre: str
    match: Match
    weak: bool


def _entries() -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = [(blocker, "") for blocker in _BLOCKERS]
    for genre in GENRES:
        entries += [(term, genre.id) for term in (genre.id, genre.name, *genre.aliases)]
    entries += [(term, gid) for gid, terms in _PROMPT_TERMS.items() for term in terms]
    return entries


GENRE_INDEX = TermIndex(_entries())


def find_genres(tokens: tuple[Token, ...], *, instruments: list[Match]) -> list[GenreMention]:
    """Genre mentions in ``tokens``.

    A weak genre word inside an instrument name ("acoustic" in "acoustic guitar", "church" in "church
    organ") is not a mention; a strong one still is ("jazz guitar" says jazz).
    """
    mentions = []
    for match in GENRE_INDEX.scan(tokens):
        if not match.value:
            continue
        weak = match.term.lower() in WEAK_TERMS
        if weak and inside(match, instruments):
            continue
        mentions.append(GenreMention(match.value, match, weak))
    return mentions


def hiding_matches(matches: list[Match]) -> list[Match]:
    """The genre matches whose inner words other readers must ignore."""
    return [m for m in matches if " ".join(m.term.lower().split("-")) not in _TRANSPARENT]


def choose_genre(mentions: list[GenreMention]) -> GenreMention | None:
    """The mention that decides the genre (deterministic; see the module docstring)."""
    if not mentions:
        return None
    strong = [m for m in mentions if not m.weak] or mentions
    chosen = strong[0]
    for mention in strong[1:]:
        # Adjacent genre words form a compound whose head is the last ("ambient techno" is techno).
        if mention.match.first == chosen.match.last:
            chosen = mention
    return chosen
