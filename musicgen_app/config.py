"""Settings: the one place that reads the environment (prefix ``MUSICGEN_APP_``).

Everything else receives a :class:`Settings` value; tests build their own and pass it to ``create_app``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .engines.registry import EngineConfig

__all__ = ["DEFAULT_SOUNDFONT", "Settings", "load_settings"]

DEFAULT_SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


class Settings(BaseSettings):
    """Every knob of the service. Environment names are ``MUSICGEN_APP_<FIELD>`` in upper case."""

    model_config = SettingsConfigDict(env_prefix="MUSICGEN_APP_", extra="ignore", frozen=True)

    data_dir: Path = Path("./data")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    host: str = "127.0.0.1"
    port: int = 7860
    public_url: str | None = Field(default=None, description="Base for absolute URLs behind a proxy")
    engine: str = "auto"
    musicgen_model: str = "facebook/musicgen-small"
    demucs_model: str = "htdemucs"
    demucs_repo: Path | None = None
    soundfont: Path = DEFAULT_SOUNDFONT
    workers: int = Field(default=1, ge=0, le=16, description="Job worker threads in this process")
    render_processes: int = Field(default=1, ge=1, le=16, description="Processes that render audio")
    queue_max: int = Field(default=64, ge=1, description="Pending jobs accepted before 503")
    lease_s: float = Field(default=20.0, gt=1.0, description="A claimed job's lease; renewed by heartbeat")
    max_attempts: int = Field(default=3, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    ui: bool = Field(default=True, description="Mount the Gradio studio at /")
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated Host names served besides localhost, PUBLIC_URL's and SPACE_HOST's; "
        "'*' serves any (a guard against DNS rebinding of a local install)",
    )
    api_keys: str = Field(
        default="",
        repr=False,
        description="Comma-separated API keys, or @path to a file of one per line; empty: no keys needed",
    )
    rate_limit: str = Field(default="", description="Track-making requests per key or client, e.g. 30/minute")
    webhook_secret: str = Field(
        default="",
        repr=False,
        description="whsec_<base64> signing secret; empty: one is made and kept in DATA_DIR/webhook_secret",
    )
    webhook_allow_http: bool = Field(default=False, description="Allow http:// webhook URLs (not only https)")
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhooks to private, loopback and link-local addresses"
    )
    cors_origins: str = Field(
        default="", description="Comma-separated origins allowed by CORS; empty: CORS off"
    )

    def served_hosts(self) -> frozenset[str] | None:
        """Host names (lower case, no port) this server answers for; ``None`` answers any."""
        configured = {h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()}
        if "*" in configured or (os.environ.get("SPACE_ID") and not configured):
            # on Hugging Face Spaces the app is public by design and reached under several names (the
            # Space's domain, its proxy's health checks): the rebinding guard is for local installs
            return None
        hosts = {"localhost", "127.0.0.1", "::1", *configured}
        if self.public_url:
            hosts.add((urlsplit(self.public_url).hostname or "").lower())
        if os.environ.get("SPACE_HOST"):  # set by Hugging Face Spaces to the Space's own domain
            hosts.add(os.environ["SPACE_HOST"].split(":", 1)[0].lower())
        if self.host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
            hosts.add(self.host.lower())
        return frozenset(h for h in hosts if h)

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("auto", "symbolic", "musicgen"):
            raise ValueError("MUSICGEN_APP_ENGINE must be auto, symbolic or musicgen")
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'musicgen_app.db').resolve()}"

    @property
    def tracks_dir(self) -> Path:
        return self.data_dir / "tracks"

    def engine_config(self) -> EngineConfig:
        """What the engines need from these settings."""
        return EngineConfig(
            soundfont=self.soundfont,
            musicgen_model=self.musicgen_model,
            demucs_model=self.demucs_model,
            demucs_repo=self.demucs_repo,
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with ``overrides`` on top.

    A plain ``PORT`` (as Hugging Face Spaces set it) is honoured when ``MUSICGEN_APP_PORT`` is not set.
    """
    if "port" not in overrides and "MUSICGEN_APP_PORT" not in os.environ and os.environ.get("PORT"):
        overrides["port"] = int(os.environ["PORT"])
    return Settings(**overrides)
