"""The ``separate`` subcommand: parse, call :func:`separate_file`, map errors to exit codes.

Wiring, in the CLI module::

    sub = subparsers.add_parser("separate", help="split an audio file into four stems")
    add_separate_arguments(
        sub, default_model=settings.demucs_model, default_repo=settings.demucs_repo
    )
    sub.set_defaults(run=run_separate)

The library is imported only when the command runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from ...engines.base import ProgressFn
from ...errors import MusicgenAppError
from ...formats import OUTPUT_FORMATS

__all__ = ["add_separate_arguments", "run_separate"]


def add_separate_arguments(
    parser: argparse.ArgumentParser,
    *,
    default_model: str = "htdemucs",
    default_repo: Path | None = None,
) -> None:
    """Add the ``separate`` options to ``parser``; defaults come from the caller's settings."""
    parser.add_argument("file", type=Path, help="audio file to separate")
    parser.add_argument("--out", type=Path, required=True, help="directory for the four stems")
    parser.add_argument("--model", default=default_model, help="Demucs model or bag name")
    parser.add_argument(
        "--repo",
        type=Path,
        default=default_repo,
        help="directory with the model's .th and .yaml files (default: the download caches)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=OUTPUT_FORMATS,
        help="output format (default: the input's when it is one of these, else wav)",
    )
    parser.add_argument("--shifts", type=int, default=0, help="shifted passes to average")
    parser.add_argument("--overlap", type=float, default=None, help="segment overlap, 0..0.9")
    parser.add_argument("--segment", dest="segment_s", type=float, help="segment length, seconds")
    parser.add_argument("--device", help="torch device (default: cuda when present, else cpu)")
    parser.add_argument("--workers", type=int, default=None, help="segments run at once on CPU")
    parser.add_argument("--seed", type=int, default=0, help="seed for the shift offsets")


def run_separate(args: argparse.Namespace, *, stderr: TextIO | None = None) -> int:
    """Run the command for parsed ``args``; 0 on success, else the error's exit code."""
    from .core import DEFAULT_OVERLAP, DEFAULT_WORKERS, separate_file

    err = stderr or sys.stderr
    try:
        paths = separate_file(
            args.file,
            args.out,
            model=args.model,
            repo=args.repo,
            fmt=args.fmt,
            shifts=args.shifts,
            overlap=DEFAULT_OVERLAP if args.overlap is None else args.overlap,
            segment_s=args.segment_s,
            device=args.device,
            workers=DEFAULT_WORKERS if args.workers is None else args.workers,
            progress=_progress_printer(err),
            seed=args.seed,
        )
    except MusicgenAppError as exc:
        print(f"\nerror ({exc.code}): {exc.message}", file=err)
        return exc.exit_code
    print(file=err)
    for path in paths.values():
        print(path)
    return 0


def _progress_printer(err: TextIO) -> ProgressFn:
    def report(fraction: float) -> None:
        print(f"\rseparating: {fraction:4.0%}", end="", file=err, flush=True)

    return report
