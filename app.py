"""Start musicgen_app: the studio at / and the REST API at /v1, on PORT (7860 by default)."""

from __future__ import annotations

import logging
import os

# Model loading (the prompt reader's embedding model) draws tqdm bars into the server log: a log is no
# terminal, and the studio shows progress itself.
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import uvicorn

from musicgen_app.config import load_settings
from musicgen_app.web import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=5,
        proxy_headers=False,  # the app believes forwarded headers per MUSICGEN_APP_TRUSTED_PROXIES
    )


if __name__ == "__main__":
    main()
