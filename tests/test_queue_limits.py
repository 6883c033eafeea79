"""A full queue answers 503 with Retry-After, and stores nothing more."""

from __future__ import annotations

from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app


def test_full_queue_is_503_with_retry_after(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, engine="symbolic", ui=False, workers=0, queue_max=2)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        for _ in range(2):
            assert client.post("/v1/music/generate", json={"prompt": "pop"}).status_code == 202
        answer = client.post("/v1/music/generate", json={"prompt": "pop"})
        assert answer.status_code == 503
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["error"]["code"] == "queue_full"
        assert client.get("/v1/music").json()["count"] == 2


def test_the_limit_holds_under_concurrent_submits(tmp_path) -> None:
    """50 POSTs at once against QUEUE_MAX=10 (no workers): exactly 10 accepted, in a real server."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from .server import ServerProcess

    env = {"MUSICGEN_APP_ENGINE": "symbolic", "MUSICGEN_APP_UI": "false", "MUSICGEN_APP_WORKERS": "0"}
    server = ServerProcess(tmp_path, MUSICGEN_APP_QUEUE_MAX="10", **env).start()
    try:
        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=50) as pool:
            for _burst in range(2):
                answers = list(
                    pool.map(
                        lambda i: client.post(f"{server.url}/v1/music/generate", json={"prompt": f"pop {i}"}),
                        range(50),
                    )
                )
                codes = sorted(a.status_code for a in answers)
                assert set(codes) <= {202, 503}, codes
                assert (
                    client.get(f"{server.url}/v1/music", params={"status": "pending"}).json()["count"] == 10
                )
            assert codes.count(503) == 50  # the second burst finds the queue full
    finally:
        server.stop()
