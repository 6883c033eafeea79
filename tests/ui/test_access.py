"""The studio behind API keys: a login with a key, and each user sees and acts on that key's tracks only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.errors import Forbidden, Unauthorized
from musicgen_app.service import GenerationService
from musicgen_app.ui.access import StudioAccess
from musicgen_app.ui.handlers import Studio
from musicgen_app.web import create_app

ALICE = "alice-key-0123456789abcdef"
BOB = "bob-key-0123456789abcdef00"


@pytest.fixture
def service(tmp_path):
    svc = GenerationService(
        Settings(data_dir=tmp_path, engine="symbolic", workers=0, api_keys=f"{ALICE},{BOB}")
    )
    yield svc
    svc.stop()


def test_a_user_name_is_bound_to_the_key_it_logged_in_with(service) -> None:
    access = StudioAccess(service.api_keys)
    assert access.login("ann", ALICE) and access.login("ann", ALICE)
    assert not access.login("ann", BOB)  # another key cannot take the name over
    assert not access.login("eve", "not-a-key-0123456789")
    with pytest.raises(Unauthorized):
        access.owner_of(SimpleNamespace(username="eve"))


def test_each_user_sees_and_acts_on_their_own_tracks(service) -> None:
    access = StudioAccess(service.api_keys)
    access.login("ann", ALICE)
    access.login("bo", BOB)
    studio = Studio(service)
    ann = studio.for_owner(access.owner_of(SimpleNamespace(username="ann")))
    bo = studio.for_owner(access.owner_of(SimpleNamespace(username="bo")))
    mine = ann.service.submit({"prompt": "calm piano", "duration": 5})
    bo.service.submit({"prompt": "loud rock", "duration": 5})
    _rows, ids = ann.history()
    assert ids == [mine.id]
    with pytest.raises(Forbidden):
        bo.service.get(mine.id)
    assert "another API key" in bo.delete(mine.id)
    assert service.get(mine.id).id == mine.id  # still there


def test_a_share_url_opens_only_the_owners_track_and_only_the_owner_cancels_it(service) -> None:
    access = StudioAccess(service.api_keys)
    access.login("ann", ALICE)
    access.login("bo", BOB)
    studio = Studio(service)
    ann = studio.for_owner(access.owner_of(SimpleNamespace(username="ann")))
    bo = studio.for_owner(access.owner_of(SimpleNamespace(username="bo")))
    mine = ann.service.submit({"prompt": "calm piano", "duration": 5})  # pending: no workers here
    opened = bo.load(mine.id)  # what /?track=ID does for bo
    assert opened.done and opened.track is None and "another API key" in opened.status_html
    assert ann.load(mine.id).track.id == mine.id
    assert "another API key" in bo.cancel(mine.id)
    assert service.get(mine.id).status == "pending"
    assert "cancelled" in ann.cancel(mine.id) and service.get(mine.id).status == "cancelled"
    assert "only a running job" in ann.cancel(mine.id)


def test_the_page_asks_for_a_login_behind_keys(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, engine="symbolic", workers=0, api_keys=ALICE)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        assert client.get("/config").status_code == 401
        assert (
            client.post("/login", data={"username": "ann", "password": "wrong-key-0123456789"}).status_code
            == 400
        )
        assert client.post("/login", data={"username": "ann", "password": ALICE}).status_code == 200
        assert client.get("/config").status_code == 200
