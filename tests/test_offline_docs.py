"""/docs and /redoc work with no internet: every asset they load is served by the app itself."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app


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
