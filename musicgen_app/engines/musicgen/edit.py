"""MusicGen edits of a finished track's audio: continue it from a bar line (extend), make a span of it
anew (regenerate), and cut a seamless loop of whole bars from it.

All three work on the parent's mastered audio (44.1 kHz stereo, as its file decodes) and its beat grid
(MusicGen's is estimated from the audio). The parent's samples are kept as they are before the edit
point; the model's new music joins them with an equal-power crossfade (the two are different
recordings, so their powers add), at the parent's level (RMS matched where both play).

- Extend: the model hears the last window of the parent's codes before a bar line and continues from
  there; the parent's samples run to that bar line, then cross into the continuation.
- Regenerate: the same from the span's first bar line (the model hears the music before it), for the
  span's length; at the span's end the new music crosses back into the parent's samples. A span too
  short for two crossfades, or longer than what the model makes well after one prompt, is refused.
- Loop: a whole number of bars at the measured tempo, time-stretched to the whole BPM the loop is
  tagged with, its tail (the audio after its last bar) crossfaded into its head, so that its last
  sample is followed by the sample that followed it in the music: the seam is as smooth as the music.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import GenerationFailed
from ...plan import bar_seconds

__all__ = [
    "CROSSFADE_S",
    "MAX_SPAN_S",
    "MIN_SPAN_S",
    "EditedAudio",
    "bar_line_after",
    "bar_line_before",
    "crossfade",
    "level_gain",
    "loop_from",
    "loop_length_frames",
    "loop_start_frame",
    "splice_extension",
    "splice_span",
]

#: Length of each crossfade between the parent's samples and the model's new music.
CROSSFADE_S = 0.5
#: Shortest span regenerate makes: a crossfade at each end and a second of new music between them.
MIN_SPAN_S = 2 * CROSSFADE_S + 1.0
#: Longest span regenerate makes: one model window (30 s) after its 10 s prompt. Past that a span is
#: made of several windows, each hearing only the new music, and it drifts away from the track.
MAX_SPAN_S = 20.0


@dataclass(frozen=True)
class EditedAudio:
    """The child's mix ``(frames, 2)`` and the frames ``[start, stop)`` where it differs from the parent."""

    mix: np.ndarray
    changed: tuple[int, int]


def bar_line_before(downbeats_s: tuple[float, ...], time_s: float) -> float:
    """The last bar line at or before ``time_s`` (0 when the grid has none there)."""
    return max((d for d in downbeats_s if d <= time_s + 1e-6), default=0.0)


def bar_line_after(downbeats_s: tuple[float, ...], time_s: float, end_s: float) -> float:
    """The first bar line at or after ``time_s``, or ``end_s`` when none comes before it."""
    return min((d for d in downbeats_s if time_s - 1e-6 <= d < end_s), default=end_s)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0


def level_gain(reference: np.ndarray, new: np.ndarray) -> float:
    """The gain that gives ``new`` the level (RMS) of ``reference`` (1 when either is silent)."""
    ours, theirs = _rms(new), _rms(reference)
    return theirs / ours if ours > 1e-6 and theirs > 1e-6 else 1.0


def crossfade(out: np.ndarray, into: np.ndarray) -> np.ndarray:
    """An equal-power crossfade ``(frames, 2)`` from ``out`` to ``into`` (unrelated audio: powers add)."""
    t = (np.arange(out.shape[0], dtype=np.float64) + 0.5) / max(out.shape[0], 1)
    fade_out, fade_in = np.cos(0.5 * np.pi * t)[:, None], np.sin(0.5 * np.pi * t)[:, None]
    return (out * fade_out + into * fade_in).astype(np.float32)


def splice_extension(parent: np.ndarray, cut: int, new: np.ndarray, total: int, fade: int) -> EditedAudio:
    """``parent`` ``(frames, 2)`` up to frame ``cut``, crossfading over ``fade`` frames into ``new``
    (audio starting at ``cut``, at the parent's level already), ``total`` frames in all."""
    if new.shape[0] < total - cut:
        raise GenerationFailed(f"the model made {new.shape[0]} frames; {total - cut} were needed")
    fade = min(fade, parent.shape[0] - cut, total - cut)
    joined = crossfade(parent[cut : cut + fade], new[:fade])
    mix = np.concatenate([parent[:cut], joined, new[fade : total - cut]]).astype(np.float32)
    return EditedAudio(mix, (cut, total))


def splice_span(parent: np.ndarray, start: int, stop: int, new: np.ndarray, fade: int) -> EditedAudio:
    """``parent`` with frames ``[start, stop)`` replaced by ``new`` (which starts at ``start``, runs at
    least ``fade`` frames past ``stop`` and is at the parent's level): a crossfade in at ``start`` and
    one back into the parent's samples from ``stop``. A span ending the track has no second fade."""
    frames = parent.shape[0]
    back = min(fade, frames - stop)
    if new.shape[0] < stop - start + back:
        raise GenerationFailed(f"the model made {new.shape[0]} frames; {stop - start + back} were needed")
    body = np.array(new[: stop - start + back], dtype=np.float32)
    if start > 0:
        body[:fade] = crossfade(parent[start : start + fade], body[:fade])
    if back:
        body[-back:] = crossfade(body[-back:], parent[stop : stop + back])
    mix = np.concatenate([parent[:start], body, parent[stop + back :]]).astype(np.float32)
    return EditedAudio(mix, (start, stop + back))


def loop_start_frame(
    downbeats_s: tuple[float, ...], length: int, fade: int, frames: int, sample_rate: int
) -> int:
    """Where a loop of ``length`` frames (plus ``fade`` frames of tail) starts: the first bar line after
    the first bar (an opening is seldom the groove) that leaves room, else the first that does.

    Raises
    ------
    GenerationFailed
        When no bar line leaves room for the loop and its tail.
    """
    fits = [round(d * sample_rate) for d in downbeats_s if round(d * sample_rate) + length + fade <= frames]
    if not fits:
        raise GenerationFailed(
            f"the track is too short for a loop of {length / sample_rate:.2f} s and its "
            f"{fade / sample_rate:.2f} s crossfade"
        )
    later = [start for start in fits if start > 0]
    return later[0] if later else fits[0]


def loop_from(audio: np.ndarray, start: int, length: int, fade: int) -> np.ndarray:
    """``length`` frames of ``audio`` from ``start``, with the ``fade`` frames that follow them
    crossfaded into their first ``fade``: the loop's first sample is the one that followed its last.

    The crossfade is equal-gain: both sides come from the same recording a whole number of bars apart,
    so they play the same groove and add in phase more than not.
    """
    if start + length + fade > audio.shape[0]:
        raise GenerationFailed("the audio is too short for the loop and its crossfade")
    one = np.array(audio[start : start + length], dtype=np.float32)
    tail = audio[start + length : start + length + fade]
    weight = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)[:, None]
    one[:fade] = (1.0 - weight) * tail + weight * one[:fade]
    return one


def loop_length_frames(bars: int, tempo_bpm: float, time_signature: tuple[int, int], sample_rate: int) -> int:
    """Frames in ``bars`` bars at ``tempo_bpm``, rounded to a frame."""
    return round(bars * bar_seconds(tempo_bpm, time_signature) * sample_rate)
