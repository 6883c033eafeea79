"""The embedded default (what `make run` serves) needs no service at all: no broker, no database server,
no object store — and does not even load their clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys, time
from musicgen_app.config import load_settings
from musicgen_app.service import GenerationService
from musicgen_app.store.schema import current_revision, head_revision

CLIENTS = ("dramatiq", "boto3", "botocore", "redis", "pika", "psycopg")
service = GenerationService(load_settings(engine="symbolic", ui=False))
service.start()
track = service.submit({"prompt": "calm piano", "duration": 5, "seed": 3})
deadline = time.monotonic() + 240
while service.get(track.id).status not in ("completed", "failed") and time.monotonic() < deadline:
    time.sleep(0.2)
health = service.health()
print(json.dumps({
    "status": service.get(track.id).status,
    "health": {k: health[k] for k in ("status", "database", "broker", "storage", "queue")},
    "revision": [current_revision(service._engine), head_revision()],
    "loaded": sorted(m for m in CLIENTS if m in sys.modules),
}))
service.stop()
"""


def test_the_default_needs_no_service(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICGEN_APP_")}
    env.update(MUSICGEN_APP_DATA_DIR=str(tmp_path), HF_HUB_OFFLINE="1")
    answer = subprocess.run(
        [sys.executable, "-c", _SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    report = json.loads(answer.stdout.strip().splitlines()[-1])
    assert report["status"] == "completed"
    assert report["health"]["status"] == "ok"
    assert report["health"]["database"]["kind"] == "sqlite"
    assert report["health"]["broker"]["kind"] == "none" and report["health"]["queue"]["kind"] == "local"
    assert report["health"]["storage"]["kind"] == "file"
    assert report["revision"][0] == report["revision"][1]  # the SQLite file carries Alembic's version
    assert report["loaded"] == []
    assert (tmp_path / "tracks").is_dir()
