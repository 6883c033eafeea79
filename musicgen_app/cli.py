"""Command line: ``python -m musicgen_app generate|serve|separate|genres``.

The CLI only parses arguments, calls the library and maps the error tree to exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import MusicgenAppError, StartupRefused

__all__ = ["main"]


#: Request fields that mean something only to a server (a callback when a queued job ends).
_SERVER_ONLY_FIELDS = ("webhook_url",)


def _names(text: str) -> list[str]:
    """A list option: names separated by commas ("piano, upright bass")."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _json_option(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be JSON ({exc})") from None


#: How each kind of request field is typed on the command line (strings otherwise).
_OPTION_TYPES = {"integer": int, "list": _names, "sections": _json_option}


def _add_generate(sub: argparse._SubParsersAction) -> None:
    """Options from the request rules themselves (``request.REQUEST_FIELDS``): the same names, bounds,
    choices and defaults as the REST body, so the CLI cannot drift from the API."""
    from .request import REQUEST_FIELDS

    p = sub.add_parser(
        "generate",
        help="make one track into a directory",
        description="Make one track into a directory: the lossless master, the mix and stems in the "
        "chosen format, waveform, beat grid, MIDI and manifest.json (the same record GET /v1/music/{id} "
        "answers, with paths instead of URLs).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for rule in REQUEST_FIELDS:
        if rule.name in _SERVER_ONLY_FIELDS:
            continue
        help_text = f"{rule.description} ({rule.rule.removeprefix('must be ')})"
        if rule.required:
            p.add_argument(rule.name, help=help_text)
            continue
        flag = "--format" if rule.name == "output_format" else f"--{rule.name.replace('_', '-')}"
        p.add_argument(
            flag, dest=rule.name, type=_OPTION_TYPES.get(rule.kind, str), default=rule.default, help=help_text
        )
    p.add_argument("--out", type=Path, default=Path("out"), help="output directory")


def _generate(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .engines.controls import engine_for_controls
    from .formats import STEM_NAMES
    from .pipeline import JobSpec, produce_track
    from .prompt.interpret import interpret
    from .request import REQUEST_FIELDS, parse_request
    from .store.encoded import EncodedFiles
    from .track import Track
    from .track_json import file_link, track_json

    body = {
        r.name: getattr(args, r.name)
        for r in REQUEST_FIELDS
        if r.name not in _SERVER_ONLY_FIELDS and getattr(args, r.name) is not None
    }
    request, _why = engine_for_controls(parse_request(body))
    settings = load_settings()
    plan = interpret(request, seed=request.seed_or_new())
    track = Track.new(request, plan)
    args.out.mkdir(parents=True, exist_ok=True)
    spec = JobSpec(
        track.id, track.plan, track.output_format, track.engine_requested, settings.engine_config()
    )
    outcome = produce_track(spec, args.out, progress=lambda done: _print_progress(_JOB_SHARE * done))
    track = track.completed_with(outcome)
    # the service encodes the stems after completion; here the command waits for them, one at a time,
    # so the progress goes on to 100 % instead of waiting at the job's end
    encoded = EncodedFiles(lambda _track_id, relative: args.out / relative)
    for done, name in enumerate(STEM_NAMES, start=1):
        encoded.encode_all(track, track.output_format, (name,))
        _print_progress(_JOB_SHARE + (1.0 - _JOB_SHARE) * done / len(STEM_NAMES))
    print(file=sys.stderr)
    manifest = track_json(track, file_link(track), ready=encoded.ready(track))
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    print(
        json.dumps(
            {"out": str(args.out), "id": track.id, "audio": manifest["audio_url"], "engine": track.engine}
        )
    )
    return 0


#: The job's share of the command's progress; the stems in the requested format take the rest.
_JOB_SHARE = 0.85


def _print_progress(fraction: float) -> None:
    print(f"\r{fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .config import load_settings
    from .web import create_app

    settings = load_settings(**({"workers": 0} if args.no_workers else {}))
    # the app believes forwarded headers per MUSICGEN_APP_TRUSTED_PROXIES (uvicorn's own copy is off)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, proxy_headers=False)
    return 0


def _worker(args: argparse.Namespace) -> int:
    import logging

    from .config import load_settings
    from .jobs.worker_node import run_worker_node

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()  # refuse a bad configuration here, before any process starts
    if settings.queue == "dramatiq" and not settings.broker_url:
        raise StartupRefused("MUSICGEN_APP_QUEUE=dramatiq needs MUSICGEN_APP_BROKER_URL")
    return run_worker_node(processes=args.processes, threads=args.threads)


def _db(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .store.db import make_engine
    from .store.schema import current_revision, head_revision, upgrade

    engine = make_engine(load_settings().resolved_database_url, prepare=False)
    try:
        if args.action == "upgrade":
            print(f"database at {upgrade(engine)} (head {head_revision()})")
        else:
            print(f"database at {current_revision(engine) or 'nothing'} (head {head_revision()})")
    finally:
        engine.dispose()
    return 0


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}")
        return value

    return parse


def _genres(_args: argparse.Namespace) -> int:
    from .genres import GENRES

    for genre in GENRES:
        low, high = genre.tempo_range
        print(f"{genre.id:15} {low:3}-{high:3} BPM  {', '.join(genre.aliases)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="musicgen_app",
        description="Original music from a text description, from the command line. "
        "'generate' makes a track into a directory; 'serve' starts the studio and the API; "
        "'separate' splits an audio file into stems; 'genres' lists the genres.",
        epilog="Each command has its own --help, with every option's rule and default.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_generate(sub)
    serve = sub.add_parser("serve", help="serve the studio and the API (same as python app.py)")
    serve.add_argument(
        "--no-workers", action="store_true", help="a web-only node: jobs run on worker nodes (`worker`)"
    )
    worker = sub.add_parser(
        "worker",
        help="run jobs only (a worker node: Dramatiq consumers, or the local queue on a shared database)",
    )
    worker.add_argument("--processes", type=_count(1, 64), default=1, help="worker processes (1-64)")
    worker.add_argument("--threads", type=_count(1, 64), default=1, help="job threads per process (1-64)")
    db = sub.add_parser("db", help="the database schema (Alembic migrations)")
    db.add_argument("action", choices=("upgrade", "current"), help="upgrade to head, or show the revision")
    sub.add_parser("genres", help="list the known genres")
    from .audio.separate.cli import add_separate_arguments
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
    handlers = {"generate": _generate, "serve": _serve, "genres": _genres, "worker": _worker, "db": _db}
    try:
        if args.command == "separate":
            from .audio.separate.cli import run_separate

            return run_separate(args)
        return handlers[args.command](args)
    except MusicgenAppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
