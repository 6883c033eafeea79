"""Shared test helpers: waiting for tracks, decoding audio, measuring the contract."""

from __future__ import annotations

import io
import time

import numpy as np
import soundfile as sf


def wait_for_track(client, track_id: str, *, timeout_s: float = 300.0) -> dict:
    """Poll ``GET /v1/music/{id}`` until the track is completed or failed (the limit only ends a hung
    job: a first job under load also waits for its render process to import torch and the models)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/v1/music/{track_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"track {track_id} still {body['status']} after {timeout_s} s")


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """Decode audio bytes (any format soundfile reads) to float64 ``(frames, channels)``."""
    audio, sr = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    return audio, sr


def residual_db(mix: np.ndarray, parts_sum: np.ndarray) -> float:
    """Energy of ``mix - parts_sum`` relative to the mix, in dB."""
    error = np.sum((mix - parts_sum) ** 2)
    return 10 * np.log10(max(error, 1e-30) / max(np.sum(mix**2), 1e-30))
