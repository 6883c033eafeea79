"""Which lease owners the worker pool may declare dead after a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from musicgen_app.jobs.worker import WorkerPool


def pool() -> WorkerPool:
    return WorkerPool(None, None, None, database_url="", config=None, threads=0, lease_s=10, max_attempts=3)


def test_owner_judgement() -> None:
    workers = pool()
    host, pid = socket.gethostname(), os.getpid()
    token = workers._id_prefix.rsplit(":", 1)[-1]
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    gone_pid = int(finished.stdout)
    assert workers._owner_is_dead(f"{host}:{gone_pid}:abc123:0")
    assert workers._owner_is_dead(f"{host}:{pid}:oldtok:0")  # a previous incarnation with our pid
    assert not workers._owner_is_dead(f"{host}:{pid}:{token}:0")  # ourselves
    assert not workers._owner_is_dead(f"{host}:1:abc123:0") or os.getpid() == 1  # pid 1 is alive
    assert not workers._owner_is_dead(f"another-host:{gone_pid}:abc123:0")
    assert not workers._owner_is_dead("not-an-owner")
