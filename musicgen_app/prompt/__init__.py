"""Prompt understanding: free text plus explicit request fields -> :class:`~musicgen_app.plan.Plan`.

``interpret(request, seed=...)`` is what the service calls; ``read_prompt(text)`` returns the literal
reading (with evidence spans) for the UI and tests. Importing this package never imports torch: the
embedding model for the semantic genre fallback loads on first need.
"""

from .embed import GenreGuess, GenreMatcher, default_matcher
from .interpret import decide_genre, interpret
from .lexicon import Evidence
from .reading import PromptReading, read_prompt

__all__ = [
    "Evidence",
    "GenreGuess",
    "GenreMatcher",
    "PromptReading",
    "decide_genre",
    "default_matcher",
    "interpret",
    "read_prompt",
]
