"""The container image's recipe, read as text (no Docker daemon here): it runs as uid 1000 in a
directory that user owns, keeps data under /data, leaves the test tools out, and the build context
leaves the local environment and data out."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
DEV_TOOLS = ("pytest", "playwright", "ruff", "hypothesis", "jsonschema", "schemathesis")


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


def _pins(name: str) -> dict[str, str]:
    lines = [line.strip() for line in (ROOT / name).read_text().splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", e) for e in entries), name
    return {canonical(e.split("==")[0]): e.split("==")[1] for e in entries}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_image_installs_the_runtime_lock_and_no_test_tool() -> None:
    runtime = _pins("requirements.lock")
    installs = [arg for op, arg in _instructions() if op == "RUN" and "pip install" in arg]
    assert any("-r requirements.lock" in arg for arg in installs)
    assert not any("requirements-test" in arg for arg in installs)
    assert not set(runtime) & set(DEV_TOOLS), set(runtime) & set(DEV_TOOLS)
    assert {"gradio", "fastapi", "torch", "numpy"} <= set(runtime)


def test_the_two_locks_are_pinned_disjoint_and_agree_with_pyproject() -> None:
    import tomllib

    runtime, tests = _pins("requirements.lock"), _pins("requirements-test.lock")
    assert not set(runtime) & set(tests), set(runtime) & set(tests)
    assert set(DEV_TOOLS) <= set(tests)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name, version = requirement.split("==")
        assert runtime.get(canonical(name)) == version, requirement
    for requirement in project["optional-dependencies"]["dev"]:
        name, version = requirement.split("==")
        assert {**runtime, **tests}.get(canonical(name)) == version, requirement


def test_make_run_installs_the_runtime_only_and_make_test_both() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = dict(re.findall(r"^([\w$().-]+):([^\n=]*)$", makefile, re.MULTILINE))
    assert "$(STAMP)" in targets["run"] and "$(TEST_STAMP)" not in targets["run"]
    assert "$(TEST_STAMP)" in targets["test"] and "$(STAMP)" in targets["$(TEST_STAMP)"]
    recipe = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.lock" in recipe and "requirements-test" not in recipe


# -- the hadolint rules that matter for this file (hadolint itself is not installable here) -------------


def test_dockerfile_follows_the_hadolint_rules() -> None:
    steps = _instructions()
    ops = [op for op, _ in steps]
    base = next(arg for op, arg in steps if op == "FROM")
    assert ":" in base and not base.endswith(":latest"), "DL3006/DL3007: a pinned base tag"
    assert [arg for op, arg in steps if op == "USER"][-1] != "root", "DL3002: last USER is not root"
    assert "ADD" not in ops, "DL3020: COPY, not ADD"
    for op, arg in steps:
        if op != "RUN":
            continue
        assert "sudo " not in arg, "DL3004"
        assert not re.search(r"(^|&&|;)\s*cd\s", arg), "DL3003: WORKDIR, not cd"
        if "|" in arg.replace("||", ""):
            assert "pipefail" in arg, "DL4006: pipes need set -o pipefail"
        if "apt-get install" in arg:
            assert "--no-install-recommends" in arg and "-y" in arg, "DL3015/DL3014"
            assert "rm -rf /var/lib/apt/lists/*" in arg, "DL3009: apt lists removed in the same layer"
        if "pip install" in arg:
            assert "--no-cache-dir" in arg, "DL3042"
    apt_at = next(i for i, line in enumerate(DOCKERFILE.splitlines()) if "apt-get install" in line)
    above = "\n".join(DOCKERFILE.splitlines()[max(apt_at - 4, 0) : apt_at])
    assert "hadolint ignore=DL3008" in above, "DL3008: unpinned apt packages, said so on purpose"
    cmd = next(arg for op, arg in reversed(steps) if op == "CMD")
    assert cmd.startswith("["), "DL3025: CMD in JSON form"
    first_copy = ops.index("COPY")
    assert "WORKDIR" in ops[:first_copy], "DL3045: COPY to a relative path after WORKDIR"


def test_the_image_checks_its_health_on_healthz() -> None:
    health = next(arg for op, arg in _instructions() if op == "HEALTHCHECK")
    assert "/healthz" in health and "CMD" in health and "--start-period" in health


def test_the_build_context_leaves_out_the_environment_and_data() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "data", ".git"} <= ignored
