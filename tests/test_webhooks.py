"""Webhooks: a finished track is POSTed to its webhook_url, signed per Standard Webhooks, retried with
backoff; http and private targets only when the server allows them (checked at send time)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from musicgen_app.config import Settings
from musicgen_app.jobs.webhooks import WebhookPolicy
from musicgen_app.web import create_app

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


class Receiver:
    """A local endpoint that records what it gets and answers the codes it is told, in turn."""

    def __init__(self, codes: list[int]) -> None:
        self.codes, self.received = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0])
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _client(tmp_path, **settings) -> TestClient:
    base = dict(data_dir=tmp_path, engine="symbolic", ui=False, workers=1, webhook_secret=SECRET)
    return TestClient(create_app(Settings(**{**base, **settings})), base_url="http://localhost")


def _wait_for(check, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def _deliveries(client, track_id: str) -> list[dict]:
    return client.get(f"/v1/music/{track_id}/webhooks").json()["data"]


def test_a_completed_track_is_posted_signed_and_retried(tmp_path) -> None:
    receiver = Receiver([503, 200])
    with _client(tmp_path, webhook_allow_http=True, webhook_allow_private=True) as client:
        body = {"prompt": "calm piano", "duration": 5, "webhook_url": receiver.url}
        track_id = client.post("/v1/music/generate", json=body).json()["id"]
        delivered = _wait_for(
            lambda: next((d for d in _deliveries(client, track_id) if d["status"] == "delivered"), None), 90
        )
    assert delivered["event"] == "track.completed" and delivered["attempts"] == 2
    assert len(receiver.received) == 2
    headers, raw = receiver.received[-1]
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    assert message_id == delivered["id"] and abs(int(timestamp) - time.time()) < 120
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + raw, hashlib.sha256).digest()
    )
    assert headers["webhook-signature"] == "v1," + expected.decode()
    payload = json.loads(raw)
    assert payload["type"] == "track.completed" and payload["data"]["id"] == track_id
    assert payload["data"]["audio_url"].endswith(f"/v1/music/{track_id}/audio")


def test_private_targets_are_refused_at_send_time(tmp_path) -> None:
    receiver = Receiver([200])
    with _client(tmp_path, webhook_allow_http=True) as client:
        body = {"prompt": "calm piano", "duration": 5, "webhook_url": receiver.url}
        track_id = client.post("/v1/music/generate", json=body).json()["id"]
        refused = _wait_for(
            lambda: next((d for d in _deliveries(client, track_id) if d["status"] != "pending"), None)
        )
    assert refused["status"] == "refused" and "non-public" in refused["last_error"]
    assert receiver.received == []


def test_http_needs_the_server_to_allow_it(tmp_path) -> None:
    with _client(tmp_path, workers=0) as client:
        answer = client.post(
            "/v1/music/generate", json={"prompt": "a", "webhook_url": "http://example.com/h"}
        )
        assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "webhook_url"
        answer = client.post(
            "/v1/music/generate", json={"prompt": "a", "webhook_url": "https://example.com/h"}
        )
        assert answer.status_code == 202


@pytest.mark.parametrize("host", ["localhost", "10.1.2.3", "169.254.169.254", "[::1]", "192.168.0.1"])
def test_the_policy_refuses_non_public_addresses(host: str) -> None:
    with pytest.raises(PermissionError):
        WebhookPolicy(allow_http=True).address_for(host.strip("[]"), 443)
    assert WebhookPolicy(allow_private=True).address_for(host.strip("[]"), 443)
