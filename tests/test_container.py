"""The container image's recipe, read as text (no Docker daemon here): it runs as uid 1000 in a
directory that user owns, keeps data under /data, leaves the test tools out, and the build context
leaves the local environment and data out."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
DEV_TOOLS = ("pytest", "playwright", "ruff", "hypothesis", "jsonschema", "schemathesis", "moto")


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_the_app_directory_and_data_belong_to_the_user_before_workdir() -> None:
    steps = _instructions()
    workdir = next(i for i, (op, _) in enumerate(steps) if op == "WORKDIR")
    before = " ".join(arg for op, arg in steps[:workdir] if op == "RUN")
    assert "chown -R user:user /home/user/app /data" in before
    assert ("USER", "user") in steps[:workdir]
    assert "MUSICGEN_APP_DATA_DIR=/data/musicgen_app" in DOCKERFILE


def test_the_test_tools_are_filtered_out_of_the_install() -> None:
    install = next(arg for op, arg in _instructions() if op == "RUN" and "runtime.txt" in arg)
    pattern = re.search(r"grep -v -i -E '([^']+)'", install).group(1)
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    kept = [line for line in lock if line and not re.search(pattern, line, re.IGNORECASE)]
    names = {line.split("==")[0].lower() for line in kept}
    assert not names & set(DEV_TOOLS), names & set(DEV_TOOLS)
    assert {"gradio", "fastapi", "torch", "numpy"} <= names


def test_the_build_context_leaves_out_the_environment_and_data() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "data", ".git"} <= ignored
