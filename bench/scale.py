"""Scale-out on this machine: the local queue against Dramatiq (PostgreSQL, Redis, S3 on moto's server).

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/scale.py [--tracks 6] [--burst 50] [--json PATH]

For each queue and 1 and 2 worker processes: tracks per minute for 30 s symbolic tracks (first submit to
last completion), the idle pickup latency (one track at a time: submit to claim, i.e. the row's
``created_at`` to ``started_at``), and submit-to-claim p50/p99 under a burst of ``--burst`` 5 s tracks
(which includes the wait behind earlier tracks: with 2 workers, the 50th waits for 49 renders).

Local queue: one ``serve`` process with N job threads and N render processes (SQLite, files). Dramatiq:
a web-only node and N ``worker --processes 1`` nodes, each with its own data directory.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicgen_app.store.db import make_engine
from musicgen_app.store.schema import upgrade
from tests.scale.cluster import Node, cluster_env, wait_all
from tests.scale.services import moto_s3, postgres_database, redis_namespace, s3_bucket, s3_client

PROMPTS = ["lofi hip hop with rain", "upbeat funk groove", "dark techno", "calm piano ballad", "bossa nova"]


def _submit(url: str, count: int, duration: int, seed0: int) -> list[str]:
    ids = []
    with httpx.Client(timeout=60) as client:
        for index in range(count):
            body = {"prompt": PROMPTS[index % len(PROMPTS)], "duration": duration, "seed": seed0 + index}
            answer = client.post(f"{url}/v1/music/generate", json=body)
            answer.raise_for_status()
            ids.append(answer.json()["id"])
    return ids


def _claim_delays(database_url: str, ids: list[str]) -> list[float]:
    engine = create_engine(database_url)
    query = text("SELECT created_at, started_at FROM tracks WHERE id = :i")
    with engine.connect() as connection:
        rows = [connection.execute(query, {"i": i}).one() for i in ids]
    engine.dispose()
    return [(_when(started) - _when(created)).total_seconds() for created, started in rows]


def _when(value) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _pct(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
    }


def _measure(url: str, database_url: str, *, tracks: int, burst: int, stored=None) -> dict:
    start = time.monotonic()
    ids = _submit(url, tracks, 30, 1000)
    wait_all(url, ids, timeout_s=1800)
    per_minute = 60 * tracks / (time.monotonic() - start)
    time.sleep(5)  # the stems' encodes in the track's format follow completion
    bytes_per_track = stored(ids) / len(ids) if stored else None
    idle = []
    for index in range(5):
        (one,) = _submit(url, 1, 5, 2000 + index)
        wait_all(url, [one], timeout_s=300)
        idle += _claim_delays(database_url, [one])
    ids = _submit(url, burst, 5, 3000)
    wait_all(url, ids, timeout_s=3600)
    return {
        "tracks_per_min_30s": round(per_minute, 2),
        "stored_mb_per_30s_track": None if bytes_per_track is None else round(bytes_per_track / 2**20, 2),
        "idle_pickup": _pct(idle),
        "burst_submit_to_claim": _pct(_claim_delays(database_url, ids)),
    }


def _local(workers: int, tracks: int, burst: int) -> dict:
    with tempfile.TemporaryDirectory() as data:
        env = {"MUSICGEN_APP_WORKERS": str(workers), "MUSICGEN_APP_RENDER_PROCESSES": str(workers)}
        env["MUSICGEN_APP_QUEUE_MAX"] = "500"
        node = Node(["serve"], Path(data) / "web", env)
        try:
            node.wait_healthy()
            database_url = f"sqlite:///{Path(data) / 'web' / 'musicgen_app.db'}"
            return _measure(node.url, database_url, tracks=tracks, burst=burst)
        finally:
            node.stop()


def _dramatiq(workers: int, tracks: int, burst: int) -> dict:
    with contextlib.ExitStack() as stack:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = stack.enter_context(postgres_database())
        engine = make_engine(database_url, prepare=False)
        upgrade(engine)
        engine.dispose()
        broker_url, namespace = stack.enter_context(redis_namespace())
        endpoint = stack.enter_context(moto_s3())
        bucket = stack.enter_context(s3_bucket(endpoint))
        env = cluster_env(database_url, broker_url, namespace, endpoint, bucket)
        env.update(
            MUSICGEN_APP_LEASE_S="20", MUSICGEN_APP_RECONCILE_S="30", MUSICGEN_APP_REQUEUE_AFTER_S="600"
        )
        env["MUSICGEN_APP_QUEUE_MAX"] = "500"
        nodes = [Node(["serve", "--no-workers"], data / "web", env)]
        stack.callback(lambda: [n.stop() for n in nodes])
        nodes[0].wait_healthy()
        for index in range(workers):
            nodes.append(Node(["worker", "--processes", "1", "--threads", "1"], data / f"w{index}", env))
        time.sleep(8)  # the workers connect and warm their synths

        def stored(ids: list[str]) -> int:
            client = s3_client(endpoint)
            total = 0
            for track_id in ids:
                listing = client.list_objects_v2(Bucket=bucket, Prefix=f"studio/tracks/{track_id}/")
                total += sum(item["Size"] for item in listing.get("Contents", []))
            return total

        return _measure(nodes[0].url, database_url, tracks=tracks, burst=burst, stored=stored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=6, help="30 s tracks for the throughput figure")
    parser.add_argument("--burst", type=int, default=50, help="5 s tracks submitted at once")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    for queue, run in (("local", _local), ("dramatiq", _dramatiq)):
        for workers in args.workers:
            figures = run(workers, args.tracks, args.burst)
            results.append({"queue": queue, "workers": workers, **figures})
            print(json.dumps(results[-1]), flush=True)
    print(
        f"\n{'queue':9} {'workers':>7} {'tracks/min (30 s)':>18} {'idle pickup p50/p99 ms':>24} "
        f"{'burst claim p50/p99 s':>22}"
    )
    for r in results:
        idle, burst = r["idle_pickup"], r["burst_submit_to_claim"]
        print(
            f"{r['queue']:9} {r['workers']:>7} {r['tracks_per_min_30s']:>18} "
            f"{idle['p50_ms']:>11} / {idle['p99_ms']:<10} "
            f"{burst['p50_ms'] / 1000:>9.1f} / {burst['p99_ms'] / 1000:.1f}"
        )
    if args.json:
        meta = {"machine": platform.machine(), "python": platform.python_version()}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
