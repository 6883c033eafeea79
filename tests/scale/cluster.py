"""A cluster on this machine: web nodes and worker nodes as real processes, each with its own data
directory (nothing shared but the database, the broker and S3)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .services import S3_ENV, free_port

ROOT = Path(__file__).resolve().parents[2]


class Node:
    """One ``python -m musicgen_app ...`` process in its own process group."""

    def __init__(self, args: list[str], data_dir: Path, env: dict[str, str]) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir / "node.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            **S3_ENV,
            "MUSICGEN_APP_DATA_DIR": str(data_dir),
            "MUSICGEN_APP_PORT": str(self.port),
            "MUSICGEN_APP_HOST": "127.0.0.1",
            "MUSICGEN_APP_ENGINE": "symbolic",
            "MUSICGEN_APP_UI": "false",
            "HF_HUB_OFFLINE": "1",
            "TQDM_DISABLE": "1",
            **env,
        }
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "musicgen_app", *args],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_healthy(self, timeout_s: float = 90.0) -> Node:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"node did not become healthy: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        # a worker's children die with it; make sure of it for the ones a test killed by hand
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def cluster_env(database_url: str, broker_url: str, namespace: str, endpoint: str, bucket: str) -> dict:
    return {
        "MUSICGEN_APP_DATABASE_URL": database_url,
        "MUSICGEN_APP_QUEUE": "dramatiq",
        "MUSICGEN_APP_BROKER_URL": broker_url,
        "MUSICGEN_APP_BROKER_NAMESPACE": namespace,
        "MUSICGEN_APP_STORAGE_URL": f"s3://{bucket}/studio",
        "MUSICGEN_APP_S3_ENDPOINT_URL": endpoint,
        "MUSICGEN_APP_LEASE_S": "4",
        "MUSICGEN_APP_RECONCILE_S": "1",
        "MUSICGEN_APP_REQUEUE_AFTER_S": "3",
        "MUSICGEN_APP_QUEUE_MAX": "200",
    }


def wait_all(base_url: str, ids: list[str], timeout_s: float) -> dict[str, dict]:
    """Poll until every track is completed; fail on ``failed`` or at the deadline."""
    deadline = time.monotonic() + timeout_s
    done: dict[str, dict] = {}
    while len(done) < len(ids):
        for track_id in ids:
            if track_id in done:
                continue
            track = httpx.get(f"{base_url}/v1/music/{track_id}", timeout=10).json()
            assert track["status"] != "failed", track
            if track["status"] == "completed":
                done[track_id] = track
        assert time.monotonic() < deadline, f"{len(ids) - len(done)} track(s) not completed in time"
        time.sleep(0.5)
    return done
