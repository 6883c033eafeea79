"""The container image's recipe, read as text (no Docker daemon here): it runs as uid 1000 in a
directory that user owns, keeps data under /data, leaves the test tools out, and the build context
leaves the local environment and data out."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

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
    assert ("USER", "1000") in steps[:workdir]
    assert "MUSICGEN_APP_DATA_DIR=/data/musicgen_app" in DOCKERFILE


def _pins(name: str) -> dict[str, str]:
    lines = [line.strip() for line in (ROOT / name).read_text().splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", e) for e in entries), name
    return {canonical(e.split("==")[0]): e.split("==")[1] for e in entries}


def canonical(name: str) -> str:
    """PEP 503 name, extras dropped (``psycopg[binary]`` is pinned as ``psycopg``)."""
    return re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", name)).lower()


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


def test_hadolint_passes() -> None:
    import sysconfig

    hadolint = shutil.which("hadolint") or str(Path(sysconfig.get_path("scripts")) / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (make lint installs requirements-test.lock)")
    run = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_image_checks_its_health_on_healthz() -> None:
    health = next(arg for op, arg in _instructions() if op == "HEALTHCHECK")
    assert "/healthz" in health and "CMD" in health and "--start-period" in health


def test_the_build_context_leaves_out_the_environment_and_data() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "data", ".git"} <= ignored


# -- the image's file tree, run without Docker -----------------------------------------------------------

USER_UID = 1000


def _python_for(uid: int) -> str | None:
    """An interpreter ``uid`` can run: this one, or the system's of the same version (pyenv's may sit
    under a home only root can enter). The packages come from this environment either way."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/{version}"):
        try:
            probe = subprocess.run([candidate, "-c", "pass"], user=uid, group=uid, capture_output=True)
        except OSError:  # not there, or not for this user
            continue
        if probe.returncode == 0:
            return candidate
    return None


def _copied_like_docker(root: Path) -> list[str]:
    """``COPY . .``: the tracked files, less what .dockerignore leaves out of the build context."""
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in ignored if p and not p.startswith("#")]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    def excluded(path: str) -> bool:
        parts = path.split("/")
        return any(
            fnmatch.fnmatch(path, p.removeprefix("**/"))
            or any(fnmatch.fnmatch(part, p.removeprefix("**/")) for part in parts)
            for p in patterns
        )

    kept = [path for path in tracked if not excluded(path) and (ROOT / path).is_file()]
    for path in kept:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, root / path)
    return kept


def _read_only(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    tree.chmod(0o555)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def image_tree():
    """/home/user/app (read-only, root's), /home/user and /data (the user's), /tmp: in a scratch root
    that uid 1000 can enter (pytest's own temporary root is private to root)."""
    if os.geteuid() != 0:
        pytest.skip("starting the app as uid 1000 needs root")
    python = _python_for(USER_UID)
    if python is None:
        pytest.skip("no Python interpreter that uid 1000 may run")
    root = Path(tempfile.mkdtemp(prefix="musicgen-image-"))
    root.chmod(0o755)
    try:
        app = root / "home/user/app"
        app.mkdir(parents=True)
        kept = _copied_like_docker(app)
        for writable in (root / "data", root / "tmp"):
            writable.mkdir()
        for owned in (root / "home/user", root / "data", root / "tmp"):
            os.chown(owned, USER_UID, USER_UID)
        _read_only(app)
        yield root, python, kept
    finally:
        for path in root.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(root)


@pytest.mark.slow
def test_the_app_runs_as_uid_1000_on_a_read_only_app_directory_and_serves_a_track(image_tree) -> None:
    root, python, kept = image_tree
    assert not any(p.startswith((".venv/", "data/", ".git/")) for p in kept)
    data_dir = re.search(r"MUSICGEN_APP_DATA_DIR=(\S+)", DOCKERFILE).group(1)
    assert data_dir.startswith("/data/")
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and "musicgen" not in p)
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home/user"),
        "TMPDIR": str(root / "tmp"),
        "GRADIO_TEMP_DIR": str(root / "tmp/gradio"),
        "PYTHONPATH": site_packages,  # the image's `pip install --user` tree; the app comes from its dir
        "PYTHONDONTWRITEBYTECODE": "1",
        "MUSICGEN_APP_HOST": "127.0.0.1",
        "PORT": str(port),
        "MUSICGEN_APP_DATA_DIR": str(root / data_dir.lstrip("/")),
        "MUSICGEN_APP_ENGINE": "symbolic",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    app = root / "home/user/app"
    log = root / "tmp/server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [python, "app.py"],
            cwd=app,
            env=env,
            user=USER_UID,
            group=USER_UID,
            extra_groups=[],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _get(f"{base}/healthz") == 200, server, log)
        body = {"prompt": "calm ambient pads", "duration": 5, "output_format": "wav", "seed": 1}
        track = httpx.post(f"{base}/v1/music/generate", json=body, timeout=30).json()
        _wait_until(lambda: _status(base, track["id"]) in ("completed", "failed"), server, log)
        assert _status(base, track["id"]) == "completed", log.read_text()[-2000:]
        audio = httpx.get(f"{base}/v1/music/{track['id']}/audio", timeout=30)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert httpx.get(f"{base}/", timeout=30).status_code == 200  # the studio too
    finally:
        server.terminate()
        server.wait(timeout=20)
    stored = [p for p in (root / data_dir.lstrip("/")).rglob("*") if p.is_file()]
    assert stored and all(p.stat().st_uid == USER_UID for p in stored)
    server_log = log.read_text()
    assert "PermissionError" not in server_log
    assert not re.search(r"\d+%\|", server_log), "a tqdm bar in the server log"


def _get(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.TransportError:
        return None


def _status(base: str, track_id: str) -> str:
    return httpx.get(f"{base}/v1/music/{track_id}", timeout=10).json()["status"]


def _wait_until(condition, server: subprocess.Popen, log: Path, *, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the app exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out:\n{log.read_text()[-3000:]}")
