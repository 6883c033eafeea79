"""Seconds per stage of the symbolic renderer, and its realtime factor, for 30 s and 300 s scores.

    python bench/render_speed.py [--durations 30 300] [--threads 1 2] [--json PATH]

Scores are built here (7 parts: drums, bass, electric piano, lead, pad, arpeggio, choir; humanised timing
and velocity from a fixed seed; rain and vinyl ambience), so the figures do not move when the composer does.
Stages: synth (every part rendered dry, in parallel), mixing (shaping, stems, reverb, EQ, bus compressor),
ambience (synthesised while the parts render, in render_score), then ``render_score`` end to end.
Run it under ``flock /tmp/musicgen_bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.engines.base import no_progress
from musicgen_app.engines.symbolic.ambience import mixed_beds
from musicgen_app.engines.symbolic.fluidsynth import warm_synth
from musicgen_app.engines.symbolic.mixing import mix_settings_for, score_genre, shape_part
from musicgen_app.engines.symbolic.render import (  # stages of render_score, timed one by one
    _compress_and_add_ambience,
    _duck_curve,
    _stem_bus,
    _summed_stems,
    render_part,
    render_score,
)
from musicgen_app.engines.symbolic.score import Note, Part, Score
from musicgen_app.engines.symbolic.styles.production import production_for
from musicgen_app.formats import STEM_NAMES

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SR = 44_100
TEMPO_BPM = 96.0
CHORDS = ((50, 53, 57, 60), (55, 58, 62, 65), (48, 52, 55, 59), (53, 57, 60, 64))  # Dm7 Gm7 Cmaj7 Fmaj7


def _note(rng: np.random.Generator, beat: float, beats: float, pitch: int, velocity: int, bend=0.0) -> Note:
    """A note played by a person: onset within ~10 ms of the grid, velocity within ~8 of the intent."""
    start = max(0.0, beat + rng.normal(0.0, 0.015))
    return Note(start, beats, pitch, int(np.clip(velocity + rng.normal(0, 8), 20, 127)), bend)


def _drums(rng, bars: int) -> list[Note]:
    notes = []
    for bar in range(bars):
        for step in range(16):
            beat = bar * 4 + step / 4
            if step in (0, 10):
                notes.append(_note(rng, beat, 0.25, 36, 105))
            if step in (4, 12):
                notes.append(_note(rng, beat, 0.25, 38, 100))
            if step % 2 == 0:
                notes.append(_note(rng, beat, 0.25, 46 if step == 14 else 42, 70))
    return notes


def _band(rng, bars: int) -> dict[str, list[Note]]:
    parts: dict[str, list[Note]] = {"bass": [], "keys": [], "lead": [], "pad": [], "arp": [], "choir": []}
    for bar in range(bars):
        chord, start = CHORDS[bar % 4], bar * 4.0
        for eighth in range(8):
            bend = 2.0 if eighth == 7 and bar % 4 == 3 else 0.0
            parts["bass"].append(_note(rng, start + eighth / 2, 0.45, chord[0] - 12, 95, bend))
            parts["arp"].append(_note(rng, start + eighth / 2, 0.4, chord[eighth % 4] + 12, 60))
        for hit in (0.0, 1.5, 2.5):
            parts["keys"] += [_note(rng, start + hit, 1.0, pitch, 75) for pitch in chord]
        for step in range(6):
            parts["lead"].append(_note(rng, start + step * 0.66, 0.6, int(rng.choice(chord)) + 12, 85))
        if bar % 2 == 0:
            parts["pad"] += [Note(start, 7.8, p, 55) for p in chord]
            parts["choir"] += [Note(start, 7.8, p + 12, 50) for p in chord[1:]]
    return parts


def realistic_score(duration_s: float, *, seed: int = 1) -> Score:
    """A 7-part arrangement filling ``duration_s`` at 96 BPM, ending a bar before the end."""
    rng = np.random.default_rng(seed)
    bars = max(1, int(duration_s * TEMPO_BPM / 60 / 4) - 1)
    band = _band(rng, bars)
    parts = (
        Part("drums", "drums", 0, tuple(_drums(rng, bars)), is_drum=True, reverb_send=0.1),
        Part("bass", "bass", 33, tuple(band["bass"]), gain_db=-1.0, reverb_send=0.0),
        Part("keys", "other", 4, tuple(band["keys"]), gain_db=-4.0, pan=-0.25, reverb_send=0.3),
        Part("lead", "other", 11, tuple(band["lead"]), gain_db=-2.0, pan=0.15, reverb_send=0.35),
        Part("pad", "other", 89, tuple(band["pad"]), gain_db=-8.0, reverb_send=0.4),
        Part("arp", "other", 46, tuple(band["arp"]), gain_db=-9.0, pan=0.4, reverb_send=0.3),
        Part("choir", "vocals", 52, tuple(band["choir"]), gain_db=-10.0, reverb_send=0.5),
    )
    return Score(TEMPO_BPM, (4, 4), "D", "dorian", duration_s, parts, ambience=("rain", "vinyl"))


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def _render_dry(score: Score, threads: int) -> list[np.ndarray]:
    def work(part: Part) -> np.ndarray:
        with warm_synth(SOUNDFONT, sample_rate=SR) as synth:
            return render_part(part, score, synth=synth, sample_rate=SR)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, score.parts))


def _mix(score: Score, dry: list[np.ndarray]) -> dict[str, np.ndarray]:
    """What render_score does after the synth: shape, sum into stems, reverb, EQ, bus compressor."""
    settings = mix_settings_for(score)
    frames = round(score.duration_s * SR)
    duck = _duck_curve(score, settings, frames=frames, sr=SR)
    shaped = (
        shape_part(part, audio, settings=settings, sr=SR, duck=duck, out=audio)
        for part, audio in zip(score.parts, dry, strict=True)
    )
    production = production_for(score_genre(score))
    summed = _summed_stems(score.parts, shaped, frames=frames, progress=no_progress)
    stems = {
        name: _stem_bus(name, audio, send, score, settings, production, SR) for name, audio, send in summed
    }
    return _compress_and_add_ambience({name: stems[name] for name in STEM_NAMES}, None, settings, sr=SR)


def measure(duration_s: float, threads: int) -> dict[str, float]:
    score = realistic_score(duration_s)
    frames = round(duration_s * SR)
    _render_dry(realistic_score(2.0), threads)  # warm synths, as a worker process has them
    dry, t_synth = _timed(_render_dry, score, threads)
    _, t_mix = _timed(_mix, score, dry)
    _, t_ambience = _timed(mixed_beds, score.ambience, frames=frames, sr=SR, seed=1)
    _, t_total = _timed(render_score, score, soundfont=SOUNDFONT, threads=threads)
    return {
        "duration_s": duration_s,
        "threads": threads,
        "notes": sum(len(p.notes) for p in score.parts),
        "synth_s": t_synth,
        "mixing_reverb_s": t_mix,
        "ambience_s": t_ambience,
        "render_score_s": t_total,
        "realtime_factor": duration_s / t_total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--durations", type=float, nargs="+", default=[30.0, 300.0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    header = f"{'dur s':>6} {'thr':>3} {'notes':>6} {'synth':>7} {'mix+rev':>8} {'ambience':>8} "
    print(header + f"{'total':>7} {'x realtime':>10}")
    rows = []
    for duration_s in args.durations:
        for threads in args.threads:
            row = measure(duration_s, threads)
            rows.append(row)
            print(
                f"{row['duration_s']:6.0f} {threads:3d} {row['notes']:6d} {row['synth_s']:7.3f} "
                f"{row['mixing_reverb_s']:8.3f} {row['ambience_s']:8.3f} {row['render_score_s']:7.3f} "
                f"{row['realtime_factor']:10.1f}"
            )
    if args.json:
        meta = {"machine": platform.platform(), "python": platform.python_version()}
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
