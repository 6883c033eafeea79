"""Idempotency-Key on generate: the same key and body give the same track, concurrently too; another
body with the key is a 422; a failed first request does not hold the key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"), engine="symbolic", ui=False, workers=0, queue_max=500
    )
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


def _post(client, body: dict, key: str):
    return client.post("/v1/music/generate", json=body, headers={"Idempotency-Key": key})


def test_a_repeat_gives_the_same_track_and_status(client) -> None:
    first = _post(client, {"prompt": "sunny ska", "seed": 1}, "order-1")
    again = _post(client, {"seed": 1, "prompt": "sunny ska"}, "order-1")  # same body, other key order
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["location"] == first.headers["location"]


def test_the_key_with_another_body_is_refused(client) -> None:
    assert _post(client, {"prompt": "dark techno"}, "order-2").status_code == 202
    answer = _post(client, {"prompt": "bright techno"}, "order-2")
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "Idempotency-Key"


def test_concurrent_repeats_make_one_track(client) -> None:
    before = client.get("/v1/music").json()["count"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: _post(client, {"prompt": "lofi", "seed": 9}, "burst"), range(32)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert client.get("/v1/music").json()["count"] == before + 1


def test_a_failed_first_request_leaves_the_key_free(client) -> None:
    assert _post(client, {"prompt": "a", "duration": 999}, "order-3").status_code == 422
    assert _post(client, {"prompt": "a", "duration": 10}, "order-3").status_code == 202


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"with space", "é".encode()])
def test_a_malformed_key_is_a_422_naming_the_header(client, key: bytes) -> None:
    answer = client.post("/v1/music/generate", json={"prompt": "a"}, headers={"Idempotency-Key": key})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "Idempotency-Key"


def test_the_rate_limit_answers_429_with_retry_after(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, engine="symbolic", ui=False, workers=0, rate_limit="3/minute")
    with TestClient(create_app(settings), base_url="http://localhost") as limited:
        codes = [limited.post("/v1/music/generate", json={"prompt": "pop"}).status_code for _ in range(5)]
        assert codes == [202, 202, 202, 429, 429]
        answer = limited.post("/v1/music/generate", json={"prompt": "pop"})
        assert answer.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(answer.headers["retry-after"]) <= 60
        assert limited.get("/v1/music").status_code == 200  # reads are not limited


def test_the_window_slides(tmp_path) -> None:
    from musicgen_app.rate_limit import parse_rate_limit
    from musicgen_app.store.db import make_engine, make_sessionmaker
    from musicgen_app.store.rate_hits import RateHits

    limit = parse_rate_limit("2/second")
    hits = RateHits(make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 'rate.db'}")))
    assert hits.admit("a", limit, now=100.0) is None and hits.admit("a", limit, now=100.5) is None
    assert hits.admit("a", limit, now=100.9) == pytest.approx(0.1)
    assert hits.admit("b", limit, now=100.9) is None  # per caller
    assert hits.admit("a", limit, now=101.01) is None
    assert hits.admit("a", limit, now=101.2) == pytest.approx(0.3)
    for index in range(50):  # callers that never come back
        assert hits.admit(f"addr:10.0.0.{index}", limit, now=103.0) is None
    assert hits.count() == 50  # a's and b's hits expired and were swept on the way
    assert hits.admit("c", limit, now=110.0) is None  # a window later: their rows are swept
    assert hits.count() == 1
    with pytest.raises(ValueError, match="RATE_LIMIT"):
        parse_rate_limit("lots")
