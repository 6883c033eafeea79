"""An estimate of the container image's size, without Docker (no daemon on these machines).

    python bench/image_size.py [--json PATH]

Adds up what the Dockerfile puts on top of its base image, measured on this machine:
- the Python packages of ``requirements.lock`` as installed here (every file their RECORD lists),
- the app files ``COPY . .`` sends (tracked files less ``.dockerignore``),
- the Debian packages the Dockerfile installs, with their dependencies (``Installed-Size``, dpkg's own
  figure). An over-estimate: the slim base already holds part of that closure (libc, libstdc++...).
The base image (``python:3.11-slim-bookworm``) is not measured here: add its size as the registry shows it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APT_PACKAGES = ("fluidsynth", "fluid-soundfont-gm", "ffmpeg", "libsndfile1", "rubberband-cli")


def python_packages_bytes() -> tuple[int, list[tuple[str, int]]]:
    """Bytes of each runtime package installed here, largest first."""
    sizes = []
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name = line.split("==")[0]
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        total = 0
        for file in dist.files or ():
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
        sizes.append((name, total))
    sizes.sort(key=lambda item: -item[1])
    return sum(size for _, size in sizes), sizes


def app_files_bytes() -> int:
    patterns = [p.strip().removeprefix("**/") for p in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    total = 0
    for path in tracked.stdout.splitlines():
        parts = path.split("/")
        if any(fnmatch.fnmatch(path, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns):
            continue
        if (ROOT / path).is_file():
            total += (ROOT / path).stat().st_size
    return total


def apt_closure_bytes() -> int:
    """Installed-Size (KiB) of the packages and their Depends/PreDepends closure, as installed here."""
    depends = subprocess.run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *APT_PACKAGES,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.strip() for line in depends.splitlines() if line and not line.startswith(" ")}
    names = {n for n in names if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", n)}
    sizes = subprocess.run(
        ["dpkg-query", "-W", "-f=${Installed-Size}\n", *sorted(names)], capture_output=True, text=True
    ).stdout
    return sum(int(s) for s in sizes.split() if s.isdigit()) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    python_total, largest = python_packages_bytes()
    figures = {
        "python_packages_mb": round(python_total / 1e6),
        "app_files_mb": round(app_files_bytes() / 1e6, 1),
        "apt_closure_mb_upper_bound": round(apt_closure_bytes() / 1e6),
        "largest_packages_mb": {name: round(size / 1e6) for name, size in largest[:6]},
    }
    print("| layer | MB |\n|---|---|")
    print(f"| Python packages of requirements.lock | {figures['python_packages_mb']} |")
    print(f"| app files (COPY . . less .dockerignore) | {figures['app_files_mb']} |")
    print(f"| Debian packages and dependencies (upper bound) | {figures['apt_closure_mb_upper_bound']} |")
    print("largest packages:", ", ".join(f"{n} {mb} MB" for n, mb in figures["largest_packages_mb"].items()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
