"""Render processes die with the server: a SIGKILLed server (the OOM killer's way) leaves no process
rendering an abandoned job."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from musicgen_app.pipeline import ENGINE_STARTED

from ..server import ServerProcess


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its parent's (init's) wait is missing


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_render_processes_exit_within_two_seconds_of_a_killed_server(tmp_path) -> None:
    env = {
        "MUSICGEN_APP_ENGINE": "symbolic",
        "MUSICGEN_APP_UI": "false",
        "MUSICGEN_APP_WORKERS": "2",
        "MUSICGEN_APP_RENDER_PROCESSES": "2",
    }
    server = ServerProcess(tmp_path, **env).start()
    try:
        ids = [
            httpx.post(
                f"{server.url}/v1/music/generate",
                timeout=30,
                json={"prompt": "epic orchestral battle", "duration": 300, "seed": seed},
            ).json()["id"]
            for seed in (1, 2)
        ]
        deadline = time.monotonic() + 60
        # progress from ENGINE_STARTED on comes from the render processes (below it, a worker shows a
        # job waiting for them to start): both are rendering once both tracks are past it
        while not all(
            httpx.get(f"{server.url}/v1/music/{i}").json()["progress"] >= ENGINE_STARTED for i in ids
        ):
            assert time.monotonic() < deadline, "the jobs never started"
            time.sleep(0.1)
        renderers = server.children()
        assert len(renderers) >= 2, renderers
        server.kill_server_only()
        killed_at = time.monotonic()
        while any(_alive(pid) for pid in renderers) and time.monotonic() - killed_at < 5:
            time.sleep(0.05)
        gone_after = time.monotonic() - killed_at
        assert not any(_alive(pid) for pid in renderers), "render processes outlived the server"
        assert gone_after <= 2.0, gone_after
    finally:
        server.kill()
        for pid in server.children():
            os.kill(pid, 9)
