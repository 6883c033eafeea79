"""A fresh clone, driven by the README alone: ``make run`` serves, and every command the README shows for
the API and the CLI works against it.

The clone gets its own ``.venv`` made by ``make``; only the packages come from this environment (a ``.pth``
line), so the test does not download and install torch again. Everything else is what a new user runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
README_PORT = "127.0.0.1:7860"
START_TIMEOUT_S = 600  # make installs the package (and checks the locks) before it serves


def _shell_commands(readme: str) -> list[str]:
    """The commands of the README's ``sh`` blocks (continuation lines joined, comments kept for bash)."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [
            line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
        ]
    return commands


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """``git clone`` of this repository, its venv made with this environment's packages reachable."""
    if subprocess.run(["git", "-C", str(ROOT), "status"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    target = tmp_path_factory.mktemp("fresh") / "musicgen_app"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(target / ".venv")], check=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(target / ".venv")})["purelib"])
    (purelib / "zz_reuse_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return target


@pytest.fixture(scope="module")
def served(clone: Path):
    """``make run`` in the clone, on a free port; yields ``(base_url, make's output so far)``."""
    port = _free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MUSICGEN_APP_", "PYTHON", "VIRTUAL_ENV"))
        },
        "PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = clone / "make-run.log"
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert make.poll() is None, f"make run exited {make.returncode}:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, (
                f"not serving after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
            )
            try:
                if httpx.get(f"{base}/healthz", timeout=3).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        yield base, env, log
    finally:
        os.killpg(make.pid, signal.SIGTERM)  # make and the server it started, nothing else
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()


def _url_of(command: str) -> str:
    return command.split("#")[0].split()[-1].strip("'")


def _run(command: str, cwd: Path, env: dict, **replacements: str) -> subprocess.CompletedProcess:
    for old, new in replacements.items():
        command = command.replace(old, new)
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_make_run_serves_the_studio_and_installs_without_warnings(served, clone) -> None:
    base, _env, log = served
    assert httpx.get(f"{base}/", timeout=30).status_code == 200
    output = log.read_text()
    assert "BuildBackendWarning" not in output and "!!" not in output, output[-3000:]
    installed = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", "import musicgen_app; print(musicgen_app.__file__)"],
        cwd=clone.parent,  # not this checkout, whose directory would come first on the path
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert installed.startswith(str(clone)), installed  # the clone's code, not this checkout's


def test_the_readme_api_commands_work(served, clone) -> None:
    base, env, _log = served
    host = base.removeprefix("http://")
    commands = [c for c in _shell_commands(README) if c.startswith("curl")]
    assert len(commands) >= 5
    submit, *reads = commands
    assert "POST" in submit and "/v1/music/generate" in submit
    answer = _run(submit, clone, env, **{README_PORT: host})
    assert answer.returncode == 0 and " 202 " in answer.stdout.splitlines()[0], answer.stdout[:500]
    track_id = re.search(r"(?im)^location: /v1/music/(\S+)", answer.stdout).group(1)
    deadline = time.monotonic() + 300
    while httpx.get(f"{base}/v1/music/{track_id}").json()["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    outputs = {}
    for command in reads:
        done = _run(command, clone, env, **{README_PORT: host, "<id>": track_id})
        assert done.returncode == 0, (command, done.stderr)
        outputs[command] = done.stdout
    status = json.loads(next(out for c, out in outputs.items() if _url_of(c).endswith("/v1/music/<id>")))
    assert status["status"] == "completed" and status["download_url"]
    assert (clone / "track.mp3").read_bytes()[:3] == b"ID3"
    assert (clone / "final.wav").read_bytes()[:4] == b"RIFF"
    beats = json.loads(next(out for c, out in outputs.items() if "/beats" in c))
    assert beats["tempo"] > 0 and beats["beats"]


def test_the_readme_cli_commands_work(served, clone) -> None:
    _base, env, _log = served
    commands = [c for c in _shell_commands(README) if c.startswith(".venv/bin/python -m musicgen_app")]
    by_name = {shlex.split(c)[3]: c for c in commands}
    assert {"generate", "genres", "serve", "separate"} <= set(by_name)
    generate = _run(by_name["generate"], clone, env)
    assert generate.returncode == 0, generate.stderr[-2000:]
    manifest = json.loads((clone / "out/manifest.json").read_text())
    assert manifest["status"] == "completed" and (clone / "out" / manifest["audio_url"]).is_file()
    assert "100.0%" in generate.stderr
    genres = _run(by_name["genres"], clone, env)
    assert genres.returncode == 0 and "BPM" in genres.stdout and len(genres.stdout.splitlines()) >= 10
    # no song.mp3 and no Demucs files here: the command must say so in one line, not a traceback
    separate = _run(by_name["separate"], clone, env)
    assert separate.returncode != 0 and "Traceback" not in separate.stderr
    assert separate.stderr.strip() and len(separate.stderr.strip().splitlines()) <= 2, separate.stderr
    # `serve` is `python app.py`, which `make run` above is already serving
    assert "serve" in by_name["serve"]
