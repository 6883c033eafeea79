"""A full queue answers 503 with Retry-After, and stores nothing more."""

from __future__ import annotations

from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app


def test_full_queue_is_503_with_retry_after(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, engine="symbolic", ui=False, workers=0, queue_max=2)
    with TestClient(create_app(settings)) as client:
        for _ in range(2):
            assert client.post("/v1/music/generate", json={"prompt": "pop"}).status_code == 202
        answer = client.post("/v1/music/generate", json={"prompt": "pop"})
        assert answer.status_code == 503
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["error"]["code"] == "queue_full"
        assert client.get("/v1/music").json()["count"] == 2
