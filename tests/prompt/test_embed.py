"""The semantic genre fallback: lazy thread-safe loading, lexical fallback, the real offline model."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from musicgen_app.genres import GENRES
from musicgen_app.prompt import GenreMatcher, interpret
from musicgen_app.prompt.embed import genre_texts, load_bundled_model
from musicgen_app.request import GenerationRequest


class _BagOfLettersModel:
    """A deterministic stand-in for a sentence encoder: normalised letter counts."""

    def __init__(self) -> None:
        self.encoded_batches = 0

    def encode(self, texts, normalize_embeddings=True, show_progress_bar=None):
        self.encoded_batches += 1
        vectors = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.lower():
                if "a" <= char <= "z":
                    vectors[row, ord(char) - 97] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def test_importing_the_package_does_not_import_torch():
    code = "import sys, musicgen_app.prompt; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_model_loads_once_even_under_concurrent_first_use():
    calls = []
    barrier = threading.Barrier(6)

    def loader():
        calls.append(1)
        return _BagOfLettersModel()

    matcher = GenreMatcher(loader)

    def worker():
        barrier.wait()
        matcher.guess("a calm evening")

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert matcher.loaded


def test_genre_texts_are_embedded_once_and_guesses_use_the_model():
    model = _BagOfLettersModel()
    matcher = GenreMatcher(lambda: model)
    guess = matcher.guess("anything")
    matcher.guess("anything else")
    texts, owners = genre_texts()
    assert len(texts) == len(owners) >= len(GENRES)
    assert guess.method == "semantic"
    assert model.encoded_batches == 3  # the genre texts once, then one batch per prompt


def test_loader_failure_gives_lexical_guesses():
    def loader():
        raise ImportError("no sentence_transformers here")

    matcher = GenreMatcher(loader)
    guess = matcher.guess("cowboys riding at sunset")
    assert guess.method == "lexical"
    assert guess.genre == "country"
    assert not matcher.loaded


def test_lexical_fallback_is_deterministic_for_empty_overlap():
    matcher = GenreMatcher(None)
    assert matcher.guess("zzzz qqqq") == matcher.guess("zzzz qqqq")


@pytest.fixture(scope="module")
def real_matcher() -> GenreMatcher:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set by tests/conftest.py: no network allowed
    return GenreMatcher(load_bundled_model)


@pytest.mark.slow
def test_bundled_model_loads_offline(real_matcher):
    assert real_matcher.warm_up(), real_matcher.load_error


@pytest.mark.slow
@pytest.mark.parametrize(
    ("prompt", "allowed"),
    [
        ("music for a rainy afternoon in a café", {"lo-fi", "jazz", "acoustic", "bossa nova"}),
        ("cowboys riding into the sunset", {"country", "folk"}),
        ("a night drive through a rain-slicked city", {"synthwave", "lo-fi", "jazz"}),
        ("a rave in an abandoned warehouse", {"techno", "house"}),
        ("something to fall asleep to", {"ambient", "classical", "lo-fi"}),
        ("a spooky haunted mansion", {"cinematic", "ambient"}),
    ],
)
def test_real_model_maps_scenes_somewhere_sensible(real_matcher, prompt, allowed):
    plan = interpret(GenerationRequest(prompt=prompt), seed=0, matcher=real_matcher)
    assert plan.sources["genre"] == "semantic"
    assert plan.genre in allowed
