"""Engine and session factory: SQLite in WAL mode with a busy timeout; PostgreSQL (or any URL) as given.

The schema is Alembic's (``store/schema.py``): the embedded SQLite database upgrades itself when the
engine is made; a shared database must already be at head (``python -m musicgen_app db upgrade``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import sessionmaker

from ..errors import StartupRefused

__all__ = ["make_engine", "make_sessionmaker"]

log = logging.getLogger(__name__)

_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers (the API) proceed while a worker writes; the busy timeout makes concurrent writers
    # from the render processes wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, prepare: bool = True) -> Engine:
    """Create the SQLAlchemy engine; with ``prepare``, make sure the schema is at Alembic's head.

    Raises
    ------
    StartupRefused
        A database other than SQLite is not at head (it is upgraded by ``db upgrade``, once).
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # pre-ping: a connection the server dropped (restart, pg_terminate_backend) is replaced, not used
        engine = create_engine(url, pool_pre_ping=True, pool_recycle=1800)
    if prepare:
        _prepare_schema(engine)
    return engine


def _prepare_schema(engine: Engine) -> None:
    from .schema import current_revision, head_revision, upgrade

    if engine.dialect.name == "sqlite":
        try:
            upgrade(engine)
        except DatabaseError:  # a corrupt file: start anyway, /healthz reports it (degraded, 503)
            log.exception("the database cannot be read or upgraded")
        return
    at, head = current_revision(engine), head_revision()
    if at != head:
        raise StartupRefused(
            f"the database schema is at {at or 'nothing'}, not {head}: "
            "run `python -m musicgen_app db upgrade` once, then start the nodes"
        )


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
