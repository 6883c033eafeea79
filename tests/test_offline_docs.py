"""/docs and /redoc work with no internet: every asset they load is served by the app itself."""

from __future__ import annotations

import re

import jsonschema
import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.edits import parse_extend, parse_loop, parse_regenerate, parse_remix, parse_variations
from musicgen_app.web import create_app

EDIT_PARSERS = {
    "variations": parse_variations,
    "remix": parse_remix,
    "extend": parse_extend,
    "regenerate": parse_regenerate,
    "loop": parse_loop,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), ui=False, workers=0)
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_other_hosts(client, page: str) -> None:
    html = client.get(page).text
    assert not re.search(r"""(?:src|href)=["']https?://""", html), "an asset from another host"
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 1000, asset
    assert "/openapi.json" in html


def test_every_v1_route_comes_with_an_example(client) -> None:
    spec = client.get("/openapi.json").json()
    routes = [
        (path, op) for path, ops in spec["paths"].items() if path.startswith("/v1") for op in ops.values()
    ]
    assert len(routes) >= 12
    for path, operation in routes:
        for parameter in operation.get("parameters", []):
            assert "example" in parameter or "examples" in parameter, (path, parameter["name"])
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert body["examples"], path
            edit = path.rsplit("/", 1)[-1]
            for example in body["examples"].values():
                if edit in EDIT_PARSERS:  # an edit body: what its route's parser accepts
                    EDIT_PARSERS[edit](example["value"])
                    jsonschema.validate(example["value"], body["schema"])
                else:
                    assert client.post("/v1/music/plan", json=example["value"]).status_code == 200, example
