"""API keys: 401 without a valid key, each key sees and deletes only its own tracks, keys kept hashed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from musicgen_app.api_keys import ApiKeys, key_id
from musicgen_app.config import Settings
from musicgen_app.web import create_app

ALICE = "alice-key-0123456789abcdef"
BOB = "bob-key-0123456789abcdef00"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    keys_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys_file.write_text(f"# the team\n{ALICE}\n{BOB}  # bob\n")
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"), engine="symbolic", workers=0, api_keys=f"@{keys_file}"
    )
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


def _as(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_every_v1_route_wants_a_key_and_healthz_does_not(client) -> None:
    for method, path in [("get", "/v1/music"), ("get", "/v1/genres"), ("get", f"/v1/music/{'a' * 32}/audio")]:
        answer = getattr(client, method)(path)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["www-authenticate"].startswith("Bearer")
    answer = client.post("/v1/music/generate", json={"prompt": "pop"}, headers=_as("not-a-key-at-all-123456"))
    assert answer.status_code == 401
    assert client.get("/healthz").status_code == 200


def test_a_key_sees_and_deletes_only_its_own_tracks(client) -> None:
    mine = client.post("/v1/music/generate", json={"prompt": "pop"}, headers=_as(ALICE)).json()["id"]
    theirs = client.post("/v1/music/generate", json={"prompt": "rock"}, headers=_as(BOB)).json()["id"]
    listing = client.get("/v1/music", headers=_as(ALICE)).json()
    assert [t["id"] for t in listing["data"]] == [mine] and listing["count"] == 1
    assert client.get(f"/v1/music/{theirs}", headers=_as(ALICE)).status_code == 403
    assert client.get(f"/v1/music/{theirs}/audio", headers=_as(ALICE)).status_code == 403
    assert client.delete(f"/v1/music/{theirs}", headers=_as(ALICE)).status_code == 403
    assert client.get(f"/v1/music/{theirs}", headers=_as(BOB)).status_code == 200
    assert client.delete(f"/v1/music/{mine}", headers=_as(ALICE)).status_code == 204
    stored = client.app.state.service.repo.get(theirs)
    assert stored.owner == key_id(BOB)


def test_keys_are_kept_hashed_and_short_ones_refused() -> None:
    keys = ApiKeys.parse(f"{ALICE}, {BOB}")
    assert keys.identify(ALICE) == key_id(ALICE) and keys.identify("x" * 30) is None
    assert ALICE not in repr(keys) and ALICE.encode() not in b"".join(d for d, _ in keys.entries)
    with pytest.raises(ValueError, match="fewer than 16") as caught:
        ApiKeys.parse("short")
    assert "short" not in str(caught.value)
    assert "api_keys" not in repr(Settings(api_keys=ALICE)) or ALICE not in repr(Settings(api_keys=ALICE))
