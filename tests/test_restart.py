"""A job interrupted by SIGKILL completes after a restart, with no new request."""

from __future__ import annotations

import time

import httpx
import pytest

from .server import ServerProcess


@pytest.mark.slow
def test_killed_job_completes_after_restart(tmp_path) -> None:
    env = {
        "MUSICGEN_APP_ENGINE": "symbolic",
        "MUSICGEN_APP_LEASE_S": "120",
        "MUSICGEN_APP_UI": "false",
    }
    server = ServerProcess(tmp_path, **env).start()
    try:
        created = httpx.post(
            f"{server.url}/v1/music/generate",
            timeout=30,
            json={"prompt": "epic orchestral battle", "duration": 300, "seed": 1},
        )
        assert created.status_code == 202
        track_id = created.json()["id"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{server.url}/v1/music/{track_id}").json()["status"] != "processing":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        server.kill()

        server = ServerProcess(tmp_path, port=server.port, **env).start()
        # the lease (120 s) is far from over: the job must be recovered because its worker is known dead
        deadline = time.monotonic() + 90
        while (track := httpx.get(f"{server.url}/v1/music/{track_id}").json())["status"] != "completed":
            assert track["status"] in ("pending", "processing"), track
            assert time.monotonic() < deadline, track
            time.sleep(0.5)
        assert track["progress"] == 1.0 and track["error"] is None
        listing = httpx.get(f"{server.url}/v1/music").json()
        assert not [t for t in listing["data"] if t["status"] == "processing"]
    finally:
        server.stop()
