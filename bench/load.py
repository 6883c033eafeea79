"""Load on loopback: a real server (``python app.py``) with API keys, hit by concurrent GETs and POSTs.

    flock /tmp/musicgen_bench.lock .venv/bin/python bench/load.py [--gets 200] [--posts 50] [--json PATH]
        [--rate-limit 100000/minute]

Every POST carries an API key and an ``Idempotency-Key``; each key is sent twice (the second a retry of
the first, at the same time), so the run also proves that a repeated key never makes a second track.
Workers are off (``WORKERS=0``): this measures the web tier, not rendering. Prints p50/p99 latency per
kind of request, the status codes seen, and fails (exit 1) on any 5xx or duplicate track. With
``--rate-limit``, every POST also passes the shared rate limit (a database transaction each); set it high
enough that none is refused to measure what the check costs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server import ServerProcess

KEYS = ("bench-key-alpha-0123456789", "bench-key-bravo-0123456789")


def _timed(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[int, float, dict]:
    start = time.perf_counter()
    answer = client.request(method, url, **kwargs)
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    return answer.status_code, time.perf_counter() - start, body


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max_ms": 1000 * ordered[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--rate-limit", default="", help="MUSICGEN_APP_RATE_LIMIT for the server")
    args = parser.parse_args()
    env = {
        "MUSICGEN_APP_ENGINE": "symbolic",
        "MUSICGEN_APP_UI": "false",
        "MUSICGEN_APP_WORKERS": "0",
        "MUSICGEN_APP_QUEUE_MAX": "100000",
        "MUSICGEN_APP_API_KEYS": ",".join(KEYS),
        "MUSICGEN_APP_RATE_LIMIT": args.rate_limit,
    }
    with tempfile.TemporaryDirectory() as data_dir:
        server = ServerProcess(Path(data_dir), **env).start()
        try:
            return _run(server.url, args)
        finally:
            server.stop()


def _run(url: str, args: argparse.Namespace) -> int:
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    with httpx.Client(timeout=60, limits=limits) as client:
        auth = {"Authorization": f"Bearer {KEYS[0]}"}
        seed_track = client.post(f"{url}/v1/music/generate", json={"prompt": "seed"}, headers=auth).json()[
            "id"
        ]

        def post(index: int) -> tuple[int, float, dict]:
            key = KEYS[index % len(KEYS)]
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"load-{index // 2}"}
            body = {"prompt": f"load test track {index // 2}", "duration": 10}
            return _timed(client, "POST", f"{url}/v1/music/generate", json=body, headers=headers)

        def get(index: int) -> tuple[int, float, dict]:
            path = ("/v1/music", f"/v1/music/{seed_track}", "/healthz", "/v1/genres")[index % 4]
            return _timed(client, "GET", f"{url}{path}", headers=auth)

        with ThreadPoolExecutor(max_workers=max(args.gets, args.posts)) as pool:
            posts = list(pool.map(post, range(2 * args.posts)))
            gets = list(pool.map(get, range(args.gets)))
    codes = Counter(code for code, _, _ in posts + gets)
    for code, _, body in posts + gets:
        if code >= 500:
            print("server error:", code, json.dumps(body)[:300])
    made: dict[str, set[str]] = {}
    for index, (code, _, body) in enumerate(posts):
        if code == 202:
            made.setdefault(f"{KEYS[index % len(KEYS)]}/{index // 2}", set()).add(body["id"])
    duplicates = {key: ids for key, ids in made.items() if len(ids) > 1}
    result = {
        "meta": {
            "date": time.strftime("%Y-%m-%d"),
            "machine": platform.processor() or platform.machine(),
            "gets": args.gets,
            "posts": 2 * args.posts,
            "rate_limit": args.rate_limit or None,
        },
        "get": _percentiles([s for _, s, _ in gets]),
        "post": _percentiles([s for _, s, _ in posts]),
        "status_codes": dict(sorted(codes.items())),
        "server_errors": sum(n for code, n in codes.items() if code >= 500),
        "duplicate_tracks": len(duplicates),
    }
    print(f"{'requests':10}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, rows in (("GET", gets), ("POST", posts)):
        p = result[kind.lower()]
        print(f"{kind:10}{len(rows):8}{p['p50_ms']:10.1f}{p['p99_ms']:10.1f}{p['max_ms']:10.1f}")
    print(
        f"status codes: {result['status_codes']}; 5xx: {result['server_errors']}; "
        f"duplicate tracks for one idempotency key: {result['duplicate_tracks']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if result["server_errors"] or duplicates else 0


if __name__ == "__main__":
    raise SystemExit(main())
