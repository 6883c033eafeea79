"""Per-call sampling and step counting plugged into ``transformers``' ``generate``.

``generate`` in transformers 5.24 samples with ``torch.multinomial`` on the *global* torch RNG, so two jobs
running at once would disturb each other's seeds. :class:`GuidedSampler` takes the token choice over: it
applies classifier-free guidance, temperature and top-k itself, draws from a private ``torch.Generator``,
and hands ``generate`` (run in greedy mode) a distribution with all its mass on the drawn token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import LogitsProcessor, StoppingCriteria

__all__ = ["GuidedSampler", "SamplingOptions", "StepCounter", "seeded_generator"]

#: Logit for every token the sampler did not choose; finite so that guidance arithmetic stays finite.
_REJECTED_LOGIT = -1.0e4


@dataclass(frozen=True)
class SamplingOptions:
    """How the next audio token is drawn.

    Attributes
    ----------
    top_k : sample among the ``top_k`` most likely tokens (MusicGen's published default is 250).
    temperature : divides the guided logits; 1.0 keeps the model's distribution.
    guidance_scale : classifier-free guidance weight, >= 1; 1 disables guidance (and halves the work).
    """

    top_k: int = 250
    temperature: float = 1.0
    guidance_scale: float = 3.0

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.guidance_scale < 1.0:
            raise ValueError(f"guidance_scale must be >= 1, got {self.guidance_scale}")


def seeded_generator(seed: int, device: str) -> torch.Generator:
    """A private generator on ``device`` seeded from ``seed`` (any Python int)."""
    generator = torch.Generator(device=device)
    generator.manual_seed(seed % (1 << 63))
    return generator


class GuidedSampler(LogitsProcessor):
    """Guidance + temperature + top-k + a draw from a private generator, returned as one-hot logits.

    ``generate`` appends its own guidance processor after the custom ones. This sampler therefore accepts
    scores in either state: with both halves (conditional, unconditional) it guides them itself and returns
    both halves equal, which the later guidance step maps to the same one-hot row; already guided scores
    are sampled directly.
    """

    def __init__(self, options: SamplingOptions, generator: torch.Generator) -> None:
        self.options = options
        self.generator = generator

    def _draw(self, logits: torch.Tensor) -> torch.Tensor:
        logits = logits / self.options.temperature
        top_k = min(self.options.top_k, logits.shape[-1])
        top_values, top_indices = torch.topk(logits, top_k, dim=-1)
        probs = torch.softmax(top_values, dim=-1)
        picks = torch.multinomial(probs, num_samples=1, generator=self.generator)
        return top_indices.gather(-1, picks)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        rows = input_ids.shape[0]
        halves = scores.shape[0] == 2 * rows
        guided = scores
        if halves:
            conditional, unconditional = scores.split(rows, dim=0)
            guided = unconditional + (conditional - unconditional) * self.options.guidance_scale
        tokens = self._draw(guided.float())
        one_hot = torch.full_like(guided, _REJECTED_LOGIT).scatter_(-1, tokens, 0.0)
        return one_hot.repeat(2, 1) if halves else one_hot


class StepCounter(StoppingCriteria):
    """Never stops generation; counts steps and keeps the latest token ids (the window's raw codes)."""

    def __init__(self, on_step: Callable[[], None]) -> None:
        self.on_step = on_step
        self.last_ids: torch.Tensor | None = None

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor | None, **kwargs: object
    ) -> torch.BoolTensor:
        self.last_ids = input_ids
        self.on_step()
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
