"""Instruments synthesised in numpy where a General MIDI SoundFont has no convincing sound.

The TR-808 bass of trap and modern hip-hop is a tuned kick: a sine whose pitch drops from a knock into
the note, a long decay, a glide into the next note, and saturation that lets the sub be heard on small
speakers. GM's "Synth Bass 1" is none of that, so the ``808`` instrument is rendered here, note by note
on its exact frame (the same onsets the FluidSynth renderer uses), monophonically as the machine is: a new
note cuts the one before it.
"""

from __future__ import annotations

import numpy as np

from .score import Part, Score

__all__ = ["SYNTH_VOICES", "render_808", "render_synth_voice"]

_KNOCK_SEMITONES = 12.0  # the attack starts an octave up and falls into the note
_KNOCK_S = 0.03
_ATTACK_S = 0.002
_RELEASE_S = 0.04
_CUT_S = 0.006  # fade when the next note cuts this one
_GLIDE_SHARE = 0.35  # glides happen over the last part of the note
_DECAY_S = 1.6  # time to fall 20 dB while held
_DRIVE = 2.2
_PEAK = 0.2  # a held 808 then sits about as loud (RMS) as a FluidSynth bass line at the synth gain


def _frame(beats: float, tempo_bpm: float, sr: int) -> int:
    return round(beats * 60.0 / tempo_bpm * sr)


def _note_808(pitch: int, velocity: int, bend: float, frames: int, sr: int) -> np.ndarray:
    """One note, ``frames`` long including its release, mono float32."""
    t = np.arange(frames, dtype=np.float64) / sr
    held_s = max(frames / sr - _RELEASE_S, _ATTACK_S)
    semitones = _KNOCK_SEMITONES * np.exp(-t / (_KNOCK_S / 3.0))
    if bend:
        glide_from = held_s * (1.0 - _GLIDE_SHARE)
        share = np.clip((t - glide_from) / max(held_s - glide_from, 1e-6), 0.0, 1.0)
        semitones += bend * share * share * (3.0 - 2.0 * share)
    hz = 440.0 * 2.0 ** ((pitch - 69 + semitones) / 12.0)
    phase = 2.0 * np.pi * np.cumsum(hz) / sr
    tone = np.sin(phase)
    # The attack ramp starts one frame in, so the note sounds from its very first frame.
    envelope = np.minimum((t + 1.0 / sr) / _ATTACK_S, 1.0) * 10.0 ** (-t / _DECAY_S)
    envelope *= np.clip((frames / sr - t) / _RELEASE_S, 0.0, 1.0)
    saturated = np.tanh(_DRIVE * tone) / np.tanh(_DRIVE)
    amplitude = _PEAK * (velocity / 127.0) ** 1.5
    return (amplitude * envelope * (0.55 * tone + 0.45 * saturated)).astype(np.float32)


def render_808(part: Part, score: Score, *, sample_rate: int) -> np.ndarray:
    """Render an ``808`` part: ``(frames, 2)`` float32 of exactly the score's length, centred.

    Each note starts on its exact frame; it sounds until its end plus a short release, or until the next
    note starts (with a 6 ms fade), whichever comes first. ``Note.bend`` glides over the last third of the
    note and reaches the bent pitch at its end.
    """
    total = round(score.duration_s * sample_rate)
    out = np.zeros(total, dtype=np.float32)
    notes = sorted(part.notes)
    onsets = [_frame(n.start_beat, score.tempo_bpm, sample_rate) for n in notes]
    release = round(_RELEASE_S * sample_rate)
    for index, (note, onset) in enumerate(zip(notes, onsets, strict=True)):
        if onset >= total:
            break
        end = _frame(note.end_beat, score.tempo_bpm, sample_rate) + release
        cut = onsets[index + 1] if index + 1 < len(onsets) else total
        stop = min(end, cut, total)
        if stop <= onset:
            continue
        audio = _note_808(note.pitch, note.velocity, note.bend, end - onset, sample_rate)[: stop - onset]
        if stop == cut and cut < end:
            fade = min(round(_CUT_S * sample_rate), audio.size)
            audio[audio.size - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        out[onset:stop] += audio
    return np.repeat(out[:, None], 2, axis=1)


#: Instruments rendered here instead of by FluidSynth, by canonical instrument name.
SYNTH_VOICES = {"808": render_808}


def render_synth_voice(part: Part, score: Score, *, sample_rate: int) -> np.ndarray:
    """Render ``part`` with the numpy voice of its instrument (a key of :data:`SYNTH_VOICES`)."""
    return SYNTH_VOICES[part.instrument](part, score, sample_rate=sample_rate)
