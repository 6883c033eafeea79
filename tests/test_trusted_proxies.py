"""Behind a reverse proxy the rate limit counts each client, not the proxy: ``X-Forwarded-For`` is
believed from the proxies ``MUSICGEN_APP_TRUSTED_PROXIES`` names, and from nobody else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.web import create_app

_PROXY = ("10.1.2.3", 40000)


def _client(tmp_path, *, trusted: str) -> TestClient:
    settings = Settings(
        data_dir=tmp_path,
        engine="symbolic",
        ui=False,
        workers=0,
        rate_limit="2/minute",
        trusted_proxies=trusted,
    )
    return TestClient(create_app(settings), base_url="http://localhost", client=_PROXY)


def _codes(client: TestClient, forwarded_for: str, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        client.post("/v1/music/generate", json={"prompt": "pop"}, headers=headers).status_code
        for _ in range(count)
    ]


def test_clients_behind_a_trusted_proxy_are_limited_one_by_one(tmp_path) -> None:
    with _client(tmp_path, trusted="10.0.0.0/8") as client:
        assert _codes(client, "203.0.113.7", 3) == [202, 202, 429]
        # another client through the same proxy has its own allowance
        assert _codes(client, "203.0.113.8", 2) == [202, 202]
        # a chain names the client nearest the proxy that is not itself trusted
        assert _codes(client, "198.51.100.1, 203.0.113.7", 1) == [429]


def test_an_untrusted_peer_cannot_pick_its_address(tmp_path) -> None:
    """A client that sends its own X-Forwarded-For (no trusted proxy in front) is still counted as
    itself: changing the header does not buy it a new allowance."""
    with _client(tmp_path, trusted="127.0.0.1") as client:
        assert _codes(client, "203.0.113.7", 2) == [202, 202]
        assert _codes(client, "203.0.113.99", 1) == [429]


def test_trusting_no_proxy_ignores_the_header(tmp_path) -> None:
    with _client(tmp_path, trusted="") as client:
        assert _codes(client, "203.0.113.1", 2) == [202, 202]
        assert _codes(client, "203.0.113.2", 1) == [429]


@pytest.mark.parametrize("value", ["proxy.example", "10.0.0.0/40", "127.0.0.1, not-an-ip"])
def test_a_setting_that_is_not_an_address_is_refused_naming_it(tmp_path, value: str) -> None:
    with pytest.raises(ValueError, match="MUSICGEN_APP_TRUSTED_PROXIES") as caught:
        Settings(data_dir=tmp_path, trusted_proxies=value)
    assert repr(value.split(",")[-1].strip()) in str(caught.value)


def test_on_a_space_an_unset_setting_trusts_the_platforms_proxy(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SPACE_ID", "someone/musicgen")
    monkeypatch.delenv("MUSICGEN_APP_TRUSTED_PROXIES", raising=False)
    assert Settings(data_dir=tmp_path).proxy_trust() == "*"
    assert Settings(data_dir=tmp_path, trusted_proxies="10.0.0.1").proxy_trust() == "10.0.0.1"
    monkeypatch.delenv("SPACE_ID")
    assert Settings(data_dir=tmp_path).proxy_trust() == "127.0.0.1"
