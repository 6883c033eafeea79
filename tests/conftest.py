"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# Property tests check results, never speed (benchmarks in bench/ do that): no per-example deadline and no
# too-slow health check, which on a loaded 2-core machine failed examples that were right, only slow.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture(scope="module")
def api_client(tmp_path_factory):
    """A live app (workers and a render process) on a fresh data directory, shared by a test module."""
    from fastapi.testclient import TestClient

    from musicgen_app.config import Settings
    from musicgen_app.web import create_app

    data_dir = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data_dir, engine="symbolic", ui=False, workers=1, lease_s=10)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client
