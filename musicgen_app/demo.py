"""``make demo``: one 30 s track per genre, a spectrogram PNG each, and an HTML page to compare them.

    python -m musicgen_app.demo --out demo [--duration 30] [--format mp3] [--seed 7] [--genres ID ...]
    python -m musicgen_app.demo --out demo-new --before demo-old --genres hip-hop   # before/after

The tracks are made by the same pipeline the service runs (symbolic engine), so the page is an honest
listening test of what users get. Each track has a readout of its stems (loudness, level against the mix,
energy per band: see :mod:`.audio.balance`), so a production change is judged by ear and by numbers.
With ``--before`` (the ``--out`` of an earlier run, e.g. at another commit), each genre of this run
stands beside that run's track. Nothing here is committed: ``demo/`` is ignored by git.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from .audio.balance import BANDS, stem_readouts
from .config import load_settings
from .engines.registry import EngineConfig
from .genres import GENRES, Genre
from .pipeline import JobSpec, produce_track
from .prompt.interpret import interpret
from .request import parse_request

__all__ = ["genre_prompt", "main", "spectrogram_png"]


def genre_prompt(genre: Genre) -> str:
    """A prompt that names the genre and its description, as a user might write it."""
    return f"{genre.name}: {genre.description}"


def _log_spectrogram(mono: np.ndarray, sr: int, *, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    import librosa

    power = np.abs(librosa.stft(mono, n_fft=n_fft, hop_length=hop)) ** 2
    mel = librosa.feature.melspectrogram(S=power, sr=sr, n_mels=160, fmax=sr / 2)
    return librosa.power_to_db(mel, ref=np.max, top_db=80.0)


def spectrogram_png(audio: np.ndarray, sr: int, path: Path, *, width: int = 900, height: int = 200) -> Path:
    """Write a mel spectrogram of ``audio`` ((frames, channels) float) as a PNG image."""
    from PIL import Image

    db = _log_spectrogram(audio.mean(axis=1).astype(np.float32), sr)
    level = ((db + 80.0) / 80.0).clip(0.0, 1.0)[::-1]  # low frequencies at the bottom
    # a small perceptual ramp: black -> indigo -> orange -> pale yellow
    stops = np.array([[0, 0, 0], [60, 20, 120], [230, 110, 30], [255, 250, 200]], dtype=np.float32)
    position = level * (len(stops) - 1)
    low = np.floor(position).astype(int).clip(0, len(stops) - 2)
    frac = (position - low)[..., None]
    rgb = (stops[low] * (1 - frac) + stops[low + 1] * frac).astype(np.uint8)
    Image.fromarray(rgb, "RGB").resize((width, height), Image.BILINEAR).save(path)
    return path


def _readout_table(readouts: list[dict]) -> str:
    head = "".join(f"<th>{html.escape(name)} %</th>" for name, _, _ in BANDS)
    rows = "".join(
        f"<tr><td>{html.escape(r['name'])}</td><td>{r['loudness_lufs']:.1f}</td><td>{r['vs_mix_db']:.1f}</td>"
        + "".join(f"<td>{r['band_percent'][name]:.1f}</td>" for name, _, _ in BANDS)
        + "</tr>"
        for r in readouts
    )
    return f"<table><tr><th>stem</th><th>LUFS</th><th>dB vs mix</th>{head}</tr>{rows}</table>"


def _track_view(row: dict, prefix: str = "") -> str:
    return (
        f"<div><p>{html.escape(row['prompt'])}</p>"
        f"<audio controls preload='none' src='{html.escape(prefix + row['audio'])}'></audio>"
        f"<img src='{html.escape(prefix + row['png'])}' alt='spectrogram of {html.escape(row['genre'])}'>"
        f"{_readout_table(row.get('readout', []))}</div>"
    )


def _page(rows: list[dict], before: dict[str, dict] | None = None, before_prefix: str = "") -> str:
    items = []
    for row in rows:
        heading = (
            f"<h2>{html.escape(row['genre'])} <small>{row['tempo']} BPM · {html.escape(row['key'])}"
            f" · {row['seconds']:.1f} s to make</small></h2>"
        )
        old = (before or {}).get(row["genre"])
        if old is None:
            items.append(f"<section>{heading}{_track_view(row)}</section>")
        else:
            items.append(
                f"<section>{heading}<div class='pair'><div><h3>before</h3>{_track_view(old, before_prefix)}"
                f"</div><div><h3>after</h3>{_track_view(row)}</div></div></section>"
            )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}"
        "section{margin:1.5em 0;padding-bottom:1em;border-bottom:1px solid #ddd}"
        ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}"
        "table{border-collapse:collapse;font-size:.85em;margin-top:.5em}"
        "td,th{border:1px solid #ddd;padding:.15em .5em;text-align:right}"
        "img{width:100%;display:block;margin-top:.5em}audio{width:100%}small{color:#777;font-weight:normal}"
    )
    title = "before and after" if before else "one track per genre"
    return (
        "<!doctype html><meta charset='utf-8'><title>musicgen_app demo</title>"
        f"<style>{style}</style><h1>musicgen_app: {title}</h1>{''.join(items)}"
    )


def _readout(target: Path, files: dict[str, str]) -> list[dict]:
    """Balance readout of a made track's stems (read back from its files)."""
    stems, sr = {}, 44_100
    for name in ("vocals", "drums", "bass", "other"):
        audio, sr = sf.read(target / files[name], always_2d=True, dtype="float32")
        stems[name] = audio
    shortest = min(a.shape[0] for a in stems.values())  # lossy decoders may differ by a few frames
    return [r.as_dict() for r in stem_readouts({k: a[:shortest] for k, a in stems.items()}, sr)]


