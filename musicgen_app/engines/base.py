"""What every engine promises: a Plan in, four stems (and what made them) out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..beats import BeatGrid
from ..formats import CHANNELS, SAMPLE_RATE, STEM_NAMES
from ..plan import Plan

__all__ = ["Engine", "EngineResult", "ProgressFn", "Stems", "no_progress", "sum_of"]

#: Receives the fraction (0..1) of the engine's own work that is done.
ProgressFn = Callable[[float], None]


def no_progress(_fraction: float) -> None:
    """A progress callback that ignores what it is told."""


#: Frames per block of :func:`sum_of`: 256 KiB of stereo float32, so a block stays in cache while the
#: terms are added into it.
_SUM_BLOCK_FRAMES = 32_768


def sum_of(terms: Sequence[np.ndarray]) -> np.ndarray:
    """``terms[0] + terms[1] + ...`` (float32, equal shapes), added in that order for every sample.

    A cache-sized block at a time, the blocks split between two threads (numpy releases the GIL): the
    same sums as adding whole arrays, at a fraction of the memory traffic (at 300 s each term is 100 MB).
    """
    total = np.empty(terms[0].shape, dtype=np.float32)
    starts = range(0, total.shape[0], _SUM_BLOCK_FRAMES)

    def add(block_starts: range) -> None:
        for start in block_starts:
            block = total[start : start + _SUM_BLOCK_FRAMES]
            np.copyto(block, terms[0][start : start + _SUM_BLOCK_FRAMES])
            for term in terms[1:]:
                block += term[start : start + _SUM_BLOCK_FRAMES]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sum") as side:
        other_half = side.submit(add, starts[1::2])
        add(starts[::2])
        other_half.result()
    return total


def _frozen_audio(audio: np.ndarray, name: str) -> np.ndarray:
    array = np.ascontiguousarray(audio, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != CHANNELS:
        raise ValueError(f"stem {name!r} must have shape (frames, {CHANNELS}), got {array.shape}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Stems:
    """Four stems of equal length, float32, shape ``(frames, 2)`` at ``sample_rate``.

    The mix is by definition the sum of the stems, so that they always add back up to it.
    """

    vocals: np.ndarray
    drums: np.ndarray
    bass: np.ndarray
    other: np.ndarray
    sample_rate: int = SAMPLE_RATE

    def __post_init__(self) -> None:
        lengths = set()
        for name in STEM_NAMES:
            audio = _frozen_audio(getattr(self, name), name)
            object.__setattr__(self, name, audio)
            lengths.add(audio.shape[0])
        if len(lengths) != 1:
            raise ValueError(f"stems must have equal lengths, got {sorted(lengths)}")

    @property
    def frames(self) -> int:
        return self.vocals.shape[0]

    def items(self) -> list[tuple[str, np.ndarray]]:
        """``(name, audio)`` pairs in :data:`STEM_NAMES` order."""
        return [(name, getattr(self, name)) for name in STEM_NAMES]

    def mix(self) -> np.ndarray:
        """The sum of the four stems, float32 ``(frames, 2)``."""
        # float32 accumulation: four terms add at most a few ulps (below -130 dB), at half the cost
        return sum_of([getattr(self, name) for name in STEM_NAMES])

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> Stems:
        """A new Stems with ``fn`` applied to each stem (the same fn for all four)."""
        return Stems(**{name: fn(audio) for name, audio in self.items()}, sample_rate=self.sample_rate)


@dataclass(frozen=True)
class EngineResult:
    """What an engine made.

    Attributes
    ----------
    stems : the four stems; their sum is the mix.
    engine : engine id (``symbolic``, ``musicgen``).
    model : what made the audio (SoundFont file name, model id).
    license : the license the track's audio carries.
    midi : a Standard MIDI File of the score, when the engine has one.
    sections : ``(name, start_s)`` pairs for markers, when the engine knows them.
    beats : the exact beat grid, when the engine knows it (else the pipeline estimates one).
    notices : sentences for the user (fallbacks, missing stems...).
    extra : engine-specific facts worth storing (measured tempo, ...).
    mix : for an edit that keeps part of a mastered parent, the mix to store: the parent's mix file
        sample for sample where it is kept (the sum of the kept stems can differ from it in the last
        bit), the stems' sum elsewhere. ``None``: the mix is the stems' sum.
    score : the notes the audio plays, as JSON values (``Score.as_dict``), when the engine has a score;
        kept with the track so that an edit of it starts from these notes.
    """

    stems: Stems
    engine: str
    model: str
    license: str
    midi: bytes | None = None
    sections: tuple[tuple[str, float], ...] = ()
    beats: BeatGrid | None = None
    notices: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    mix: np.ndarray | None = None
    score: dict[str, Any] | None = None


class Engine(Protocol):
    """An engine turns a Plan into stems. Implementations are created lazily and reused."""

    name: str
    version: str
    #: Whether ``generate`` gives the four stems itself (else the pipeline separates its mix, and gives
    #: that step its own share of the job's progress).
    makes_stems: bool

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when it can run here, else ``(False, why)``; cheap, no loading."""
        ...

    def generate(self, plan: Plan, *, progress: ProgressFn = no_progress) -> EngineResult:
        """Make the track. Deterministic for ``plan.seed``."""
        ...
