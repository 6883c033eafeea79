"""The studio on S3 storage: its players, waveform, remix and the API's downloads work from the bucket."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.ui.handlers import Studio
from musicgen_app.web import create_app

from .services import S3_ENV, moto_s3, s3_bucket, s3_keys

pytestmark = pytest.mark.slow


def test_studio_and_api_on_s3(tmp_path, monkeypatch) -> None:
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    with moto_s3() as endpoint, s3_bucket(endpoint) as bucket:
        settings = Settings(
            data_dir=tmp_path,
            engine="symbolic",
            ui=False,
            workers=1,
            storage_url=f"s3://{bucket}/s",
            s3_endpoint_url=endpoint,
        )
        app = create_app(settings)
        with TestClient(app, base_url="http://localhost") as client:
            track_id = client.post("/v1/music/generate", json={"prompt": "jazz trio", "duration": 5}).json()[
                "id"
            ]
            deadline = time.monotonic() + 240
            while (track := client.get(f"/v1/music/{track_id}").json())["status"] != "completed":
                assert track["status"] != "failed" and time.monotonic() < deadline, track
                time.sleep(0.2)
            service = app.state.service
            studio = Studio(service)
            view = studio.view(service.get(track_id))
            assert view.mix is not None and view.mix[0].endswith(f"/v1/music/{track_id}/audio")
            assert "<svg" in view.waveform_html
            remix_url, _name = studio.remix(track_id, {"drums": -6.0})
            remix = client.get(remix_url.removeprefix("http://localhost"))
            assert remix.status_code == 200 and len(remix.content) > 1000
            assert client.get(f"/v1/music/{track_id}/bundle").status_code == 200
            wav = client.get(f"/v1/music/{track_id}/download?format=wav")
            assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
            assert "attachment" in wav.headers["content-disposition"]
            assert f"s/tracks/{track_id}/encoded/mix.wav" in s3_keys(endpoint, bucket)  # every node finds it
            assert client.delete(f"/v1/music/{track_id}").status_code == 204
            assert s3_keys(endpoint, bucket, "s/tracks/") == []
