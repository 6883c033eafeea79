"""With the studio mounted at /, unknown /v1 paths are still the API's 404s, in the API's error format."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), ui=True, workers=0)
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path", ["/v1/music/..%2F..%2Fetc%2Fpasswd", "/v1/music/..%2F..%2Fetc%2Fpasswd/audio", "/v1/nothing/here"]
)
def test_unknown_api_paths_are_api_404s(client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_studio_answers_at_the_root(client) -> None:
    answer = client.get("/")
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