def _render_one(genre: Genre, out: Path, *, duration: int, fmt: str, seed: int, config: EngineConfig) -> dict:
    slug = genre.id.replace(" ", "-").replace("&", "n")
    request = parse_request(
        {
            "prompt": genre_prompt(genre),
            "duration": duration,
            "output_format": fmt,
            "genre": genre.id,
            "seed": seed,
            "engine": "symbolic",
        }
    )
    plan = interpret(request, seed=seed)
    target = out / slug
    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    outcome = produce_track(JobSpec("0" * 32, plan.as_dict(), fmt, "symbolic", config), target)
    seconds = time.perf_counter() - start
    audio, sr = sf.read(target / outcome.files["mix"], always_2d=True)
    spectrogram_png(audio, sr, target / "spectrogram.png")
    return {
        "genre": genre.name,
        "tempo": plan.tempo_bpm,
        "key": plan.key_name,
        "prompt": plan.prompt,
        "audio": f"{slug}/{outcome.files['mix']}",
        "png": f"{slug}/spectrogram.png",
        "seconds": seconds,
        "readout": _readout(target, outcome.files),
    }


def _earlier_run(folder: Path) -> dict[str, dict]:
    """The rows of an earlier run (its ``index.json``), by genre name."""
    index = folder / "index.json"
    if not index.is_file():
        raise SystemExit(f"--before {folder}: no index.json there (give the --out of an earlier demo run)")
    return {row["genre"]: row for row in json.loads(index.read_text())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo"))
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--format", default="mp3")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--genres", nargs="*", default=None, help="genre ids (default: all)")
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's --out, shown beside")
    args = parser.parse_args(argv)
    before = _earlier_run(args.before) if args.before else None
    settings = load_settings()
    config = settings.engine_config()
    genres = [g for g in GENRES if not args.genres or g.id in args.genres]
    rows = []
    for genre in genres:
        rows.append(
            _render_one(
                genre, args.out, duration=args.duration, fmt=args.format, seed=args.seed, config=config
            )
        )
        print(f"{genre.id:15} {rows[-1]['tempo']:4} BPM  {rows[-1]['seconds']:.1f} s")
    prefix = os.path.relpath(args.before, args.out) + "/" if args.before else ""
    (args.out / "index.html").write_text(_page(rows, before, prefix))
    (args.out / "index.json").write_text(json.dumps(rows, indent=2))
    print(f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
