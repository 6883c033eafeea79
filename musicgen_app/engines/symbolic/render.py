"""Render a Score to four stems with FluidSynth, sample-accurately and deterministically.

FluidSynth applies events only at the boundaries of its 64-frame blocks, so events sent between chunks of
``write_float`` land up to 63 frames late. To place every note on its exact frame
(``round(beats * 60 / tempo * sr)``), each note is rendered on its own, starting on a block boundary, from
note-on until its voices have died away, and added into the part's buffer at its onset frame. This also
makes renders independent of history (see :meth:`Synth.settle`), lets identical notes (drum hits) be rendered
once, and costs nothing in silence. What a shared channel did between notes is reproduced from the score:

- a note is released when the same key sounds again (FluidSynth releases the old voice there too);
- drum keys of one GM exclusive class choke each other (a closed hi-hat cuts the open one), with a short
  fade at the exact frame;
- a note's pitch glide (``Note.bend``) no longer bends the other notes of its channel.

Note-offs stay on block boundaries: a note's release starts within 32 frames (0.7 ms) of its exact end.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.linalg import blas

from ...formats import SAMPLE_RATE, STEM_NAMES
from ..base import ProgressFn, Stems, no_progress, sum_of
from .ambience import mixed_beds, reference_rms
from .effects import apply_chain
from .fluidsynth import BLOCK_FRAMES, DRUM_BANK, DRUM_CHANNEL, Synth, check_soundfont, warm_synth
from .mixing import (
    MixSettings,
    apply_reverb,
    bus_compressor_gain,
    duck_envelope,
    equalize_stem,
    kick_frames,
    mix_settings_for,
    score_genre,
    shape_part,
)
from .score import Part, Score
from .styles.production import DI_PROGRAMS, Production, production_for
from .voices import SYNTH_VOICES, render_synth_voice

__all__ = ["beats_to_frames", "render_part", "render_score"]

MELODIC_CHANNEL = 0
#: GM percussion keys that cut each other off (hi-hats, whistles, guiros, cuicas, triangles).
EXCLUSIVE_CLASSES: tuple[frozenset[int], ...] = (
    frozenset({42, 44, 46}),
    frozenset({71, 72}),
    frozenset({73, 74}),
    frozenset({78, 79}),
    frozenset({80, 81}),
)
_TAIL_CHUNK_FRAMES = 64 * BLOCK_FRAMES
_MAX_TAIL_S = 4.0
_TAIL_FADE_S = 0.25
_CHOKE_FADE_S = 0.03
_TAIL_FLOOR = 1e-3
_TAIL_PROBE_FRAMES = 4 * BLOCK_FRAMES  # tails decay: the end of a chunk tells whether it is done
_MAX_BEND_SEMITONES = 24
_CACHE_BYTES = 64 * 2**20
_PARTS_SHARE = 0.85
_REVERB_DONE = 0.92


def beats_to_frames(beats: float, tempo_bpm: float, sr: int) -> int:
    """Exact frame of a position in beats: ``round(beats * 60 / tempo_bpm * sr)``."""
    return round(beats * 60.0 / tempo_bpm * sr)


@dataclass(frozen=True)
class _NoteJob:
    """Everything the isolated render of a note depends on, hence its cache key; frames from its onset."""

    channel: int
    bank: int
    program: int
    pitch: int
    velocity: int
    release_frame: int  # block-aligned note-off
    bend_semitones: float
    choke_frame: int  # -1 when nothing cuts the note
    limit_frames: int  # frames left until the end of the score, -1 when the note ends well before it


def _exclusive_class(pitch: int) -> frozenset[int]:
    return next((c for c in EXCLUSIVE_CLASSES if pitch in c), frozenset({pitch}))


def _next_onsets(
    pitches: list[int], onsets: list[int], group_of: Callable[[int], frozenset[int]]
) -> list[int]:
    """For each note, the first onset strictly after its own of a note in its group, or -1."""
    by_pitch: dict[int, list[int]] = {}
    for pitch, onset in zip(pitches, onsets, strict=True):
        by_pitch.setdefault(pitch, []).append(onset)
    result = []
    for pitch, onset in zip(pitches, onsets, strict=True):
        later = []
        for other in group_of(pitch):
            times = by_pitch.get(other, [])
            index = bisect.bisect_right(times, onset)
            if index < len(times):
                later.append(times[index])
        result.append(min(later, default=-1))
    return result


def _note_jobs(
    part: Part, tempo_bpm: float, *, sr: int, frames: int, program: int
) -> list[tuple[int, _NoteJob]]:
    """``(onset_frame, job)`` for every note of ``part`` that starts before the end."""
    onsets = [beats_to_frames(n.start_beat, tempo_bpm, sr) for n in part.notes]
    pitches = [n.pitch for n in part.notes]
    same_key = _next_onsets(pitches, onsets, lambda p: frozenset({p}))
    chokes = _next_onsets(pitches, onsets, _exclusive_class) if part.is_drum else [-1] * len(onsets)
    channel, bank = (DRUM_CHANNEL, DRUM_BANK) if part.is_drum else (MELODIC_CHANNEL, 0)
    jobs = []
    for note, onset, retrigger, choke in zip(part.notes, onsets, same_key, chokes, strict=True):
        if onset >= frames:
            continue
        end = beats_to_frames(note.end_beat, tempo_bpm, sr)
        if retrigger >= 0:
            end = min(end, retrigger)
        release = max(BLOCK_FRAMES, round((end - onset) / BLOCK_FRAMES) * BLOCK_FRAMES)
        # Only a note that may ring past the end depends on where the end is: the others can share renders.
        near_end = frames - onset < release + round(_MAX_TAIL_S * sr)
        choke_at, limit = (choke - onset if choke >= 0 else -1), (frames - onset if near_end else -1)
        job = _NoteJob(channel, bank, program, note.pitch, note.velocity, release, note.bend, choke_at, limit)
        jobs.append((onset, job))
    return jobs


def _bend_range(job: _NoteJob) -> int:
    """Pitch wheel range in semitones: enough for the glide, at least the GM default of 2."""
    return min(_MAX_BEND_SEMITONES, max(2, math.ceil(abs(job.bend_semitones))))


def _render_head(synth: Synth, job: _NoteJob, frames: int) -> list[np.ndarray]:
    """From note-on to note-off; a glide is stepped once per block, reaching its target at the end."""
    if not job.bend_semitones:
        return [synth.render(frames)]
    bend_range = _bend_range(job)
    blocks = frames // BLOCK_FRAMES
    chunks = []
    for block in range(blocks):
        wheel = 8192 + round(8191 * job.bend_semitones * (block + 1) / blocks / bend_range)
        synth.pitch_bend(job.channel, min(16383, max(0, wheel)))
        chunks.append(synth.render(BLOCK_FRAMES))
    return chunks


def _stop_frame(job: _NoteJob, sr: int) -> int:
    """Where a note's render ends at the latest: its choke fade, the score's end or the longest tail."""
    stop = job.release_frame + round(_MAX_TAIL_S * sr)
    if job.choke_frame >= 0:
        stop = min(stop, job.choke_frame + round(_CHOKE_FADE_S * sr))
    return min(stop, job.limit_frames) if job.limit_frames >= 0 else stop


def _fade_out(audio: np.ndarray, start: int, frames: int) -> None:
    """Fade ``audio`` linearly to silence over ``frames`` from ``start``, in place."""
    ramp = np.linspace(1.0, 0.0, frames, dtype=np.float32)[: max(0, audio.shape[0] - start)]
    audio[start : start + ramp.size] *= ramp[:, None]


def _start_note(synth: Synth, job: _NoteJob) -> None:
    synth.settle()
    synth.select_program(job.channel, bank=job.bank, program=job.program)
    if job.bend_semitones:
        synth.set_bend_range(job.channel, _bend_range(job))
    synth.pitch_bend(job.channel, 8192)
    synth.note_on(job.channel, job.pitch, job.velocity)


def _render_tail(synth: Synth, chunks: list[np.ndarray], *, start: int, stop: int) -> bool:
    """Render after the note-off until the voices die, ``stop`` or 60 dB under the note's peak (FluidSynth
    would go on to its -90 dB noise floor). True when the note still sounded where it was stopped."""
    floor = _TAIL_FLOOR * max(float(np.abs(c).max(initial=0.0)) for c in chunks)
    done = start
    while done < stop and synth.active_voices():
        chunks.append(synth.render(_TAIL_CHUNK_FRAMES))
        done += _TAIL_CHUNK_FRAMES
        if float(np.abs(chunks[-1][-_TAIL_PROBE_FRAMES:]).max()) < floor:
            synth.silence()
            return False
    sounding = synth.active_voices() > 0
    if sounding:
        synth.silence()
    return sounding


def _render_note(synth: Synth, job: _NoteJob) -> np.ndarray:
    """One note in isolation: ``(n, 2)`` float32 from its onset to its end (see :func:`_stop_frame`)."""
    sr = synth.sample_rate
    stop = _stop_frame(job, sr)
    _start_note(synth, job)
    head = min(job.release_frame, -(-stop // BLOCK_FRAMES) * BLOCK_FRAMES)
    chunks = _render_head(synth, job, head)
    synth.note_off(job.channel, job.pitch)
    sounding = _render_tail(synth, chunks, start=head, stop=stop)
    audio = np.concatenate(chunks)[:stop]
    if job.choke_frame >= 0:
        _fade_out(audio, job.choke_frame, round(_CHOKE_FADE_S * sr))
    elif sounding and audio.shape[0] == job.release_frame + round(_MAX_TAIL_S * sr):
        _fade_out(audio, audio.shape[0] - round(_TAIL_FADE_S * sr), round(_TAIL_FADE_S * sr))
    return audio


class _NoteCache:
    """Renders of identical notes, least recently used dropped past a byte budget."""

    def __init__(self, budget_bytes: int = _CACHE_BYTES) -> None:
        self._items: OrderedDict[_NoteJob, np.ndarray] = OrderedDict()
        self._budget = budget_bytes
        self._bytes = 0

    def get(self, synth: Synth, job: _NoteJob) -> np.ndarray:
        audio = self._items.get(job)
        if audio is not None:
            self._items.move_to_end(job)
            return audio
        audio = _render_note(synth, job)
        self._items[job] = audio
        self._bytes += audio.nbytes
        while self._bytes > self._budget and len(self._items) > 1:
            self._bytes -= self._items.popitem(last=False)[1].nbytes
        return audio


def _drum_kit(synth: Synth, part: Part) -> int:
    # The kit is bank 128's preset ``program`` when the SoundFont has one (GM2 kits: 25 = TR-808,
    # 40 = brush...), else the standard kit.
    return part.program if synth.select_program(DRUM_CHANNEL, bank=DRUM_BANK, program=part.program) else 0


def render_part(part: Part, score: Score, *, synth: Synth, sample_rate: int) -> np.ndarray:
    """Render one part dry: ``(frames, 2)`` float32, ``frames = round(score.duration_s * sample_rate)``.

    Every note starts on its exact frame; see the module docstring for how shared-channel behaviour
    (retriggers, hi-hat chokes) is kept.

    Parameters
    ----------
    part : the part to render (drum parts play bank 128 on MIDI channel 10).
    score : its score (tempo and duration).
    synth : a synth with the SoundFont loaded, rendering at ``sample_rate``.
    sample_rate : output rate in Hz.
    """
    frames = round(score.duration_s * sample_rate)
    out = np.zeros((frames, 2), dtype=np.float32)
    program = _drum_kit(synth, part) if part.is_drum else part.program
    cache = _NoteCache()
    for onset, job in _note_jobs(part, score.tempo_bpm, sr=sample_rate, frames=frames, program=program):
        audio = cache.get(synth, job)[: frames - onset]
        out[onset : onset + audio.shape[0]] += audio
    return out


def _duck_curve(score: Score, settings: MixSettings, *, frames: int, sr: int) -> np.ndarray | None:
    if settings.sidechain_depth <= 0.0:
        return None
    kicks = kick_frames(score, sr=sr)
    release_s = settings.sidechain_release_beats * 60.0 / score.tempo_bpm
    return duck_envelope(
        kicks[kicks < frames], frames=frames, sr=sr, depth=settings.sidechain_depth, release_s=release_s
    )


def _dry_part(part: Part, score: Score, *, soundfont: Path, sample_rate: int) -> np.ndarray:
    """A part as its instrument sounds before the mix: a numpy voice, else FluidSynth."""
    if part.instrument in SYNTH_VOICES:
        return render_synth_voice(part, score, sample_rate=sample_rate)
    if part.instrument in DI_PROGRAMS and not part.is_drum:
        part = replace(part, program=DI_PROGRAMS[part.instrument])
    with warm_synth(soundfont, sample_rate=sample_rate) as synth:
        return render_part(part, score, synth=synth, sample_rate=sample_rate)


def _shaped_parts(
    score: Score,
    *,
    soundfont: Path,
    sample_rate: int,
    settings: MixSettings,
    production: Production,
    threads: int,
) -> Iterator[np.ndarray]:
    """Each part rendered, through its instrument's chain, and shaped (gain, pan, ducking), in score
    order, ``threads`` at a time."""
    duck = _duck_curve(score, settings, frames=round(score.duration_s * sample_rate), sr=sample_rate)

    def work(part: Part) -> np.ndarray:
        dry = _dry_part(part, score, soundfont=soundfont, sample_rate=sample_rate)
        dry = apply_chain(dry, production.part_chain(part.instrument), sr=sample_rate)
        return shape_part(part, dry, settings=settings, sr=sample_rate, duck=duck, out=dry)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fluidsynth") as pool:
        yield from pool.map(work, score.parts)


def _summed_stems(
    parts: tuple[Part, ...], shaped: Iterator[np.ndarray], *, frames: int, progress: ProgressFn
) -> Iterator[tuple[str, np.ndarray, np.ndarray | None]]:
    """``(stem, dry stem, reverb send bus or None)`` for each stem, as soon as its last part is summed.

    Parts are summed in score order (so the result never depends on timing); a stem is handed on when
    no later part goes into it, so its bus can run while the parts of other stems still render. A stem's
    first part becomes the stem's buffer and later ones are added in place: at 300 s every avoided
    temporary is 100 MB of fresh pages. Stems without parts come last, silent.
    """
    stems: dict[str, np.ndarray] = {}
    sends: dict[str, np.ndarray] = {}
    remaining = Counter(part.stem for part in parts)
    counts = np.cumsum([len(p.notes) + 1 for p in parts])
    for part, audio, count in zip(parts, shaped, counts, strict=True):
        if part.reverb_send > 0.0:
            if part.stem in sends:
                bus = blas.saxpy(audio.ravel(), sends[part.stem].ravel(), a=part.reverb_send)
                sends[part.stem] = bus.reshape(audio.shape)
            else:
                sends[part.stem] = np.float32(part.reverb_send) * audio
        if part.stem in stems:
            stems[part.stem] += audio
        else:
            stems[part.stem] = audio
        progress(float(count / counts[-1]))
        remaining[part.stem] -= 1
        if not remaining[part.stem]:
            yield part.stem, stems[part.stem], sends.get(part.stem)
    for name in STEM_NAMES:
        if name not in stems:
            yield name, np.zeros((frames, 2), np.float32), None


def _stem_bus(
    name: str,
    audio: np.ndarray,
    send: np.ndarray | None,
    score: Score,
    settings: MixSettings,
    production: Production,
    sr: int,
) -> np.ndarray:
    """One stem (owned, changed in place) plus the reverb return of its own send bus, equalised, then
    through the style's stem chain (each stem on its own, so they still sum to the mix)."""
    if send is not None:
        audio += apply_reverb(send, sr=sr, rt60_s=settings.reverb_rt60_s)
    parts = score.parts_for_stem(name)
    audio = equalize_stem(audio, stem=name, parts=parts, settings=settings, sr=sr, out=audio)
    return apply_chain(audio, production.stem_chain(name), sr=sr) if parts else audio


