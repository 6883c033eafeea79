"""Alembic: an empty database upgraded to head matches the models, on SQLite and PostgreSQL; a database
made by the release before Alembic upgrades with its tracks intact."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from musicgen_app.errors import StartupRefused
from musicgen_app.store.db import make_engine
from musicgen_app.store.schema import check_schema, current_revision, head_revision, upgrade

from ..scale.services import postgres_database


def _check_empty_database_upgrades_to_models(url: str) -> None:
    engine = create_engine(url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) == head_revision()
        check_schema(engine)  # raises when the models and the migrated schema differ
        assert "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_sqlite_empty_database_upgrades_to_the_models(tmp_path) -> None:
    _check_empty_database_upgrades_to_models(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_postgres_empty_database_upgrades_to_the_models() -> None:
    with postgres_database() as url:
        _check_empty_database_upgrades_to_models(url)


def test_postgres_not_at_head_is_refused_until_db_upgrade() -> None:
    with postgres_database() as url:
        with pytest.raises(StartupRefused, match="db upgrade"):
            make_engine(url)
        upgrade(create_engine(url))
        make_engine(url).dispose()


# The last release before Alembic made its schema with create_all; this is that schema for the tracks
# table (an older one still: no owner/webhook_url columns, added in place by that release) with one row.
_OLD_TRACKS = """
CREATE TABLE tracks (
    id VARCHAR(32) NOT NULL PRIMARY KEY, status VARCHAR(16) NOT NULL, prompt TEXT NOT NULL,
    duration_s INTEGER NOT NULL, genre VARCHAR(64) NOT NULL, tempo_bpm INTEGER NOT NULL,
    key VARCHAR(32) NOT NULL, output_format VARCHAR(8) NOT NULL, seed INTEGER NOT NULL,
    engine_requested VARCHAR(16) NOT NULL, engine VARCHAR(16), engine_version VARCHAR(64),
    model VARCHAR(256), license VARCHAR(256), plan JSON NOT NULL, progress FLOAT NOT NULL,
    attempts INTEGER NOT NULL, lease_owner VARCHAR(128), lease_expires_at DATETIME, error TEXT,
    notices JSON NOT NULL, files JSON NOT NULL, sections JSON NOT NULL, details JSON NOT NULL,
    loudness_lufs FLOAT, true_peak_dbtp FLOAT, created_at DATETIME NOT NULL, started_at DATETIME,
    completed_at DATETIME, updated_at DATETIME NOT NULL
)
"""
_OLD_ROW = """
INSERT INTO tracks VALUES ('0123456789abcdef0123456789abcdef', 'completed', 'lofi rain', 30, 'lofi', 80,
 'C major', 'mp3', 7, 'auto', 'symbolic', '1', NULL, 'royalty-free', '{"genre": "lofi"}', 1.0, 1, NULL,
 NULL, NULL, '[]', '{"mix": "master/mix.flac"}', '[]', '{}', -14.0, -1.2, '2026-11-01 10:00:00', NULL,
 '2026-11-01 10:01:00', '2026-11-01 10:01:00')
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_database_of_the_release_before_alembic_upgrades_with_its_tracks(tmp_path, database) -> None:
    from contextlib import nullcontext

    context = postgres_database() if database == "postgresql" else nullcontext(f"sqlite:///{tmp_path}/o.db")
    with context as url:
        old = create_engine(url)
        with old.begin() as connection:
            ddl = _OLD_TRACKS if database == "sqlite" else _OLD_TRACKS.replace("DATETIME", "TIMESTAMP")
            connection.execute(text(ddl))
            connection.execute(text(_OLD_ROW))
        assert upgrade(old) == head_revision()
        check_schema(old)
        from musicgen_app.store.db import make_sessionmaker
        from musicgen_app.store.tracks import TrackRepository

        track = TrackRepository(make_sessionmaker(old)).get("0123456789abcdef0123456789abcdef")
        assert (track.status, track.prompt, track.files) == (
            "completed",
            "lofi rain",
            {"mix": "master/mix.flac"},
        )
        assert track.owner is None
        old.dispose()


def test_the_embedded_database_carries_alembic_version_after_start(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
