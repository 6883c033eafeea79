"""docs/deploy.md and deploy/compose.yaml against the code: every setting they name exists, every command
they run parses, and the compose file starts the whole deployment."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from musicgen_app.cli import build_parser
from musicgen_app.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
DEPLOY_DOC = (ROOT / "docs" / "deploy.md").read_text()


def _known(name: str) -> bool:
    return name.removeprefix("MUSICGEN_APP_").lower() in Settings.model_fields


def test_the_compose_file_starts_every_part() -> None:
    assert {"web", "worker", "postgres", "redis", "minio", "migrate"} <= set(COMPOSE["services"])


def test_the_compose_file_names_only_real_settings_and_commands() -> None:
    parser = build_parser()
    for name, service in COMPOSE["services"].items():
        env = service.get("environment") or {}
        for key in env:
            if key.startswith("MUSICGEN_APP_"):
                assert _known(key), (name, key)
        command = service.get("command")
        if command and command[:3] == ["python", "-m", "musicgen_app"]:
            parser.parse_args(command[3:])  # exits (fails the test) on an unknown option
    env = COMPOSE["services"]["web"]["environment"]
    settings = Settings(**{k.removeprefix("MUSICGEN_APP_").lower(): v for k, v in env.items() if _known(k)})
    assert settings.queue == "dramatiq" and settings.resolved_storage_url.startswith("s3://")


def test_the_deploy_doc_names_only_real_settings() -> None:
    named = set(re.findall(r"MUSICGEN_APP_[A-Z0-9_]+", DEPLOY_DOC))
    assert named and all(_known(n) for n in named), sorted(n for n in named if not _known(n))
    for line in re.findall(r"python -m musicgen_app ([^&\n#`]+)", DEPLOY_DOC):
        words = ["2" if word in ("N", "T") else word for word in line.split()]  # the doc's placeholders
        build_parser().parse_args(words)
