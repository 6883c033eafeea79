"""Command line: ``python -m musicgen_app generate|serve|separate|genres``.

The CLI only parses arguments, calls the library and maps the error tree to exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import MusicgenAppError

__all__ = ["main"]


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="make one track into a directory")
    p.add_argument("prompt", help="what to make, in words")
    p.add_argument("--duration", type=int, default=30, help="seconds (5-300)")
    p.add_argument("--format", dest="output_format", default="mp3", help="mp3, wav, flac or ogg")
    p.add_argument("--genre", default=None, help="a genre id or alias (see `genres`)")
    p.add_argument("--tempo", type=int, default=None, help="BPM (40-220)")
    p.add_argument("--seed", type=int, default=None, help="same seed, same track")
    p.add_argument("--engine", default="auto", help="auto, symbolic or musicgen")
    p.add_argument("--out", type=Path, default=Path("out"), help="output directory")


def _generate(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .pipeline import JobSpec, produce_track
    from .prompt.interpret import interpret
    from .request import parse_request

    body = {
        k: getattr(args, k)
        for k in ("prompt", "duration", "output_format", "genre", "tempo", "seed", "engine")
        if getattr(args, k) is not None
    }
    request = parse_request(body)
    settings = load_settings()
    plan = interpret(request, seed=request.seed_or_new())
    config = settings.engine_config()
    args.out.mkdir(parents=True, exist_ok=True)
    spec = JobSpec("0" * 32, plan.as_dict(), request.output_format, request.engine, config)
    outcome = produce_track(spec, args.out, progress=_print_progress)
    print(file=sys.stderr)
    manifest = _manifest(plan.as_dict(), outcome, request.as_body())
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(json.dumps({"out": str(args.out), "files": manifest["files"], "engine": outcome.engine}))
    return 0


def _manifest(plan: dict[str, Any], outcome: Any, request: dict[str, Any]) -> dict[str, Any]:
    files = {**outcome.files, "manifest": "manifest.json"}
    return {
        "request": request,
        "plan": plan,
        "files": files,
        "engine": outcome.engine,
        "engine_version": outcome.engine_version,
        "model": outcome.model,
        "key": outcome.key,
        "license": outcome.license,
        "loudness_lufs": outcome.loudness_lufs,
        "true_peak_dbtp": outcome.true_peak_dbtp,
        "notices": list(outcome.notices),
        "sections": [{"name": name, "start_s": start} for name, start in outcome.sections],
    }


def _print_progress(fraction: float) -> None:
    print(f"\r{fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)


def _serve(_args: argparse.Namespace) -> int:
    import uvicorn

    from .config import load_settings
    from .web import create_app

    settings = load_settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
    return 0


def _genres(_args: argparse.Namespace) -> int:
    from .genres import GENRES

    for genre in GENRES:
        low, high = genre.tempo_range
        print(f"{genre.id:15} {low:3}-{high:3} BPM  {', '.join(genre.aliases)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musicgen_app", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_generate(sub)
    sub.add_parser("serve", help="serve the studio and the API (same as python app.py)")
    sub.add_parser("genres", help="list the known genres")
    from .audio.separate_cli import add_separate_arguments
    from .config import load_settings

    settings = load_settings()
    add_separate_arguments(
        sub.add_parser("separate", help="split an audio file into 4 stems (Demucs)"),
        default_model=settings.demucs_model,
        default_repo=settings.demucs_repo,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"generate": _generate, "serve": _serve, "genres": _genres}
    try:
        if args.command == "separate":
            from .audio.separate_cli import run_separate

            return run_separate(args)
        return handlers[args.command](args)
    except MusicgenAppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