def _mix_of(stems: dict[str, np.ndarray]) -> np.ndarray:
    return sum_of([stems[name] for name in STEM_NAMES])


def _compress_and_add_ambience(
    stems: dict[str, np.ndarray], beds: np.ndarray | None, settings: MixSettings, *, sr: int
) -> dict[str, np.ndarray]:
    """Stems (owned, changed in place) with one compressor gain applied to all, then ambience in other."""
    if settings.bus_compression:
        gain = bus_compressor_gain(_mix_of(stems), sr=sr)[:, None]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="bus-gain") as pool:
            list(pool.map(lambda audio: np.multiply(audio, gain, out=audio), stems.values()))
    if beds is not None:
        beds *= np.float32(reference_rms(_mix_of(stems)))
        stems["other"] += beds
    return stems


def render_score(
    score: Score,
    *,
    soundfont: Path,
    sample_rate: int = SAMPLE_RATE,
    progress: ProgressFn = no_progress,
    seed: int = 0,
    threads: int = 2,
) -> Stems:
    """Render ``score`` to four stems of exactly ``round(score.duration_s * sample_rate)`` frames.

    Parts are rendered dry, shaped (gain, pan, ducking) and summed into their stems; each stem's reverb
    return stays in that stem; stems are equalised; the bus compressor applies one gain curve to all
    stems; ambience goes into ``other``. The same score, seed and SoundFont give identical PCM whatever
    ``threads`` is.

    Parameters
    ----------
    score : what to render.
    soundfont : the ``.sf2`` file.
    sample_rate : output rate in Hz.
    progress : told the fraction done (monotonic, ends at 1.0).
    seed : seeds the ambience.
    threads : parts rendered in parallel, one warm synth each.

    Raises
    ------
    EngineUnavailable
        When libfluidsynth or the SoundFont is missing.
    """
    if threads < 1 or sample_rate <= 0:
        raise ValueError(f"threads must be >= 1 and sample_rate > 0, got {threads}, {sample_rate}")
    soundfont = check_soundfont(soundfont)
    settings = mix_settings_for(score)
    production = production_for(score_genre(score))
    frames = round(score.duration_s * sample_rate)
    # Ambience needs nothing from the music but its final level: synthesise it while the parts render.
    # Each stem's bus (reverb, EQ, stem chain) starts as soon as its last part is summed, beside the
    # parts still rendering; stems are independent and the convolution, resampler, filters and effects
    # all release the GIL.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="ambience") as side,
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stem-bus") as buses,
    ):
        beds = side.submit(mixed_beds, score.ambience, frames=frames, sr=sample_rate, seed=seed)
        shaped = _shaped_parts(
            score,
            soundfont=soundfont,
            sample_rate=sample_rate,
            settings=settings,
            production=production,
            threads=threads,
        )
        summed = _summed_stems(
            score.parts, shaped, frames=frames, progress=lambda done: progress(_PARTS_SHARE * done)
        )
        finishing = {
            name: buses.submit(_stem_bus, name, audio, send, score, settings, production, sample_rate)
            for name, audio, send in summed
        }
        stems = {name: finishing[name].result() for name in STEM_NAMES}
        progress(_REVERB_DONE)
        bed = beds.result() if score.ambience else None
    stems = _compress_and_add_ambience(stems, bed, settings, sr=sample_rate)
    progress(1.0)
    return Stems(**stems, sample_rate=sample_rate)
