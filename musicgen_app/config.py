"""Settings: the one place that reads the environment (prefix ``MUSICGEN_APP_``).

Everything else receives a :class:`Settings` value; tests build their own and pass it to ``create_app``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .engines.registry import DEFAULT_ENGINE_ORDER, ENGINE_NAMES, EngineConfig

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
    acestep_model: str = Field(
        default="ACE-Step/acestep-v15-turbo-diffusers",
        description="ACE-Step 1.5 diffusers checkpoint: Hub id (from the local cache) or local directory",
    )
    engine_order: str = Field(
        default=",".join(DEFAULT_ENGINE_ORDER),
        description="Comma-separated engines that engine auto tries, first available wins",
    )
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
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto name the client (its address keys the rate limit); '*' trusts any, empty "
        "none. On Hugging Face Spaces, unset means any (the Space is only reached through its proxy)",
    )
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
    queue: str = Field(default="local", description="local (the tracks table) or dramatiq (a broker)")
    broker_url: str = Field(default="", description="redis://... or amqp://... when QUEUE=dramatiq")
    broker_namespace: str = Field(
        default="musicgen_app", description="Redis key prefix / RabbitMQ queue name of the job messages"
    )
    storage_url: str = Field(default="", description="file:///path or s3://bucket/prefix; default tracks dir")
    s3_endpoint_url: str = Field(default="", description="S3-compatible endpoint (MinIO...); empty: AWS")
    s3_presign: bool = Field(default=False, description="File routes redirect to presigned S3 URLs")
    reconcile_s: float = Field(
        default=30.0, gt=0.1, description="How often a worker re-enqueues tracks whose message was lost"
    )
    requeue_after_s: float = Field(
        default=120.0, gt=0.1, description="A pending track not claimed for this long is enqueued again"
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
        if value not in ("auto", *ENGINE_NAMES):
            raise ValueError(f"MUSICGEN_APP_ENGINE must be auto, {', '.join(ENGINE_NAMES)}")
        return value

    @field_validator("engine_order")
    @classmethod
    def _known_engine_order(cls, value: str) -> str:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        if not names or any(n not in ENGINE_NAMES for n in names) or len(set(names)) != len(names):
            raise ValueError(
                f"MUSICGEN_APP_ENGINE_ORDER must be distinct engine names from {', '.join(ENGINE_NAMES)}, "
                f"comma-separated, got {value!r}"
            )
        return ",".join(names)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"MUSICGEN_APP_TRUSTED_PROXIES must be IP addresses or networks (CIDR) or '*', "
                    f"comma-separated; {item!r} is neither"
                ) from None
        return ",".join(items)

    def proxy_trust(self) -> str:
        """The proxies whose forwarded headers are believed, as uvicorn's ``ProxyHeadersMiddleware``
        takes them: the setting, or ``*`` on Hugging Face Spaces when it is not set (a Space is reached
        only through the platform's proxy, whose address is not known in advance)."""
        if os.environ.get("SPACE_ID") and "trusted_proxies" not in self.model_fields_set:
            return "*"
        return self.trusted_proxies

    @field_validator("queue")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("local", "dramatiq"):
            raise ValueError("MUSICGEN_APP_QUEUE must be local or dramatiq")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        value = value.strip()
        if value and urlsplit(value).scheme not in ("redis", "rediss", "amqp", "amqps"):
            raise ValueError("MUSICGEN_APP_BROKER_URL must start with redis:// or amqp://")
        return value

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        value = value.strip()
        if value and urlsplit(value).scheme not in ("file", "s3"):
            raise ValueError("MUSICGEN_APP_STORAGE_URL must start with file:// or s3://")
        if value.startswith("s3://") and not urlsplit(value).netloc:
            raise ValueError("MUSICGEN_APP_STORAGE_URL must name a bucket: s3://bucket/prefix")
        return value

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or self.tracks_dir.resolve().as_uri()

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
            acestep_model=self.acestep_model,
            engine_order=tuple(self.engine_order.split(",")),
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with ``overrides`` on top.

    A plain ``PORT`` (as Hugging Face Spaces set it) is honoured when ``MUSICGEN_APP_PORT`` is not set.
    """
    if "port" not in overrides and "MUSICGEN_APP_PORT" not in os.environ and os.environ.get("PORT"):
        overrides["port"] = int(os.environ["PORT"])
    return Settings(**overrides)
