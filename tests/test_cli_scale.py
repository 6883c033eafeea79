"""The scale-out commands: db upgrade/current, worker's options, serve --no-workers."""

from __future__ import annotations

import pytest

from musicgen_app.cli import build_parser, main


def test_db_upgrade_then_current(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MUSICGEN_APP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MUSICGEN_APP_DATABASE_URL", raising=False)
    assert main(["db", "current"]) == 0
    assert "at nothing" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    head = out.split("(head ")[1].rstrip(")\n")
    assert f"database at {head}" in out
    assert main(["db", "current"]) == 0 and f"database at {head}" in capsys.readouterr().out


@pytest.mark.parametrize("option", ["--processes", "--threads"])
@pytest.mark.parametrize("value", ["0", "65", "two"])
def test_worker_counts_are_checked(option, value, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["worker", option, value])
    assert exit_.value.code == 2
    assert "from 1 to 64" in capsys.readouterr().err


def test_worker_and_serve_options() -> None:
    args = build_parser().parse_args(["worker", "--processes", "3", "--threads", "2"])
    assert (args.processes, args.threads) == (3, 2)
    assert build_parser().parse_args(["serve", "--no-workers"]).no_workers
    assert not build_parser().parse_args(["serve"]).no_workers


def test_dramatiq_without_a_broker_is_refused(monkeypatch, capsys) -> None:
    monkeypatch.setenv("MUSICGEN_APP_QUEUE", "dramatiq")
    monkeypatch.delenv("MUSICGEN_APP_BROKER_URL", raising=False)
    assert main(["worker"]) == 10  # StartupRefused's exit code
    assert "MUSICGEN_APP_BROKER_URL" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("queue", "celery", "local or dramatiq"),
        ("broker_url", "http://x", "redis:// or amqp://"),
        ("storage_url", "ftp://x/y", "file:// or s3://"),
        ("storage_url", "s3:///prefix", "must name a bucket"),
    ],
)
def test_scale_settings_are_checked(field, value, rule) -> None:
    from pydantic import ValidationError

    from musicgen_app.config import Settings

    with pytest.raises(ValidationError, match=rule):
        Settings(**{field: value})
