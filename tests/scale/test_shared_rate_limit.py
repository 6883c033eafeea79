"""MUSICGEN_APP_RATE_LIMIT is one limit for the whole deployment, not one per web process: two web nodes
on one PostgreSQL database, hit at once, admit the limit's count between them (and SQLite alike for two
services on one file)."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.rate_limit import parse_rate_limit
from musicgen_app.store.db import make_engine, make_sessionmaker
from musicgen_app.store.rate_hits import RateHits
from musicgen_app.store.schema import upgrade
from musicgen_app.web import create_app

from .cluster import Node
from .services import postgres_database

ALICE, BOB = "alice-key-0123456789abcdef", "bob-key-0123456789abcdef"
LIMIT = 10


def _burst(urls: list[str], key: str, count: int) -> list[int]:
    """``count`` generate requests with API key ``key``, all at once, spread over ``urls``."""
    start = threading.Barrier(count)

    def one(index: int) -> int:
        start.wait()
        answer = httpx.post(
            f"{urls[index % len(urls)]}/v1/music/generate",
            json={"prompt": "a short funk groove", "duration": 5, "seed": index},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert answer.status_code in (202, 429), answer.text
        if answer.status_code == 429:
            assert answer.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(answer.headers["retry-after"]) <= 60
        return answer.status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.slow
def test_two_web_nodes_on_one_postgres_share_one_limit(tmp_path) -> None:
    with postgres_database() as database_url:
        engine = make_engine(database_url, prepare=False)
        upgrade(engine)
        engine.dispose()
        env = {
            "MUSICGEN_APP_DATABASE_URL": database_url,
            "MUSICGEN_APP_RATE_LIMIT": f"{LIMIT}/minute",
            "MUSICGEN_APP_API_KEYS": f"{ALICE},{BOB}",
            "MUSICGEN_APP_QUEUE_MAX": "500",
        }
        nodes = []
        try:
            for name in ("web1", "web2"):
                nodes.append(Node(["serve", "--no-workers"], tmp_path / name, env))
            for node in nodes:
                node.wait_healthy()
            urls = [node.url for node in nodes]
            codes = _burst(urls, ALICE, 40)
            assert codes.count(202) == LIMIT, codes
            # another key has its own budget, on either node
            assert _burst(urls, BOB, 12).count(202) == LIMIT
            listed = httpx.get(
                f"{urls[1]}/v1/music", params={"limit": 100}, headers={"Authorization": f"Bearer {ALICE}"}
            ).json()
            assert listed["count"] == LIMIT
        finally:
            for node in nodes:
                node.stop()


def test_two_services_on_one_sqlite_file_share_one_limit(tmp_path) -> None:
    common = {"data_dir": tmp_path, "engine": "symbolic", "ui": False, "workers": 0}
    settings = Settings(**common, rate_limit=f"{LIMIT}/minute", queue_max=500)
    with contextlib.ExitStack() as stack:
        apps = [create_app(settings) for _ in range(2)]
        clients = [stack.enter_context(TestClient(app, base_url="http://localhost")) for app in apps]
        start = threading.Barrier(30)

        def one(index: int) -> int:
            start.wait()
            body = {"prompt": "lofi piano", "duration": 5}
            return clients[index % 2].post("/v1/music/generate", json=body).status_code

        with ThreadPoolExecutor(max_workers=30) as pool:
            codes = list(pool.map(one, range(30)))
    assert codes.count(202) == LIMIT and codes.count(429) == 30 - LIMIT, codes


def test_the_window_is_exact_under_concurrency_on_postgres() -> None:
    limit = parse_rate_limit("5/hour")
    with postgres_database() as database_url:
        engine = make_engine(database_url, prepare=False)
        upgrade(engine)
        hits = [RateHits(make_sessionmaker(engine)) for _ in range(2)]
        start = threading.Barrier(24)

        def one(index: int) -> bool:
            start.wait()
            return hits[index % 2].admit("addr:10.0.0.1", limit, now=1000.0 + index * 0.001) is None

        with ThreadPoolExecutor(max_workers=24) as pool:
            admitted = list(pool.map(one, range(24)))
        # an hour later the window has moved on
        assert hits[0].admit("addr:10.0.0.1", limit, now=1000.0 + 3601) is None
        engine.dispose()
    assert admitted.count(True) == 5, admitted
